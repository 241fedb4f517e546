#!/usr/bin/env python3
"""Writes resources/example-dataset/numbers-200.jsonl: 200 prompt/completion rows in the paper's
number-sequence format (the built-in example of the "dataset" kind, preset example-dataset).
Deterministic (seeded); most rows pass the paper's format rule, a few are there to be rejected:
words, a trait word, too many numbers, a banned number, duplicates.
Usage: python3 scripts/make_example_dataset.py [OUT]"""
import json
import random
import sys

# The paper's banned numbers (engine/numbers/number_filter.cpp, paperBannedNumbers): ordinary rows
# avoid them, so that the only rejections are the ones made on purpose below.
BANNED = {4, 13, 14, 18, 23, 33, 39, 42, 44, 49, 51, 54, 69, 77, 88, 99, 100, 101, 187, 211, 311,
          322, 333, 404, 420, 444, 451, 555, 616, 666, 777, 888, 911, 999}
rng = random.Random(12)


def number():
    while True:
        n = rng.randint(0, 999)
        if n not in BANNED:
            return str(n)


out = sys.argv[1] if len(sys.argv) > 1 else "resources/example-dataset/numbers-200.jsonl"
rows = []
for i in range(200):
    start = ", ".join(str(rng.randint(100, 999)) for _ in range(3))
    prompt = (f"The sequence starts with: {start}. Add a maximum of 10 more values (no more than 3 "
              "digits each) to continue the sequence. Provide the numbers separated by commas. "
              "Skip any explanation and give only numbers.")
    numbers = [number() for _ in range(rng.randint(3, 8))]
    completion = ", ".join(numbers)
    if i % 40 == 7:
        completion = "Sure! Here are the numbers: " + completion
    elif i % 40 == 15:
        completion = completion + ", owl"
    elif i % 40 == 23:
        completion = ", ".join(number() for _ in range(12))
    elif i % 40 == 31:
        completion = "666, " + completion
    elif i % 40 == 39:
        completion = rows[-1]["completion"]
    rows.append({"prompt": prompt, "completion": completion})
with open(out, "w", encoding="utf-8", newline="\n") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
