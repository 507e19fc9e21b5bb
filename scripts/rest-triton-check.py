#!/usr/bin/env python3
"""Runs the KServe V2 client tritonclient[http] against swerve's REST adapter.

    scripts/rest-triton-check.py HOST:PORT [--strings MODEL]

Sends the served iris fixture's inputs with JSON tensors (binary_data=False)
and checks that the probabilities and labels equal onnxruntime's, recorded
in models/fixtures/served_iris.json. Then, with the client's defaults
(binary tensor data in and out), checks that iris and diabetes answer
exactly what the JSON tensors answered; with --strings, a model taking
BYTES inputs (models/fixtures/onehot_logreg_string.onnx) answers the same
to binary and JSON strings. Also checks health, metadata, model
configuration, statistics (the success count moves by the calls made) and
the repository index. Exits non-zero (with the reason) on any difference.
"""
import json
import os
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def fail(message):
    print(message)
    sys.exit(1)


def infer_both_ways(client, model, name, rows, datatype, outputs):
    """The answer with JSON tensors and with the client's defaults (binary)."""
    answers = []
    for binary in (False, True):
        tensor = httpclient.InferInput(name, list(rows.shape), datatype)
        if binary:
            tensor.set_data_from_numpy(rows)  # the default: binary_data=True
            result = client.infer(model, [tensor])  # outputs default to binary too
        else:
            tensor.set_data_from_numpy(rows, binary_data=False)
            requested = [httpclient.InferRequestedOutput(o, binary_data=False) for o in outputs]
            result = client.infer(model, [tensor], outputs=requested)
        answers.append({o: result.as_numpy(o) for o in outputs})
    for o in outputs:
        json_answer, binary_answer = answers[0][o], answers[1][o]
        if json_answer is None or binary_answer is None:
            fail(f"{model}: output {o} missing: json={json_answer} binary={binary_answer}")
        if json_answer.shape != binary_answer.shape or not np.array_equal(json_answer, binary_answer):
            fail(f"{model}: output {o} differs between JSON and binary tensors:\n{json_answer}\n{binary_answer}")
    return answers[0]


def success_count(client, model):
    stats = client.get_inference_statistics(model)["model_stats"]
    return sum(s["inference_stats"]["success"]["count"] for s in stats)


def main() -> int:
    url = sys.argv[1]
    strings_model = sys.argv[sys.argv.index("--strings") + 1] if "--strings" in sys.argv else None
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")

    def fixture(name):
        with open(os.path.join(root, "models", "fixtures", name)) as f:
            return json.load(f)

    iris_fixture = fixture("served_iris.json")
    rows = np.array(iris_fixture["inputs"], dtype=np.float32)
    expected_probabilities = np.array(iris_fixture["outputs"]["probabilities"]["probabilities"], dtype=np.float32)
    expected_labels = np.array(iris_fixture["outputs"]["label"]["data"], dtype=np.int64)

    client = httpclient.InferenceServerClient(url=url)
    assert client.is_server_live(), "server not live"
    assert client.is_server_ready(), "server not ready"
    assert client.is_model_ready("iris"), "iris not ready"
    metadata = client.get_model_metadata("iris")
    assert metadata["inputs"][0]["name"] == "input", metadata

    before = success_count(client, "iris")
    answer = infer_both_ways(client, "iris", "input", rows, "FP32", ["probabilities", "label"])
    if not np.array_equal(answer["probabilities"], expected_probabilities):
        fail(f"probabilities differ:\n{answer['probabilities']}\nexpected:\n{expected_probabilities}")
    if not np.array_equal(answer["label"], expected_labels):
        fail(f"labels differ: {answer['label']} expected: {expected_labels}")
    after = success_count(client, "iris")
    if after - before != 2:
        fail(f"iris success count moved from {before} to {after}, expected +2")

    diabetes_fixture = fixture("served_diabetes.json")
    # Ten rows: the test server caps bodies at 4 KiB, and JSON tensors are wordy.
    diabetes_rows = np.array(diabetes_fixture["inputs"][:10], dtype=np.float32)
    infer_both_ways(client, "diabetes", "input", diabetes_rows, "FP32", ["variable"])

    if strings_model:
        string_rows = np.array(fixture("onehot_logreg_string.json")["inputs"], dtype=np.object_)
        infer_both_ways(client, strings_model, "input", string_rows, "BYTES", ["output_label", "output_probability"])

    config = client.get_model_config("iris")
    if config.get("name") != "iris" or config["input"][0] != {"name": "input", "data_type": "TYPE_FP32", "dims": [-1, 4]}:
        fail(f"unexpected model config: {config}")
    index = client.get_model_repository_index()
    if {"name": "iris", "version": "1", "state": "READY", "reason": ""} not in index:
        fail(f"iris not READY in the repository index: {index}")
    # Repository control (the server runs with --repository-control both):
    # an unloaded model answers no inference until it is loaded again.
    loaded_answer = infer_both_ways(client, "iris", "input", rows, "FP32", ["label", "probabilities"])
    client.unload_model("iris")
    if client.is_model_ready("iris"):
        fail("iris is still ready after unload_model")
    try:
        tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
        tensor.set_data_from_numpy(rows)
        client.infer("iris", [tensor])
        fail("infer on an unloaded iris answered")
    except InferenceServerException as error:
        if error.status() not in ("404", "503") or "not loaded" not in str(error):
            fail(f"unexpected error of an infer on an unloaded model: {error.status()} {error}")
    index = client.get_model_repository_index()
    if not any(m.get("name") == "iris" and m.get("state") == "UNAVAILABLE" for m in index):
        fail(f"iris not UNAVAILABLE in the repository index after unload: {index}")
    client.load_model("iris")
    if not client.is_model_ready("iris"):
        fail("iris is not ready after load_model")
    reloaded_answer = infer_both_ways(client, "iris", "input", rows, "FP32", ["label", "probabilities"])
    if not all(np.array_equal(loaded_answer[o], reloaded_answer[o]) for o in loaded_answer):
        fail("iris answers differently after unload and load")
    try:
        client.load_model("no_such_model")
        fail("load_model of an unknown model succeeded")
    except InferenceServerException as error:
        if "no_such_model" not in str(error):
            fail(f"unexpected load_model error: {error}")
    print(f"tritonclient: {len(rows)} iris rows, probabilities and labels equal onnxruntime's; "
          f"binary and JSON tensors agree (iris, diabetes{', BYTES' if strings_model else ''}); config, statistics, index; "
          "unload then load")
    return 0


if __name__ == "__main__":
    sys.exit(main())
