#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into Tests/Fuzz/corpus/<target>/.

Seeds come from the test fixtures: the shipped models and their configs,
the requests the REST, gRPC and dispatcher tests send, the replies the job
queue reads from Redis, the streaming pipeline's messages. Every seed but the
ONNX and config ones starts with the split byte the targets read first
(0: all at once; anything else: chunks of 1-64 bytes).
Run from anywhere: scripts/fuzz-corpus.py (rewrites the directories). The
gRPC seeds are HTTP/2 frames built with h2's hpack and hyperframe and
messages built with the gRPC stubs, all from `make grpc-test-deps`
(.build/grpc-venv, .build/grpc-stubs): the script runs itself again under
that venv's Python when started from another.
"""
import gzip
import hashlib
import os
import shutil
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "Fuzz", "corpus")
GRPC_VENV = os.path.join(ROOT, ".build", "grpc-venv")
GRPC_STUBS = os.path.join(ROOT, ".build", "grpc-stubs")


# -- protobuf, enough for swerve.v1 requests and responses -------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, value):
    """One field: int -> varint, bytes/str -> length-delimited."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value


def packed_floats(number, values):
    return field(number, b"".join(struct.pack("<f", v) for v in values))


def packed_varints(number, values):
    return field(number, b"".join(varint(v) for v in values))


def tensor(dtype, shape, payload):
    return field(1, dtype) + packed_varints(2, shape) + payload


def spec(name, version=None, label=None):
    out = field(1, name)
    if version is not None:
        out += field(2, version)
    if label is not None:
        out += field(3, label)
    return out


def predict(name, inputs, filters=(), version=None):
    body = field(1, spec(name, version))
    for key, t in inputs.items():
        body += field(2, field(1, key) + field(2, t))
    for f in filters:
        body += field(3, f)
    return body


IRIS_ROW = [5.1, 3.5, 1.4, 0.2]
IRIS_INPUT = {"input": tensor(1, [1, 4], packed_floats(3, IRIS_ROW))}


def frame(payload):
    return b"\x00" + struct.pack(">I", len(payload)) + payload


def frame_requests():
    predict_iris = predict("iris", IRIS_INPUT)
    return {
        "predict-iris": field(1, 7) + field(2, predict_iris),
        "predict-iris-filter": field(1, 8) + field(2, predict("iris", IRIS_INPUT, ["label"], version=1)),
        "predict-two-rows": field(1, 9) + field(2, predict("iris", {"input": tensor(1, [2, 4], packed_floats(3, IRIS_ROW * 2))})),
        "predict-diabetes-double": field(1, 10) + field(2, predict("diabetes", {"input": tensor(2, [1, 10], field(4, struct.pack("<10d", *([0.01] * 10))))})),
        "predict-raw": field(1, 11) + field(2, predict("iris", {"input": tensor(1, [1, 4], field(9, struct.pack("<4f", *IRIS_ROW)))})),
        "predict-label": field(1, 12) + field(2, field(1, spec("iris", label="stable")) + field(2, field(1, "input") + field(2, IRIS_INPUT["input"]))),
        "predict-fanout": field(1, 13) + field(2, predict("iris-ovr", IRIS_INPUT)),
        "predict-timeout": field(1, 14) + field(2, predict_iris) + field(20, 50) + field(21, 1),
        "submit": field(1, 15) + field(3, field(1, predict_iris) + field(2, "key-1")),
        "get-job": field(1, 16) + field(4, field(1, "0123456789abcdef")),
        "model-status": field(1, 17) + field(5, field(1, spec("iris"))),
        "metadata": field(1, 18) + field(6, field(1, spec("iris"))),
        "list-models": field(1, 19) + field(7, b""),
        "health": field(1, 20) + field(8, b""),
        "statistics": field(1, 21) + field(9, field(1, spec("iris"))),
        "load-model": field(1, 22) + field(10, field(1, "iris")),
        "unload-model": field(1, 23) + field(11, field(1, "iris")),
        "auth-token": field(1, 24) + field(8, b"") + field(22, "secret"),
    }


def frame_seeds():
    requests = frame_requests()
    seeds = {name: b"\x00" + frame(payload) for name, payload in requests.items()}
    seeds["pipelined-split"] = b"\x07" + frame(requests["predict-iris"]) + frame(requests["health"])
    seeds["empty-payload"] = b"\x00" + frame(b"")
    return seeds


# -- HTTP ---------------------------------------------------------------------

def http(method, path, body=b"", headers=None):
    if isinstance(body, str):
        body = body.encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    headers = dict(headers or {})
    if body or method == "POST":
        headers.setdefault("Content-Type", "application/json")
        headers.setdefault("Content-Length", str(len(body)))
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def http_seeds():
    v2_binary_header = ('{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],'
                        '"parameters":{"binary_data_output":true}}').encode()
    v2_binary = v2_binary_header + struct.pack("<4f", *IRIS_ROW)
    chunked = (b"POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n10\r\n{\"instances\": [[\r\n13\r\n5.1, 3.5, 1.4, 0.2]]}\r\n0\r\n\r\n")
    requests = {
        "tf-rows": http("POST", "/v1/models/iris:predict", '{"instances": [[5.1, 3.5, 1.4, 0.2]]}'),
        "tf-rows-named": http("POST", "/v1/models/iris/versions/1:predict", '{"signature_name": "serving_default", "instances": [{"input": [5.1, 3.5, 1.4, 0.2]}]}'),
        "tf-columns": http("POST", "/v1/models/iris:predict", '{"inputs": {"input": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}}'),
        "tf-columns-list": http("POST", "/v1/models/iris/labels/stable:predict", '{"inputs": [[5.1, 3.5, 1.4, 0.2]]}'),
        "tf-classify": http("POST", "/v1/models/iris:classify", '{"examples": [{"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2}]}'),
        "tf-regress": http("POST", "/v1/models/diabetes:regress", '{"examples": [{"age": 0.03}]}'),
        "tf-double": http("POST", "/v1/models/diabetes:predict", '{"instances": [[0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, -0.002, 0.02, -0.02]]}'),
        "tf-status": http("GET", "/v1/models/iris"),
        "tf-metadata": http("GET", "/v1/models/iris/metadata"),
        "v2-infer": http("POST", "/v2/models/iris/infer", '{"id": "1", "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}], "outputs": [{"name": "label"}]}'),
        "v2-infer-nested": http("POST", "/v2/models/iris/versions/1/infer", '{"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP64", "data": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}]}'),
        "v2-infer-int": http("POST", "/v2/models/iris/infer", '{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "INT64", "data": [5, 3, 1, 0]}]}'),
        "v2-binary": http("POST", "/v2/models/iris/infer", v2_binary,
                          {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(v2_binary_header))}),
        "v2-model": http("GET", "/v2/models/iris"),
        "v2-ready": http("GET", "/v2/models/iris/ready"),
        "v2-health": http("GET", "/v2/health/ready") + http("GET", "/v2/health/live"),
        "v2-server": http("GET", "/v2"),
        "v2-repository": http("POST", "/v2/repository/index", "{}"),
        "v2-stats": http("GET", "/v2/models/iris/stats"),
        "classic-predict": http("POST", "/predict", '{"data": [[5.1, 3.5, 1.4, 0.2]]}'),
        "classic-predict-rows": http("POST", "/predict", '[[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]'),
        "classic-label": http("POST", "/predict/label", '{"data": [[6.3, 3.3, 6.0, 2.5]]}'),
        "classic-metadata": http("GET", "/metadata"),
        "jobs-submit": http("POST", "/v1/jobs", '{"model": "iris", "instances": [[5.1, 3.5, 1.4, 0.2]]}', {"Idempotency-Key": "k1"}),
        "jobs-get": http("GET", "/v1/jobs/0123456789abcdef"),
        "metrics": http("GET", "/metrics"),
        "expect-continue": http("POST", "/v1/models/iris:predict", '{"instances": [[5.1, 3.5, 1.4, 0.2]]}', {"Expect": "100-continue"}),
        "timeout-header": http("POST", "/v1/models/iris:predict", '{"instances": [[5.1, 3.5, 1.4, 0.2]]}', {"Grpc-Timeout": "50m", "Cache-Control": "no-cache"}),
        "chunked": chunked,
        "close": http("GET", "/v2/health/live", headers={"Connection": "close"}),
    }
    seeds = {name: b"\x00" + r for name, r in requests.items()}
    seeds["split-rows"] = b"\x05" + requests["tf-rows"]
    seeds["split-binary"] = b"\x2a" + requests["v2-binary"]
    seeds["pipelined"] = b"\x00" + requests["tf-rows"] + requests["v2-infer"] + requests["tf-status"]
    return seeds


# -- Redis replies ------------------------------------------------------------

def bulk(b):
    if b is None:
        return b"$-1\r\n"
    if isinstance(b, str):
        b = b.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def array(items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def redis_seeds():
    response = field(1, spec("iris", 1)) + field(2, field(1, "label") + field(2, tensor(9, [1], packed_varints(6, [0]))))
    request = predict("iris", IRIS_INPUT)
    micros = "1733230000000000"
    return {
        "job-completed": array([bulk("3"), bulk(micros), bulk(micros), bulk(micros), bulk("1"), bulk(response), bulk(None), bulk(None)]),
        "job-failed": array([bulk("4"), bulk(micros), bulk(micros), bulk(micros), bulk("3"), bulk(None), bulk("3"), bulk("input 'x' is missing")]),
        "job-pending": array([bulk("1"), bulk(micros), bulk(None), bulk(None), bulk("0"), bulk(None), bulk(None), bulk(None)]),
        "job-missing": array([bulk(None)] * 8),
        "stream-entry": array([bulk("1733230000000-0"), array([bulk("job"), bulk("0123456789abcdef")])]),
        "xautoclaim": array([bulk("0-0"), array([array([bulk("1-0"), array([bulk("job"), bulk("abc")])])]), array([])]),
        "start-script": array([b":1\r\n", bulk(request)]),
        "start-dead": array([b":0\r\n", bulk("dead")]),
        "status-error-int": b"+OK\r\n-ERR unknown command\r\n:42\r\n-OOM command not allowed\r\n",
        "nested-nil": b"*3\r\n*-1\r\n$0\r\n\r\n*1\r\n:-9223372036854775808\r\n",
    }


# -- stream messages -----------------------------------------------------------

def stream_seeds():
    # First byte of each message: kind (0 features, 1 truth, 2 prediction)
    # plus 3 x content type (0 none, 1 application/json, 2 text/plain),
    # never 0 itself (that byte separates messages): 9 is features, no type.
    feature = b"\x09" + b'{"id": 17, "x": [5.1, 3.5, 1.4, 0.2], "ts": 1733230000.5}'
    feature_json = b"\x03" + b'{"id": "a-17", "x": [0.03, -0.04]}'
    truth = b"\x01" + b'{"id": 17, "y_true": 1, "ts": 1733230000.5}'
    prediction = b"\x02" + b'{"id": 17, "y_pred": 0, "model": "iris", "version": 1, "ts": 1733230000.6}'
    plain = b"\x06" + b'{"id": 1, "x": [1]}'
    return {
        "feature": feature,
        "feature-json": feature_json,
        "joined": truth + b"\x00" + prediction,
        "prediction-first": prediction + b"\x00" + truth + b"\x00" + truth,
        "text-plain": plain,
        "mixed": feature + b"\x00" + truth + b"\x00" + prediction + b"\x00" + feature_json,
    }


# -- gRPC: HTTP/2 client frames after the preface (the harness sends that) ----

def grpc_tools():
    """hpack, hyperframe and the message stubs, from the gRPC venv."""
    try:
        import hpack  # noqa: F401
        import hyperframe.frame  # noqa: F401
        import tritonclient.grpc.service_pb2  # noqa: F401
        from grpc_health.v1 import health_pb2  # noqa: F401
    except ImportError:
        venv = os.path.realpath(GRPC_VENV)
        python = os.path.join(GRPC_VENV, "bin", "python")
        if os.path.realpath(sys.prefix) != venv and os.path.exists(python):
            os.execv(python, [python] + sys.argv)
        sys.exit("fuzz-corpus: the gRPC seeds need h2's hpack/hyperframe and the gRPC stubs: run `make grpc-test-deps`")
    if GRPC_STUBS not in sys.path:
        sys.path.insert(0, GRPC_STUBS)


class H2Client:
    """The frames one client connection sends: its SETTINGS first, then
    calls on streams 1, 3, 5... HPACK literals are never Huffman-coded, so
    paths and header values stay bytes the fuzzer can mutate."""

    def __init__(self, settings=None):
        import hpack
        from hyperframe.frame import SettingsFrame
        self.encoder = hpack.Encoder()
        self.next_stream = 1
        self.out = SettingsFrame(0, settings=settings or {}).serialize()

    def stream(self):
        sid = self.next_stream
        self.next_stream += 2
        return sid

    def headers(self, sid, path, extra=(), method="POST", content_type="application/grpc", end_stream=False, pieces=1):
        """HEADERS (and CONTINUATION frames when `pieces` > 1)."""
        from hyperframe.frame import ContinuationFrame, HeadersFrame
        fields = [(":method", method), (":scheme", "http"), (":path", path), (":authority", "swerve"),
                  ("content-type", content_type), ("te", "trailers")] + list(extra)
        block = self.encoder.encode(fields, huffman=False)
        size = -(-len(block) // pieces)
        chunks = [block[i:i + size] for i in range(0, len(block), size)]
        flags = ["END_STREAM"] if end_stream else []
        self.out += HeadersFrame(sid, data=chunks[0], flags=flags + (["END_HEADERS"] if len(chunks) == 1 else [])).serialize()
        for i, chunk in enumerate(chunks[1:], 1):
            self.out += ContinuationFrame(sid, data=chunk, flags=["END_HEADERS"] if i == len(chunks) - 1 else []).serialize()

    def data(self, sid, body, end_stream=True, pad=0):
        from hyperframe.frame import DataFrame
        flags = (["END_STREAM"] if end_stream else []) + (["PADDED"] if pad else [])
        self.out += DataFrame(sid, data=body, flags=flags, pad_length=pad).serialize()

    def call(self, path, message, extra=(), compressed=False, data_frames=1):
        """One unary call: HEADERS, the length-prefixed message in
        `data_frames` DATA frames (the last ending the stream)."""
        sid = self.stream()
        if compressed:
            extra = [("grpc-encoding", "gzip"), ("grpc-accept-encoding", "identity,gzip")] + list(extra)
            # mtime 0: the same seed bytes every run.
            body = grpc_message(gzip.compress(message, mtime=0), flag=1)
        else:
            body = grpc_message(message)
        self.headers(sid, path, extra)
        size = -(-len(body) // data_frames) if body else 1
        pieces = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
        for i, piece in enumerate(pieces):
            self.data(sid, piece, end_stream=i == len(pieces) - 1)
        return sid

    def frame(self, frame):
        self.out += frame.serialize()


def grpc_message(payload, flag=0):
    return struct.pack(">BI", flag, len(payload)) + payload


KSERVE = "/inference.GRPCInferenceService/"
TF_PREDICTION = "/tensorflow.serving.PredictionService/"
TF_MODELS = "/tensorflow.serving.ModelService/"
HEALTH = "/grpc.health.v1.Health/Check"


def grpc_requests():
    """Each service's requests as the clients users have build them: path and message bytes."""
    from grpc_health.v1 import health_pb2
    from tensorflow.core.example import example_pb2  # noqa: F401
    from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2
    from tensorflow_serving.apis import (classification_pb2, get_model_metadata_pb2, get_model_status_pb2, input_pb2,
                                         model_pb2, predict_pb2, regression_pb2)
    from tritonclient.grpc import service_pb2 as v2

    def infer(model, rows, raw=True, datatype="FP32", **kwargs):
        request = v2.ModelInferRequest(model_name=model, **kwargs)
        width = len(rows[0])
        tensor = request.inputs.add(name="input", datatype=datatype, shape=[len(rows), width])
        flat = [v for row in rows for v in row]
        if datatype == "INT64":
            tensor.contents.int64_contents.extend(int(v) for v in flat)
        elif raw:
            request.raw_input_contents.append(struct.pack("<%df" % len(flat), *flat))
        else:
            tensor.contents.fp32_contents.extend(flat)
        return request.SerializeToString(deterministic=True)

    def spec(name, version=None, label=None):
        s = model_pb2.ModelSpec(name=name)
        if version is not None:
            s.version.value = version
        if label is not None:
            s.version_label = label
        return s

    def tf_tensor(rows, content):
        t = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT)
        t.tensor_shape.dim.extend(tensor_shape_pb2.TensorShapeProto.Dim(size=s) for s in (len(rows), len(rows[0])))
        flat = [v for row in rows for v in row]
        if content:
            t.tensor_content = struct.pack("<%df" % len(flat), *flat)
        else:
            t.float_val.extend(flat)
        return t

    def predict(rows, content, **kwargs):
        request = predict_pb2.PredictRequest(**kwargs)
        request.inputs["input"].CopyFrom(tf_tensor(rows, content))
        return request.SerializeToString(deterministic=True)

    def fill_predict(request):
        t = request.inputs["input"]
        t.dtype = types_pb2.DT_FLOAT
        t.tensor_shape.dim.extend(tensor_shape_pb2.TensorShapeProto.Dim(size=s) for s in (1, 4))
        t.float_val.append(5.1)
        return request.SerializeToString(deterministic=True)

    def examples(names, rows):
        model_input = input_pb2.Input()
        for row in rows:
            example = model_input.example_list.examples.add()
            for name, value in zip(names, row):
                example.features.feature[name].float_list.value.append(value)
        return model_input

    iris_names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    diabetes_names = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
    diabetes_row = [0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, -0.002, 0.02, -0.02]
    two_rows = [IRIS_ROW, [6.3, 3.3, 6.0, 2.5]]
    return {
        "kserve-infer-raw": (KSERVE + "ModelInfer", infer("iris", [IRIS_ROW])),
        "kserve-infer-typed": (KSERVE + "ModelInfer", infer("iris", two_rows, raw=False, model_version="1", id="fuzz-1",
                                                            outputs=[v2.ModelInferRequest.InferRequestedOutputTensor(name="label")])),
        "kserve-infer-int64": (KSERVE + "ModelInfer", infer("iris", [[5, 3, 1, 0]], datatype="INT64")),
        "kserve-infer-diabetes": (KSERVE + "ModelInfer", infer("diabetes", [diabetes_row])),
        "kserve-infer-fanout": (KSERVE + "ModelInfer", infer("iris-ovr", [IRIS_ROW], raw=False)),
        "kserve-model-metadata": (KSERVE + "ModelMetadata", v2.ModelMetadataRequest(name="iris", version="1").SerializeToString(deterministic=True)),
        "kserve-server-live": (KSERVE + "ServerLive", v2.ServerLiveRequest().SerializeToString(deterministic=True)),
        "kserve-server-ready": (KSERVE + "ServerReady", v2.ServerReadyRequest().SerializeToString(deterministic=True)),
        "kserve-server-metadata": (KSERVE + "ServerMetadata", v2.ServerMetadataRequest().SerializeToString(deterministic=True)),
        "kserve-model-ready": (KSERVE + "ModelReady", v2.ModelReadyRequest(name="iris").SerializeToString(deterministic=True)),
        "kserve-model-config": (KSERVE + "ModelConfig", v2.ModelConfigRequest(name="iris", version="1").SerializeToString(deterministic=True)),
        "kserve-model-statistics": (KSERVE + "ModelStatistics", v2.ModelStatisticsRequest(name="iris").SerializeToString(deterministic=True)),
        "kserve-repository-index": (KSERVE + "RepositoryIndex", v2.RepositoryIndexRequest(ready=True).SerializeToString(deterministic=True)),
        "kserve-repository-load": (KSERVE + "RepositoryModelLoad", v2.RepositoryModelLoadRequest(model_name="iris").SerializeToString(deterministic=True)),
        "tf-predict-float-val": (TF_PREDICTION + "Predict", predict([IRIS_ROW], False, model_spec=spec("iris", 1))),
        "tf-predict-tensor-content": (TF_PREDICTION + "Predict", predict(two_rows, True, model_spec=spec("iris"),
                                                                         output_filter=["label"])),
        "tf-predict-label": (TF_PREDICTION + "Predict", predict([IRIS_ROW], True, model_spec=spec("iris", label="stable"))),
        # TensorFlow's fill rule: one float_val for the whole [1, 4] tensor.
        "tf-predict-fill": (TF_PREDICTION + "Predict", fill_predict(predict_pb2.PredictRequest(model_spec=spec("iris")))),
        "tf-classify": (TF_PREDICTION + "Classify", classification_pb2.ClassificationRequest(
            model_spec=spec("iris"), input=examples(iris_names, [IRIS_ROW])).SerializeToString(deterministic=True)),
        "tf-regress": (TF_PREDICTION + "Regress", regression_pb2.RegressionRequest(
            model_spec=spec("diabetes", 1), input=examples(diabetes_names, [diabetes_row])).SerializeToString(deterministic=True)),
        "tf-get-model-metadata": (TF_PREDICTION + "GetModelMetadata", get_model_metadata_pb2.GetModelMetadataRequest(
            model_spec=spec("iris"), metadata_field=["signature_def"]).SerializeToString(deterministic=True)),
        "tf-get-model-status": (TF_MODELS + "GetModelStatus", get_model_status_pb2.GetModelStatusRequest(
            model_spec=spec("iris")).SerializeToString(deterministic=True)),
        "health-check": (HEALTH, health_pb2.HealthCheckRequest(service="").SerializeToString(deterministic=True)),
        "health-check-service": (HEALTH, health_pb2.HealthCheckRequest(service="inference.GRPCInferenceService").SerializeToString(deterministic=True)),
    }


def grpc_seeds():
    grpc_tools()
    from hyperframe.frame import GoAwayFrame, PingFrame, PriorityFrame, RstStreamFrame, WindowUpdateFrame

    requests = grpc_requests()
    seeds = {}
    for name, (path, message) in requests.items():
        client = H2Client()
        client.call(path, message)
        seeds[name] = b"\x00" + client.out

    infer_path, infer = requests["kserve-infer-raw"]
    health_path, health = requests["health-check"]

    def connection(build, settings=None):
        client = H2Client(settings)
        build(client)
        return client.out

    edge = {
        "kserve-infer-gzip": lambda c: c.call(infer_path, infer, compressed=True),
        "tf-predict-gzip": lambda c: c.call(*requests["tf-predict-float-val"], compressed=True),
        "two-calls": lambda c: (c.call(infer_path, infer), c.call(health_path, health)),
        "continuation": lambda c: (c.headers(c.stream(), infer_path, [("x-padding", "p" * 64)], pieces=3),
                                   c.data(c.next_stream - 2, grpc_message(infer))),
        "data-split-padded": lambda c: (c.headers(c.stream(), infer_path),
                                        c.data(c.next_stream - 2, grpc_message(infer)[:9], end_stream=False, pad=7),
                                        c.data(c.next_stream - 2, grpc_message(infer)[9:])),
        "data-three-frames": lambda c: c.call(health_path, health, data_frames=3),
        "ping-window-priority": lambda c: (c.frame(PingFrame(0, opaque_data=b"swerve!!")),
                                           c.frame(WindowUpdateFrame(0, window_increment=65535)),
                                           c.frame(PriorityFrame(1, depends_on=0, stream_weight=15)),
                                           c.call(health_path, health)),
        "reset-after-headers": lambda c: (c.headers(c.stream(), infer_path),
                                          c.frame(RstStreamFrame(c.next_stream - 2, error_code=8)),
                                          c.call(health_path, health)),
        "timeout-and-token": lambda c: c.call(infer_path, infer, [("grpc-timeout", "50m"), ("authorization", "Bearer secret")]),
        "two-messages": lambda c: (c.headers(c.stream(), health_path),
                                   c.data(c.next_stream - 2, grpc_message(health) + grpc_message(health))),
        "empty-body": lambda c: c.headers(c.stream(), health_path, end_stream=True),
        "get-method": lambda c: c.headers(c.stream(), health_path, method="GET", end_stream=True),
        "json-content-type": lambda c: (c.headers(c.stream(), infer_path, content_type="application/json"),
                                        c.data(c.next_stream - 2, grpc_message(infer))),
        "unknown-method": lambda c: c.call(KSERVE + "ModelStreamInfer", infer),
        "unknown-service": lambda c: c.call("/no.such.Service/Call", health),
        "goaway-after-call": lambda c: (c.call(health_path, health), c.frame(GoAwayFrame(0, last_stream_id=0))),
    }
    for name, build in edge.items():
        seeds[name] = b"\x00" + connection(build)
    # A response window of one byte: the answer waits on WINDOW_UPDATEs that never come.
    seeds["tiny-window"] = b"\x00" + connection(lambda c: c.call(infer_path, infer), settings={4: 1})
    seeds["split-infer"] = b"\x05" + seeds["kserve-infer-raw"][1:]
    seeds["split-gzip"] = b"\x2a" + seeds["kserve-infer-gzip"][1:]
    return seeds


# -- files from the repository -------------------------------------------------

def onnx_seeds():
    fixtures = os.path.join(ROOT, "models", "fixtures")
    seeds = {}
    for name in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, name)
        # Small models only: they cover the same decoder and operators as the
        # big forests, and libFuzzer's mutations pay for every byte.
        if name.endswith(".onnx") and os.path.getsize(path) <= 4096:
            with open(path, "rb") as f:
                seeds[name[:-5]] = f.read()
    return seeds


def config_seeds():
    seeds = {}
    models = os.path.join(ROOT, "models")
    for name in sorted(os.listdir(models)):
        path = os.path.join(models, name, "config.json")
        if os.path.exists(path):
            with open(path, "rb") as f:
                seeds[name] = f.read()
    seeds["dispatcher-iris"] = b'{"labels": ["setosa", "versicolor", "virginica"], "version_labels": {"stable": 1}, "max_batch_size": 1000}'
    seeds["policy-specific"] = b'{"version_policy": {"specific": {"versions": [1, 2]}}, "feature_names": ["a", "b"]}'
    seeds["policy-latest"] = b'{"version_policy": {"latest": {"num_versions": 2}}, "cache": {"enabled": true}, "batching": {"max_batch_size": 32, "max_delay_ms": 2}}'
    return seeds


def write(target, seeds):
    directory = os.path.join(CORPUS, target)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name, data in seeds.items():
        digest = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(directory, f"{name}-{digest}"), "wb") as f:
            f.write(data)


def main():
    grpc_tools()
    write("frame", frame_seeds())
    write("http", http_seeds())
    write("grpc", grpc_seeds())
    write("onnx", onnx_seeds())
    write("config", config_seeds())
    write("redis", redis_seeds())
    write("stream", stream_seeds())


if __name__ == "__main__":
    main()
