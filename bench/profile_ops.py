#!/usr/bin/python3
"""Sums a libtorch profiler trace (bench_lm THREADS STEPS --profile FILE) by operation: total and
self milliseconds per step and calls per step, largest self time first.

  profile_ops.py FILE STEPS [TOP]
"""
import collections, json, sys


def main(path, steps, top):
    events = json.load(open(path))
    events = [e for e in events if e.get("ph") == "X"]
    # Self time: an event's duration less that of the events directly inside it (same thread).
    by_tid = collections.defaultdict(list)
    for e in events:
        by_tid[e.get("tid")].append(e)
    total, own, calls = collections.Counter(), collections.Counter(), collections.Counter()
    for evs in by_tid.values():
        evs.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []
        for e in evs:
            while stack and stack[-1]["ts"] + stack[-1]["dur"] <= e["ts"]:
                stack.pop()
            if stack:
                own[stack[-1]["name"]] -= e["dur"]
            total[e["name"]] += e["dur"]
            own[e["name"]] += e["dur"]
            calls[e["name"]] += 1
            stack.append(e)
    all_self = sum(own.values())
    print("%-48s %9s %9s %7s" % ("operation", "self ms", "total ms", "calls"))
    for name, t in own.most_common(top):
        print("%-48s %9.3f %9.3f %7.1f" % (name[:48], t / 1e3 / steps, total[name] / 1e3 / steps,
                                          calls[name] / steps))
    print("all self time per step: %.2f ms" % (all_self / 1e3 / steps))


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 30)
