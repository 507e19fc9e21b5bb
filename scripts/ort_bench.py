#!/usr/bin/env python3
"""Per-row latency of onnxruntime on the parity fixtures, measured the way
swerve-runtime-bench measures ModelRuntime: one thread (intra_op and inter_op
1, sequential execution), batch 1 cycling through the fixture rows in blocks of
100 calls, larger batches tiled from the rows, median ns/row over samples.

    scripts/ort_bench.py [--fixtures models/fixtures] [--model NAME ...]
                         [--batches 1,10000] [--seconds 0.5] [--json out.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort

DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "string": object}


def load_rows(fixture):
    rows = [[float("nan") if v == "NaN" else v for v in row] for row in fixture["inputs"]]
    return np.array(rows, dtype=DTYPES[fixture["input_dtype"]])


def measure(session, input_name, rows, batch, seconds):
    if batch == 1:
        feeds = [{input_name: rows[i:i + 1]} for i in range(len(rows))]
        calls = 100
    else:
        feeds = [{input_name: np.ascontiguousarray(np.resize(rows, (batch, rows.shape[1])))}]
        calls = 1
    for feed in feeds:
        session.run(None, feed)
    samples, index = [], 0
    deadline = time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < deadline:
        start = time.perf_counter_ns()
        for _ in range(calls):
            session.run(None, feeds[index])
            index = (index + 1) % len(feeds)
        samples.append((time.perf_counter_ns() - start) / (calls * batch))
        if len(samples) >= 100_000:
            break
    samples.sort()
    return samples[len(samples) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", default="models/fixtures")
    parser.add_argument("--model", action="append", default=[])
    parser.add_argument("--batches", default="1,10000")
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--json")
    args = parser.parse_args()

    batches = [int(b) for b in args.batches.split(",")]
    names = sorted(f[:-5] for f in os.listdir(args.fixtures) if f.endswith(".json"))
    if args.model:
        unknown = [m for m in args.model if m not in names]
        if unknown:
            sys.exit(f"no fixture named {', '.join(unknown)} in {args.fixtures}")
        names = args.model

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL

    results = {}
    print(f"{'fixture':<40}" + "".join(f"{'batch %d ns/row' % b:<20}" for b in batches))
    for name in names:
        with open(os.path.join(args.fixtures, name + ".json")) as f:
            fixture = json.load(f)
        session = ort.InferenceSession(os.path.join(args.fixtures, fixture["model"]), options,
                                       providers=["CPUExecutionProvider"])
        rows = load_rows(fixture)
        line = f"{name:<40}"
        for batch in batches:
            ns = measure(session, fixture["input_name"], rows, batch, args.seconds)
            results.setdefault(name, {})[str(batch)] = ns
            line += f"{ns:<20.1f}"
        print(line, flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
