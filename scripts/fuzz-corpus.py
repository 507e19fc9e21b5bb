#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora into Tests/Fuzz/corpus/<target>/.

Seeds come from the test fixtures: the shipped models and their configs,
the requests the REST and dispatcher tests send, the replies the job queue
reads from Redis, the streaming pipeline's messages. Every seed but the
ONNX and config ones starts with the split byte the targets read first
(0: all at once; anything else: chunks of 1-64 bytes).
Run from anywhere: scripts/fuzz-corpus.py (rewrites the directories).
"""
import hashlib
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "Fuzz", "corpus")


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
    write("frame", frame_seeds())
    write("http", http_seeds())
    write("onnx", onnx_seeds())
    write("config", config_seeds())
    write("redis", redis_seeds())
    write("stream", stream_seeds())


if __name__ == "__main__":
    main()
