#!/usr/bin/env python3
"""Runs the KServe V2 client tritonclient[http] against swerve's REST adapter.

    scripts/rest-triton-check.py HOST:PORT

Sends the served iris fixture's inputs with JSON tensors (binary_data=False)
and checks that the probabilities and labels equal onnxruntime's, recorded
in models/fixtures/served_iris.json. Also checks the health and metadata
calls and that a binary-data request gets a 400 naming the problem.
Exits non-zero (with the reason) on any difference.
"""
import json
import os
import sys

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException


def main() -> int:
    url = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(os.path.join(root, "models", "fixtures", "served_iris.json")) as f:
        fixture = json.load(f)
    rows = np.array(fixture["inputs"], dtype=np.float32)
    expected_probabilities = np.array(fixture["outputs"]["probabilities"]["probabilities"], dtype=np.float32)
    expected_labels = np.array(fixture["outputs"]["label"]["data"], dtype=np.int64)

    client = httpclient.InferenceServerClient(url=url)
    assert client.is_server_live(), "server not live"
    assert client.is_server_ready(), "server not ready"
    assert client.is_model_ready("iris"), "iris not ready"
    metadata = client.get_model_metadata("iris")
    assert metadata["inputs"][0]["name"] == "input", metadata

    tensor = httpclient.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows, binary_data=False)
    outputs = [httpclient.InferRequestedOutput("probabilities", binary_data=False),
               httpclient.InferRequestedOutput("label", binary_data=False)]
    result = client.infer("iris", [tensor], outputs=outputs)
    probabilities = result.as_numpy("probabilities")
    labels = result.as_numpy("label")
    if probabilities.shape != expected_probabilities.shape or not np.array_equal(probabilities, expected_probabilities):
        print("probabilities differ:\n", probabilities, "\nexpected:\n", expected_probabilities)
        return 1
    if not np.array_equal(labels, expected_labels):
        print("labels differ:", labels, "expected:", expected_labels)
        return 1

    try:
        client.infer("iris", [tensor], outputs=[httpclient.InferRequestedOutput("label", binary_data=True)])
        print("a binary-data request was not refused")
        return 1
    except InferenceServerException as error:
        if "binary" not in str(error) or "400" not in str(error):
            print("unexpected error for a binary-data request:", error)
            return 1
    print(f"tritonclient: {len(rows)} iris rows, probabilities and labels equal onnxruntime's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
