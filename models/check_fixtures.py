#!/usr/bin/env python3
"""Re-run every fixture through onnxruntime and compare with its JSON, exactly.

    python3 models/check_fixtures.py

Decodes the JSON the way a consumer must (floats parsed as double then narrowed
to the input dtype, "NaN"/"Infinity"/"-Infinity" strings as non-finite floats)
and requires bit-identical outputs; also checks that every served model has a
byte-identical ``served_*`` fixture copy.  Exits non-zero on any mismatch.
"""

import glob
import json
import os
import sys

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64,
          "int32": np.int32, "bool": np.bool_}


def decode_float(v):
    return SPECIAL[v] if isinstance(v, str) else float(v)


def decode_input(doc):
    dtype = doc["input_dtype"]
    if dtype == "string":
        return np.array(doc["inputs"], dtype=object)
    if dtype in ("float32", "float64"):
        rows = [[decode_float(v) for v in row] for row in doc["inputs"]]
        return np.array(rows, dtype=np.float64).astype(DTYPES[dtype])
    return np.array(doc["inputs"], dtype=DTYPES[dtype])


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return bool(np.all(a == b))


def check(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(FIXTURES, doc["model"]), so,
                                providers=["CPUExecutionProvider"])
    got = dict(zip([o.name for o in sess.get_outputs()],
                   sess.run(None, {doc["input_name"]: decode_input(doc)})))
    errors = []
    if list(got) != list(doc["outputs"]):
        errors.append(f"output names {list(got)} != {list(doc['outputs'])}")
    for name, exp in doc["outputs"].items():
        value = got.get(name)
        if exp["kind"] == "zipmap":
            labels = [list(r.keys()) for r in value]
            probs = np.array([[r[k] for k in exp["labels"]] for r in value], dtype=np.float32)
            want = np.array([[decode_float(v) for v in row] for row in exp["probabilities"]],
                            dtype=np.float64).astype(np.float32)
            if any(ks != exp["labels"] for ks in labels) or not same(probs, want):
                errors.append(f"{name}: zipmap differs")
        elif exp["dtype"] == "string":
            if list(np.asarray(value).reshape(-1)) != exp["data"] or \
                    list(np.asarray(value).shape) != exp["shape"]:
                errors.append(f"{name}: strings differ")
        else:
            dt = DTYPES[exp["dtype"]]
            data = exp["data"]
            if exp["dtype"] in ("float32", "float64"):
                want = np.array([decode_float(v) for v in data], dtype=np.float64).astype(dt)
            else:
                want = np.array(data, dtype=dt)
            if not same(value, want.reshape(exp["shape"])):
                errors.append(f"{name}: tensor differs")
    return errors


def main():
    failures = checks = 0
    paths = sorted(glob.glob(os.path.join(FIXTURES, "*.json")))
    for path in paths:
        checks += 1
        try:
            errors = check(path)
        except Exception as exc:  # noqa: BLE001 - a malformed fixture is a failure
            errors = [f"{type(exc).__name__}: {exc}"]
        if errors:
            failures += 1
            print(f"FAIL {os.path.basename(path)}: " + "; ".join(errors))
    for model in sorted(glob.glob(os.path.join(HERE, "*", "1", "model.onnx"))):
        name = os.path.basename(os.path.dirname(os.path.dirname(model)))
        checks += 1
        copy = os.path.join(FIXTURES, "served_" + name.replace("-", "_") + ".onnx")
        with open(model, "rb") as a, open(copy, "rb") as b:
            if a.read() != b.read():
                failures += 1
                print(f"FAIL {copy} is not a copy of {model}")
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
