#!/usr/bin/env python3
"""The peer of bench_import's whole import: the plain Python script a researcher would otherwise
write to audit a JSONL file of prompt/completion rows. It reads the file line by line
(json.loads), applies a number-list format check in the spirit of the paper's rule (numbers of at
most 3 digits separated by one kind of separator, at most 10 of them, optionally in brackets),
drops duplicate completions, and stores every row with its verdict in SQLite (executemany in
batches of 2,048, one transaction) in a table with the same four indexes as the project's
sequences table (by run, verdict, condition, reason: what the Sequences view filters on), so
that the two do the same work. Prints rows/s and peak RSS, like bench_import.
Usage: python3 bench/bench_import_peer.py FILE.jsonl   (bench_import --keep leaves such a file)"""
import json
import os
import re
import resource
import sqlite3
import sys
import tempfile
import time

INSERT = ("INSERT INTO sequences (run_id, condition, seed, idx, prompt, completion, kept, reason) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
SEP = re.compile(r"^\s*[\[(]?\s*(\d{1,3})((?:\s*([,;]|\s)\s*\d{1,3})*)\s*[\])]?\s*\.?\s*$")


def verdict(completion, seen):
    m = SEP.match(completion)
    if not m:
        return 0, "format: not a number list"
    numbers = re.findall(r"\d+", completion)
    if len(numbers) > 10:
        return 0, "format: too many numbers"
    if completion in seen:
        return 0, "duplicate"
    seen.add(completion)
    return 1, ""


def main():
    path = sys.argv[1]
    db_path = os.path.join(tempfile.gettempdir(), f"bench_import_peer_{os.getpid()}.sqlite")
    t0 = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE sequences (id INTEGER PRIMARY KEY, run_id INTEGER, condition TEXT, "
               "seed INTEGER, idx INTEGER, prompt TEXT, completion TEXT, kept INTEGER, "
               "reason TEXT, token_info TEXT)")
    for name, cols in [("run", "run_id"), ("verdict", "run_id, kept"),
                       ("condition", "run_id, condition, seed, kept"),
                       ("reason", "run_id, reason, kept")]:
        db.execute(f"CREATE INDEX sequences_{name} ON sequences({cols})")
    seen, batch, rows, kept = set(), [], 0, 0
    with db, open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            o = json.loads(line)
            k, why = verdict(o["completion"], seen)
            kept += k
            batch.append((1, "imported", 0, i, o["prompt"], o["completion"], k, why))
            rows += 1
            if len(batch) == 2048:
                db.executemany(INSERT, batch)
                batch.clear()
        db.executemany(INSERT, batch)
    s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peer (python)     {s:8.2f} s  {rows / s:9.0f} rows/s  ({kept} kept)  peak RSS {peak:6.1f} MiB")
    db.close()
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(db_path + ext):
            os.remove(db_path + ext)


if __name__ == "__main__":
    main()
