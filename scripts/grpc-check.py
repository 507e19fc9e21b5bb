#!/usr/bin/env python3
"""gRPC conformance of a running swerve: the clients users already have, unchanged.

    .build/grpc-venv/bin/python scripts/grpc-check.py HOST:PORT --expected FILE.json
    .build/grpc-venv/bin/python scripts/grpc-check.py HOST:PORT --expected FILE.json --load 64 --seconds 5
    .build/grpc-venv/bin/python scripts/grpc-check.py HOST:PORT --only health

The server's repository holds `iris` (versions 1 and 2, the same model, labelled
`stable` -> 1 and `canary` -> 2) and `diabetes` (version 1). FILE.json holds
what swerve's binary protocol answered for the same rows (written by
Tests/ServingTests/GRPCProcessTests.swift):

    {"models": {"iris": {"input": "input", "rows": [[...], ...],
                         "outputs": {"label": {"datatype": "INT64", "shape": [N], "data": [...]},
                                     "probabilities": {"datatype": "FP32", "shape": [N, 3], "data": [...]}, ...},
                         "versions": [1, 2], "version_labels": {"stable": 1, "canary": 2}},
                "diabetes": {...}}}

Checks, one line each, stopping at the first mismatch with a non-zero exit:
  - tritonclient.grpc as its users call it (live/ready, metadata, infer with the
    defaults (raw contents) and with requested outputs, gzip, repository index,
    statistics, model config) and a ModelInfer with typed contents built through
    tritonclient's own service_pb2_grpc stub;
  - TF Serving's PredictionService and ModelService through grpcio stubs compiled
    from proto/ (make grpc-test-deps puts them in .build/grpc-stubs): Predict with
    float_val and with tensor_content, Classify and Regress on tf.Example inputs,
    GetModelMetadata (signature_def), GetModelStatus, by version number and label;
  - grpc.health.v1.Health through grpcio-health-checking's stub;
  - TF's one-value fill: a [3, 4] tensor from one float_val is predicted on; one
    filling more than the message limit is INVALID_ARGUMENT (float_val, string_val);
  - status codes: unknown model NOT_FOUND, bad shape INVALID_ARGUMENT, malformed
    message INVALID_ARGUMENT, unknown method or service UNIMPLEMENTED, explicit
    load/unload FAILED_PRECONDITION in the default (poll) repository mode.
With --only repository (a server started with --repository-control both):
unload_model / load_model through tritonclient.
With --load N, instead: N channels (each its own connection) call ModelInfer
concurrently for --seconds and every answer must equal the expected one.
"""
import argparse
import json
import os
import sys
import threading
import time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
STUBS = os.path.join(ROOT, ".build", "grpc-stubs")

import grpc  # noqa: E402
import numpy as np  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

# One connection per channel: grpcio otherwise shares a subchannel (a TCP
# connection) between channels to the same target.
OWN_CONNECTION = [("grpc.use_local_subchannel_pool", 1)]


class Mismatch(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Mismatch(message)


def passed(message):
    print(f"ok  {message}", flush=True)


# KServe V2 datatypes <-> numpy, for raw contents (little-endian, row-major).
KSERVE_NUMPY = {"FP32": np.float32, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32,
                "UINT8": np.uint8, "BOOL": np.bool_}
KSERVE_TYPED_FIELD = {"FP32": "fp32_contents", "FP64": "fp64_contents", "INT64": "int64_contents",
                      "INT32": "int_contents", "UINT8": "uint_contents", "BOOL": "bool_contents"}


class Expected:
    """The binary protocol's answers, as numpy arrays of their own dtype."""

    def __init__(self, path):
        with open(path) as f:
            document = json.load(f)
        self.models = {}
        for name, model in document["models"].items():
            outputs = {}
            for output, tensor in model["outputs"].items():
                dtype = KSERVE_NUMPY[tensor["datatype"]]
                outputs[output] = np.array(tensor["data"], dtype=dtype).reshape(tensor["shape"])
            self.models[name] = {
                "input": model["input"],
                "rows": np.array(model["rows"], dtype=np.float32),
                "outputs": outputs,
                "versions": model.get("versions", [1]),
                "version_labels": model.get("version_labels", {}),
            }

    def rows(self, model):
        return self.models[model]["rows"]

    def outputs(self, model):
        return self.models[model]["outputs"]


def compare_outputs(what, expected, got):
    """Every output the binary protocol gave must be there with the same shape and bits.

    Outputs named `X:labels` (the class ids beside a ZipMap output, a swerve
    addition) are compared when present, not required."""
    for name, want in expected.items():
        if name not in got:
            check(":" in name, f"{what}: output {name!r} missing; got {sorted(got)}")
            continue
        have = got[name]
        check(have.dtype == want.dtype, f"{what}: output {name} has dtype {have.dtype}, expected {want.dtype}")
        check(list(have.shape) == list(want.shape), f"{what}: output {name} has shape {list(have.shape)}, expected {list(want.shape)}")
        check(np.array_equal(have, want), f"{what}: output {name} differs from the binary protocol's:\n{have}\nexpected:\n{want}")


def expect_rpc_error(what, code, call, *names):
    """Runs `call`, which must fail with `code`; the message must name each of `names`."""
    try:
        call()
    except grpc.RpcError as error:
        check(error.code() == code, f"{what}: status {error.code()} ({error.details()}), expected {code}")
        for name in names:
            check(name in (error.details() or ""), f"{what}: message {error.details()!r} does not name {name!r}")
        passed(f"{what}: {code.name} ({error.details()})")
        return
    raise Mismatch(f"{what}: succeeded, expected {code}")


# ---------------------------------------------------------------- KServe V2 / Triton


def kserve_outputs(response):
    """Output name -> numpy array, from raw_output_contents or typed contents."""
    result = {}
    for index, output in enumerate(response.outputs):
        dtype = KSERVE_NUMPY.get(output.datatype)
        check(dtype is not None, f"output {output.name} has unexpected datatype {output.datatype}")
        shape = list(output.shape)
        if index < len(response.raw_output_contents):
            values = np.frombuffer(response.raw_output_contents[index], dtype=np.dtype(dtype).newbyteorder("<"))
            values = values.astype(dtype)
        else:
            values = np.array(getattr(output.contents, KSERVE_TYPED_FIELD[output.datatype]), dtype=dtype)
        check(values.size == int(np.prod(shape)), f"output {output.name}: {values.size} values for shape {shape}")
        result[output.name] = values.reshape(shape)
    return result


def check_tritonclient(target, expected):
    import tritonclient.grpc as tc
    from tritonclient.grpc import service_pb2, service_pb2_grpc
    from tritonclient.utils import InferenceServerException

    client = tc.InferenceServerClient(url=target)
    check(client.is_server_live(), "is_server_live() is False")
    check(client.is_server_ready(), "is_server_ready() is False")
    for model in ("iris", "diabetes"):
        check(client.is_model_ready(model), f"is_model_ready({model!r}) is False")
    check(client.is_model_ready("iris", "1") and client.is_model_ready("iris", "2"), "iris versions 1 and 2 not both ready")
    passed("tritonclient: server live and ready, iris (1, 2) and diabetes ready")

    server = client.get_server_metadata()
    check(server.name != "" and server.version != "", f"server metadata without name or version: {server}")
    passed(f"tritonclient: server metadata {server.name} {server.version}")

    metadata = client.get_model_metadata("iris")
    check(metadata.name == "iris", f"model metadata name {metadata.name!r}")
    check(sorted(metadata.versions) == ["1", "2"], f"iris metadata versions {list(metadata.versions)}")
    inputs = {t.name: t for t in metadata.inputs}
    check("input" in inputs and inputs["input"].datatype == "FP32" and list(inputs["input"].shape) == [-1, 4],
          f"iris metadata inputs {metadata.inputs}")
    outputs = {t.name for t in metadata.outputs}
    check({"label", "probabilities"} <= outputs, f"iris metadata outputs {outputs}")
    passed("tritonclient: iris metadata (input FP32 [-1, 4]; label, probabilities)")

    def statistics_successes(model):
        stats = client.get_inference_statistics(model)
        return sum(s.inference_stats.success.count for s in stats.model_stats)

    before = statistics_successes("iris")
    infers = 0
    for model in ("iris", "diabetes"):
        rows = expected.rows(model)
        want = expected.outputs(model)
        tensor = tc.InferInput(expected.models[model]["input"], list(rows.shape), "FP32")
        tensor.set_data_from_numpy(rows)  # raw_input_contents, as tritonclient always sends
        result = client.infer(model, [tensor])  # the defaults: every output, raw
        compare_outputs(f"tritonclient infer {model} (defaults)", want,
                        {o.name: result.as_numpy(o.name) for o in result.get_response().outputs})
        infers += model == "iris"
        requested = [tc.InferRequestedOutput(n) for n in want if ":" not in n]
        result = client.infer(model, [tensor], model_version="1", outputs=requested)
        response = result.get_response()
        check(response.model_name == model and response.model_version == "1",
              f"{model} answered as {response.model_name!r} version {response.model_version!r}")
        compare_outputs(f"tritonclient infer {model} v1 (requested outputs)", {n: v for n, v in want.items() if ":" not in n},
                        {n.name: result.as_numpy(n.name) for n in response.outputs})
        infers += model == "iris"
        passed(f"tritonclient: infer {model}, {len(rows)} rows, raw contents, defaults and requested outputs: equal to the binary protocol")

    rows = expected.rows("iris")
    tensor = tc.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows)
    result = client.infer("iris", [tensor], compression_algorithm="gzip")
    compare_outputs("tritonclient infer iris (gzip)", expected.outputs("iris"),
                    {n.name: result.as_numpy(n.name) for n in result.get_response().outputs})
    infers += 1
    passed("tritonclient: infer iris with grpc-encoding gzip")

    # Typed contents, built by hand through tritonclient's own stub.
    channel = grpc.insecure_channel(target)
    stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
    for model in ("iris", "diabetes"):
        rows = expected.rows(model)
        request = service_pb2.ModelInferRequest(model_name=model)
        tensor = request.inputs.add(name=expected.models[model]["input"], datatype="FP32", shape=list(rows.shape))
        tensor.contents.fp32_contents.extend(rows.flatten().tolist())
        response = stub.ModelInfer(request)
        compare_outputs(f"ModelInfer {model} (typed contents)", expected.outputs(model), kserve_outputs(response))
        infers += model == "iris"
    passed("ModelInfer with typed fp32_contents (service_pb2_grpc stub): iris and diabetes equal to the binary protocol")

    after = statistics_successes("iris")
    check(after - before == infers, f"iris statistics: success count moved from {before} to {after}, expected +{infers}")
    passed(f"tritonclient: statistics count the {infers} iris calls made")

    index = client.get_model_repository_index()
    ready = {(m.name, m.version) for m in index.models if m.state == "READY"}
    check({("iris", "1"), ("iris", "2"), ("diabetes", "1")} <= ready or {"iris", "diabetes"} <= {n for n, _ in ready},
          f"repository index: {index}")
    passed(f"tritonclient: repository index lists iris and diabetes READY ({len(index.models)} entries)")

    config = client.get_model_config("iris").config
    check(config.name == "iris", f"model config name {config.name!r}")
    check(len(config.input) == 1 and config.input[0].name == "input" and list(config.input[0].dims) == [-1, 4]
          and service_pb2.model__config__pb2.DataType.Name(config.input[0].data_type) == "TYPE_FP32",
          f"iris config inputs {config.input}")
    passed("tritonclient: iris model config (input TYPE_FP32 [-1, 4])")

    # Errors, as tritonclient reports them.
    def triton_error(what, status, call, name=None):
        try:
            call()
        except InferenceServerException as error:
            check(error.status() == status, f"{what}: status {error.status()} ({error.message()}), expected {status}")
            check(name is None or name in (error.message() or ""), f"{what}: message {error.message()!r} does not name {name!r}")
            passed(f"tritonclient: {what}: {status} ({error.message()})")
            return
        raise Mismatch(f"{what}: succeeded, expected {status}")

    rows = expected.rows("iris")
    tensor = tc.InferInput("input", list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows)
    triton_error("infer on an unknown model", "StatusCode.NOT_FOUND", lambda: client.infer("no_such_model", [tensor]), "no_such_model")
    triton_error("metadata of an unknown model", "StatusCode.NOT_FOUND", lambda: client.get_model_metadata("no_such_model"), "no_such_model")
    narrow = tc.InferInput("input", [len(rows), 3], "FP32")
    narrow.set_data_from_numpy(np.ascontiguousarray(rows[:, :3]))
    triton_error("infer with shape [N, 3] on iris", "StatusCode.INVALID_ARGUMENT", lambda: client.infer("iris", [narrow]), "input")
    triton_error("infer on iris version 9", "StatusCode.NOT_FOUND", lambda: client.infer("iris", [tensor], model_version="9"), "9")
    # The server runs in the default repository-control mode (poll): explicit load/unload are refused, naming it.
    triton_error("load_model in poll mode", "StatusCode.FAILED_PRECONDITION", lambda: client.load_model("iris"), "poll")
    triton_error("unload_model in poll mode", "StatusCode.FAILED_PRECONDITION", lambda: client.unload_model("iris"), "poll")
    check(client.is_model_ready("iris"), "iris is not ready after a refused unload")

    # A message that is not a ModelInferRequest, and methods that do not exist.
    garbage = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer")
    expect_rpc_error("ModelInfer with a malformed message", grpc.StatusCode.INVALID_ARGUMENT, lambda: garbage(b"\xff\xff\xff\xff"))
    unknown = channel.unary_unary("/inference.GRPCInferenceService/NoSuchMethod")
    expect_rpc_error("unknown method", grpc.StatusCode.UNIMPLEMENTED, lambda: unknown(b""))
    unknown = channel.unary_unary("/no.such.Service/Call")
    expect_rpc_error("unknown service", grpc.StatusCode.UNIMPLEMENTED, lambda: unknown(b""))
    # After every error above the same connection still serves.
    response = stub.ModelReady(service_pb2.ModelReadyRequest(name="iris"))
    check(response.ready, "ModelReady on the connection that saw the errors")
    passed("the connection that carried the failed calls still serves")
    channel.close()
    client.close()


def check_repository_control(target, expected):
    """RepositoryModelUnload / RepositoryModelLoad, on a server started with --repository-control both."""
    import tritonclient.grpc as tc
    from tritonclient.utils import InferenceServerException

    client = tc.InferenceServerClient(url=target)
    rows = expected.rows("diabetes")
    tensor = tc.InferInput(expected.models["diabetes"]["input"], list(rows.shape), "FP32")
    tensor.set_data_from_numpy(rows)
    client.unload_model("diabetes")
    check(not client.is_model_ready("diabetes"), "diabetes is still ready after unload_model")
    try:
        client.infer("diabetes", [tensor])
        raise Mismatch("infer on an unloaded diabetes answered")
    except InferenceServerException as error:
        check(error.status() in ("StatusCode.UNAVAILABLE", "StatusCode.NOT_FOUND") and "diabetes" in (error.message() or ""),
              f"infer on an unloaded model: {error.status()} {error.message()}")
    index = {(m.name, m.version): m.state for m in client.get_model_repository_index().models}
    check(index.get(("diabetes", "1")) not in (None, "READY"), f"repository index after unloading diabetes: {index}")
    passed(f"tritonclient: unload_model(diabetes): not ready, infer refused, index says {index[('diabetes', '1')]}")
    client.load_model("diabetes")
    check(client.is_model_ready("diabetes"), "diabetes is not ready after load_model")
    result = client.infer("diabetes", [tensor])
    compare_outputs("infer diabetes after unload and load", expected.outputs("diabetes"),
                    {o.name: result.as_numpy(o.name) for o in result.get_response().outputs})
    passed("tritonclient: load_model(diabetes): ready again, answers equal to the binary protocol")
    try:
        client.load_model("no_such_model")
        raise Mismatch("load_model of an unknown model succeeded")
    except InferenceServerException as error:
        check(error.status() == "StatusCode.NOT_FOUND" and "no_such_model" in (error.message() or ""),
              f"load_model of an unknown model: {error.status()} {error.message()}")
    passed("tritonclient: load_model(no_such_model): NOT_FOUND")
    client.close()


# ---------------------------------------------------------------- TF Serving

TF_NUMPY = {"DT_FLOAT": (np.float32, "float_val"), "DT_DOUBLE": (np.float64, "double_val"),
            "DT_INT64": (np.int64, "int64_val"), "DT_INT32": (np.int32, "int_val"), "DT_BOOL": (np.bool_, "bool_val")}


def tf_stubs():
    if not os.path.isdir(os.path.join(STUBS, "tensorflow_serving", "apis")):
        raise Mismatch(f"TF Serving Python stubs missing under {STUBS}: run make grpc-test-deps")
    if STUBS not in sys.path:
        sys.path.insert(0, STUBS)
    from tensorflow.core.example import example_pb2, feature_pb2
    from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
    from tensorflow.core.protobuf import meta_graph_pb2
    from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2, get_model_status_pb2, input_pb2,
                                         model_pb2, model_service_pb2_grpc, predict_pb2, prediction_service_pb2_grpc,
                                         regression_pb2)
    return locals()


def tf_tensor_to_numpy(tensor, types_pb2):
    dtype_name = types_pb2.DataType.Name(tensor.dtype)
    check(dtype_name in TF_NUMPY, f"unexpected tensor dtype {dtype_name}")
    dtype, field = TF_NUMPY[dtype_name]
    shape = [d.size for d in tensor.tensor_shape.dim]
    count = int(np.prod(shape))
    if tensor.tensor_content:
        values = np.frombuffer(tensor.tensor_content, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype)
    else:
        values = np.array(getattr(tensor, field), dtype=dtype)
        if values.size == 1 and count > 1:  # TF's rule: one value fills the whole tensor
            values = np.full(count, values[0], dtype=dtype)
    check(values.size == count, f"tensor of shape {shape} carries {values.size} values")
    return values.reshape(shape)


def numpy_to_tf_tensor(array, tf, content):
    """What tf.make_tensor_proto sends: tensor_content (raw bytes) or typed float_val."""
    tensor = tf["tensor_pb2"].TensorProto(dtype=tf["types_pb2"].DT_FLOAT)
    tensor.tensor_shape.dim.extend(tf["tensor_shape_pb2"].TensorShapeProto.Dim(size=s) for s in array.shape)
    if content:
        tensor.tensor_content = array.astype("<f4").tobytes()
    else:
        tensor.float_val.extend(array.flatten().tolist())
    return tensor


def model_spec(tf, name, version=None, label=None, signature=""):
    spec = tf["model_pb2"].ModelSpec(name=name, signature_name=signature)
    if version is not None:
        spec.version.value = version
    if label is not None:
        spec.version_label = label
    return spec


def check_served_version(what, spec, name, version):
    check(spec.name == name, f"{what}: model_spec.name {spec.name!r}, expected {name!r}")
    check(spec.HasField("version") and spec.version.value == version,
          f"{what}: model_spec.version {spec.version.value if spec.HasField('version') else 'unset'}, expected {version}")


def feature_names(model):
    with open(os.path.join(ROOT, "models", model, "config.json")) as f:
        return json.load(f)["feature_names"]


def examples_for(tf, model, rows):
    names = feature_names(model)
    model_input = tf["input_pb2"].Input()
    for row in rows:
        example = model_input.example_list.examples.add()
        for name, value in zip(names, row):
            example.features.feature[name].float_list.value.append(float(value))
    return model_input


def check_tf_serving(target, expected):
    tf = tf_stubs()
    channel = grpc.insecure_channel(target)
    prediction = tf["prediction_service_pb2_grpc"].PredictionServiceStub(channel)
    models = tf["model_service_pb2_grpc"].ModelServiceStub(channel)
    types_pb2 = tf["types_pb2"]
    iris = expected.models["iris"]
    labels = iris["version_labels"]
    latest = max(iris["versions"])

    # Predict: typed values by version number, tensor_content by label, no version at all.
    for content, version, label, served in ((False, 1, None, 1), (True, None, "canary", labels["canary"]),
                                            (True, None, "stable", labels["stable"]), (False, None, None, latest)):
        request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "iris", version, label))
        request.inputs["input"].CopyFrom(numpy_to_tf_tensor(iris["rows"], tf, content))
        response = prediction.Predict(request)
        how = f"Predict iris ({'tensor_content' if content else 'float_val'}, " + \
              (f"version {version}" if version else f"label {label}" if label else "no version") + ")"
        check_served_version(how, response.model_spec, "iris", served)
        compare_outputs(how, iris["outputs"], {n: tf_tensor_to_numpy(t, types_pb2) for n, t in response.outputs.items()})
        passed(f"{how}: version {served} served, outputs equal to the binary protocol")

    diabetes = expected.models["diabetes"]
    request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "diabetes", 1))
    request.inputs["input"].CopyFrom(numpy_to_tf_tensor(diabetes["rows"], tf, True))
    response = prediction.Predict(request)
    check_served_version("Predict diabetes", response.model_spec, "diabetes", 1)
    compare_outputs("Predict diabetes", diabetes["outputs"], {n: tf_tensor_to_numpy(t, types_pb2) for n, t in response.outputs.items()})
    passed("Predict diabetes (tensor_content, version 1): outputs equal to the binary protocol")

    # output_filter: only what was asked for.
    request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "iris", 2), output_filter=["label"])
    request.inputs["input"].CopyFrom(numpy_to_tf_tensor(iris["rows"], tf, False))
    response = prediction.Predict(request)
    check(list(response.outputs) == ["label"], f"Predict with output_filter ['label'] answered {list(response.outputs)}")
    passed("Predict iris with output_filter ['label']: only label")

    # Classify on tf.Example inputs keyed by the model's feature names.
    class_labels = None
    for version, label, served in ((None, "stable", labels["stable"]), (2, None, 2)):
        request = tf["classification_pb2"].ClassificationRequest(model_spec=model_spec(tf, "iris", version, label),
                                                                 input=examples_for(tf, "iris", iris["rows"]))
        response = prediction.Classify(request)
        how = f"Classify iris ({f'version {version}' if version else f'label {label}'})"
        check_served_version(how, response.model_spec, "iris", served)
        probabilities = iris["outputs"]["probabilities"]
        check(len(response.result.classifications) == len(probabilities),
              f"{how}: {len(response.result.classifications)} classifications for {len(probabilities)} examples")
        for row, classification in enumerate(response.result.classifications):
            found = [c.label for c in classification.classes]
            class_labels = class_labels or found
            check(found == class_labels and len(found) == probabilities.shape[1], f"{how}: example {row} classes {found}")
            scores = np.array([c.score for c in classification.classes], dtype=np.float32)
            check(np.array_equal(scores, probabilities[row]), f"{how}: example {row} scores {scores}, expected {probabilities[row]}")
        passed(f"{how}: version {served}, {len(probabilities)} examples, classes {class_labels}, scores equal to the probabilities")
    check(class_labels == ["setosa", "versicolor", "virginica"], f"Classify labels {class_labels}: config.json names the classes")

    request = tf["regression_pb2"].RegressionRequest(model_spec=model_spec(tf, "diabetes", 1),
                                                     input=examples_for(tf, "diabetes", diabetes["rows"]))
    response = prediction.Regress(request)
    check_served_version("Regress diabetes", response.model_spec, "diabetes", 1)
    values = np.array([r.value for r in response.result.regressions], dtype=np.float32)
    want = diabetes["outputs"]["variable"].reshape(-1)
    check(np.array_equal(values, want), f"Regress diabetes: {values}\nexpected {want}")
    passed(f"Regress diabetes (version 1, {len(values)} examples): values equal to the binary protocol")

    # Examples without the model's features: the request is wrong, not the server.
    request = tf["regression_pb2"].RegressionRequest(model_spec=model_spec(tf, "diabetes"),
                                                     input=examples_for(tf, "diabetes", diabetes["rows"][:1, :3]))
    expect_rpc_error("Regress with features missing", grpc.StatusCode.INVALID_ARGUMENT, lambda: prediction.Regress(request))

    # GetModelMetadata: the signature_def map as TF Serving returns it.
    for label, served in (("stable", labels["stable"]), (None, latest)):
        request = tf["get_model_metadata_pb2"].GetModelMetadataRequest(model_spec=model_spec(tf, "iris", label=label),
                                                                       metadata_field=["signature_def"])
        response = prediction.GetModelMetadata(request)
        how = f"GetModelMetadata iris ({f'label {label}' if label else 'no version'})"
        check_served_version(how, response.model_spec, "iris", served)
        check("signature_def" in response.metadata, f"{how}: metadata fields {list(response.metadata)}")
        signatures = tf["get_model_metadata_pb2"].SignatureDefMap()
        check(response.metadata["signature_def"].Unpack(signatures), f"{how}: metadata['signature_def'] is not a SignatureDefMap")
        check("serving_default" in signatures.signature_def, f"{how}: signatures {list(signatures.signature_def)}")
        signature = signatures.signature_def["serving_default"]
        check(signature.method_name == "tensorflow/serving/predict", f"{how}: method_name {signature.method_name!r}")
        info = signature.inputs.get("input")
        check(info is not None and info.dtype == types_pb2.DT_FLOAT and [d.size for d in info.tensor_shape.dim] == [-1, 4],
              f"{how}: input {info}")
        check({"label", "probabilities"} <= set(signature.outputs), f"{how}: outputs {list(signature.outputs)}")
        passed(f"{how}: version {served}, serving_default input DT_FLOAT [-1, 4]; outputs {sorted(signature.outputs)}")

    # GetModelStatus: every loaded version, or the one asked for.
    response = models.GetModelStatus(tf["get_model_status_pb2"].GetModelStatusRequest(model_spec=model_spec(tf, "iris")))
    states = {(s.version, tf["get_model_status_pb2"].ModelVersionStatus.State.Name(s.state), s.status.error_code)
              for s in response.model_version_status}
    check(states == {(v, "AVAILABLE", 0) for v in iris["versions"]}, f"GetModelStatus iris: {response}")
    passed(f"GetModelStatus iris: versions {sorted(iris['versions'])} AVAILABLE")
    for version, label, served in ((1, None, 1), (None, "canary", labels["canary"])):
        spec = model_spec(tf, "iris", version, label)
        response = models.GetModelStatus(tf["get_model_status_pb2"].GetModelStatusRequest(model_spec=spec))
        versions = [s.version for s in response.model_version_status]
        check(versions == [served], f"GetModelStatus iris {version or label}: versions {versions}, expected [{served}]")
    passed("GetModelStatus iris by version 1 and by label canary: that version only")

    # Errors.
    request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "no_such_model"))
    request.inputs["input"].CopyFrom(numpy_to_tf_tensor(iris["rows"], tf, False))
    expect_rpc_error("Predict on an unknown model", grpc.StatusCode.NOT_FOUND, lambda: prediction.Predict(request), "no_such_model")
    request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "iris", label="no_such_label"))
    request.inputs["input"].CopyFrom(numpy_to_tf_tensor(iris["rows"], tf, False))
    expect_rpc_error("Predict by an unknown label", grpc.StatusCode.NOT_FOUND, lambda: prediction.Predict(request), "no_such_label")
    request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "iris"))
    request.inputs["input"].CopyFrom(numpy_to_tf_tensor(np.ascontiguousarray(iris["rows"][:, :3]), tf, True))
    expect_rpc_error("Predict with shape [N, 3] on iris", grpc.StatusCode.INVALID_ARGUMENT, lambda: prediction.Predict(request), "input")
    # TensorFlow's fill rule: one value for a whole tensor works, up to the
    # size the request could have carried value by value (the message limit);
    # past it, a request of a few bytes must not become gigabytes (fuzz finding).
    def filled(dtype, dims, value_field, value):
        request = tf["predict_pb2"].PredictRequest(model_spec=model_spec(tf, "iris"))
        tensor = request.inputs["input"]
        tensor.dtype = dtype
        tensor.tensor_shape.dim.extend(tf["tensor_shape_pb2"].TensorShapeProto.Dim(size=s) for s in dims)
        getattr(tensor, value_field).append(value)
        return request
    response = prediction.Predict(filled(types_pb2.DT_FLOAT, [3, 4], "float_val", 5.1), timeout=10)
    label = tf_tensor_to_numpy(response.outputs["label"], types_pb2)
    check(label.shape == (3,) and len(set(label.tolist())) == 1, f"Predict with one float_val for [3, 4]: label {label}")
    passed("Predict with one float_val filling [3, 4]: three equal labels")
    request = filled(types_pb2.DT_FLOAT, [1 << 26, 4], "float_val", 5.1)
    expect_rpc_error("Predict with one float_val filling [2^26, 4] (1 GiB)", grpc.StatusCode.INVALID_ARGUMENT,
                     lambda: prediction.Predict(request, timeout=10), "float_val", "message limit")
    request = filled(types_pb2.DT_STRING, [1 << 28], "string_val", b"x")
    expect_rpc_error("Predict with one string_val filling [2^28]", grpc.StatusCode.INVALID_ARGUMENT,
                     lambda: prediction.Predict(request, timeout=10), "string_val", "message limit")
    status = tf["get_model_status_pb2"].GetModelStatusRequest(model_spec=model_spec(tf, "no_such_model"))
    expect_rpc_error("GetModelStatus of an unknown model", grpc.StatusCode.NOT_FOUND, lambda: models.GetModelStatus(status), "no_such_model")
    unknown = channel.unary_unary("/tensorflow.serving.PredictionService/NoSuchMethod")
    expect_rpc_error("unknown PredictionService method", grpc.StatusCode.UNIMPLEMENTED, lambda: unknown(b""))
    channel.close()


# ---------------------------------------------------------------- grpc.health.v1


def check_health(target):
    channel = grpc.insecure_channel(target)
    health = health_pb2_grpc.HealthStub(channel)
    response = health.Check(health_pb2.HealthCheckRequest(service=""))
    check(response.status == health_pb2.HealthCheckResponse.SERVING, f"Health Check(''): {response}")
    passed("grpc.health.v1 Check(''): SERVING")
    expect_rpc_error("Health Check of an unknown service", grpc.StatusCode.NOT_FOUND,
                     lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service")))
    channel.close()


# ---------------------------------------------------------------- load


def run_load(target, expected, connections, seconds):
    from tritonclient.grpc import service_pb2, service_pb2_grpc

    iris = expected.models["iris"]
    rows, want = iris["rows"], iris["outputs"]
    failures, calls = [], [0] * connections
    lock = threading.Lock()
    start = threading.Barrier(connections + 1)
    # The requests, one per fixture row, built once: the loop measures the server, not protobuf.
    requests = []
    for row in range(len(rows)):
        request = service_pb2.ModelInferRequest(model_name="iris")
        request.inputs.add(name=iris["input"], datatype="FP32", shape=[1, rows.shape[1]])
        request.raw_input_contents.append(rows[row:row + 1].astype("<f4").tobytes())
        requests.append(request)

    def client(index):
        channel = grpc.insecure_channel(target, options=OWN_CONNECTION)
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        try:
            try:
                grpc.channel_ready_future(channel).result(timeout=10)
            except grpc.FutureTimeoutError:
                raise Mismatch(f"no HTTP/2 connection to {target} within 10 s")
            start.wait()
            deadline = time.monotonic() + seconds
            n = index
            while time.monotonic() < deadline:
                row = n % len(rows)
                got = kserve_outputs(stub.ModelInfer(requests[row], timeout=10))
                compare_outputs(f"load connection {index} row {row}",
                                {k: v[row:row + 1] if v.ndim and v.shape[0] == len(rows) else v for k, v in want.items()}, got)
                calls[index] += 1
                n += 1
        except Exception as error:  # every failure is reported, the first one decides
            with lock:
                failures.append(f"connection {index}: {type(error).__name__} {error}".rstrip())
        finally:
            channel.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    try:
        start.wait(timeout=30)
    except threading.BrokenBarrierError:
        pass
    for thread in threads:
        thread.join(timeout=seconds + 60)
    check(not any(t.is_alive() for t in threads), "some load connections did not finish")
    check(not failures, f"{len(failures)} load connection(s) failed, first: {failures[:3]}")
    check(all(c > 0 for c in calls), f"connections without a completed call: {[i for i, c in enumerate(calls) if c == 0]}")
    passed(f"grpc load: {sum(calls)} ModelInfer calls over {connections} connections in {seconds} s, all answers equal to the binary protocol")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", help="HOST:PORT of swerve's gRPC")
    parser.add_argument("--expected", help="the binary protocol's answers (JSON)")
    parser.add_argument("--only", choices=["health", "triton", "tfserving", "repository"],
                        help="run one group of checks (repository, never run by default, needs --repository-control both)")
    parser.add_argument("--load", type=int, metavar="CONNECTIONS", help="load mode: this many concurrent connections")
    parser.add_argument("--seconds", type=float, default=5.0, help="load mode: how long")
    args = parser.parse_args()
    try:
        if args.only != "health" and not args.expected:
            raise Mismatch("--expected FILE.json is needed for every check but --only health")
        expected = Expected(args.expected) if args.expected else None
        if args.load:
            run_load(args.target, expected, args.load, args.seconds)
            return 0
        if args.only in (None, "health"):
            check_health(args.target)
        if args.only in (None, "triton"):
            check_tritonclient(args.target, expected)
        if args.only in (None, "tfserving"):
            check_tf_serving(args.target, expected)
        if args.only == "repository":
            check_repository_control(args.target, expected)
    except Mismatch as error:
        print(f"FAIL {error}", flush=True)
        return 1
    except grpc.RpcError as error:
        print(f"FAIL unexpected gRPC error {error.code()}: {error.details()}", flush=True)
        return 1
    except Exception as error:  # tritonclient wraps gRPC errors in its own exception
        print(f"FAIL unexpected {type(error).__name__}: {error}", flush=True)
        return 1
    print("grpc-check: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
