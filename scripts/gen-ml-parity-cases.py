#!/usr/bin/env python3
"""Generate Tests/ModelRuntimeTests/MLParityCases.swift: single ai.onnx.ml nodes
run through onnxruntime (CPUExecutionProvider, one thread), with their exact
outputs, for MLParityTests.swift to replay against swerve's kernels.

    python3 scripts/gen-ml-parity-cases.py

Needs numpy, onnx, onnxruntime and (for the trained-model cases) scikit-learn
and skl2onnx. Deterministic: fixed seeds.
Floats are JSON strings (the repr of the float64 value, or "NaN", "Infinity",
"-Infinity"), parsed exactly by the test. A case whose node onnxruntime
refuses (at load or run) records "error".
"""

import json
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper as h

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelRuntimeTests",
                   "MLParityCases.swift")

DTYPES = {
    np.dtype("float32"): ("float32", TP.FLOAT),
    np.dtype("float64"): ("float64", TP.DOUBLE),
    np.dtype("int64"): ("int64", TP.INT64),
    np.dtype("int32"): ("int32", TP.INT32),
    np.dtype("O"): ("string", TP.STRING),
}
TP_NAMES = {TP.FLOAT: "float32", TP.DOUBLE: "float64", TP.INT64: "int64", TP.INT32: "int32", TP.STRING: "string"}


def enc_num(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (bytes, str)):
        return v.decode() if isinstance(v, bytes) else v
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    # A string: the test parses it with Double(String) (correctly rounded),
    # not through JSONSerialization's number conversion.
    return repr(v)


def enc_array(a):
    a = np.asarray(a)
    name = DTYPES[a.dtype][0]
    return {"dtype": name, "shape": list(a.shape), "data": [enc_num(v) for v in a.reshape(-1).tolist()]}


def enc_attr(value):
    if isinstance(value, onnx.TensorProto):
        return dict(kind="tensor", **enc_array(onnx.numpy_helper.to_array(value)))
    if isinstance(value, str):
        return {"kind": "string", "value": value}
    if isinstance(value, float):
        return {"kind": "float", "value": enc_num(np.float32(value))}
    if isinstance(value, int):
        return {"kind": "int", "value": value}
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value) and value:
            return {"kind": "strings", "value": value}
        if all(isinstance(v, int) for v in value) and value:
            return {"kind": "ints", "value": value}
        return {"kind": "floats", "value": [enc_num(np.float32(v)) for v in value]}
    raise TypeError(f"attribute value {value!r}")


CASES = []


def output_type(kind):
    if kind == "zipmap_int":
        return h.make_sequence_type_proto(h.make_map_type_proto(TP.INT64, h.make_tensor_type_proto(TP.FLOAT, [])))
    if kind == "zipmap_string":
        return h.make_sequence_type_proto(h.make_map_type_proto(TP.STRING, h.make_tensor_type_proto(TP.FLOAT, [])))
    return h.make_tensor_type_proto(kind, None)


def enc_proto_attr(a):
    """Encodes an AttributeProto by its declared type (lists may be empty)."""
    v = h.get_attribute_value(a)
    if a.type == onnx.AttributeProto.FLOAT:
        return {"kind": "float", "value": enc_num(np.float32(v))}
    if a.type == onnx.AttributeProto.INT:
        return {"kind": "int", "value": int(v)}
    if a.type == onnx.AttributeProto.STRING:
        return {"kind": "string", "value": v.decode()}
    if a.type == onnx.AttributeProto.FLOATS:
        return {"kind": "floats", "value": [enc_num(np.float32(x)) for x in v]}
    if a.type == onnx.AttributeProto.INTS:
        return {"kind": "ints", "value": [int(x) for x in v]}
    if a.type == onnx.AttributeProto.STRINGS:
        return {"kind": "strings", "value": [x.decode() for x in v]}
    if a.type == onnx.AttributeProto.TENSOR:
        return enc_attr(v)
    raise TypeError(f"attribute {a.name} of type {a.type}")


def case(name, op, attrs, inputs, outputs, opset=1, undefined=None, tile=1):
    """attrs: dict of Python values, or a list of AttributeProto taken from a
    real model; inputs: numpy arrays; outputs: TP types or 'zipmap_int'/'zipmap_string'.
    undefined: (output index, column[, per-row flags]) that onnxruntime leaves
    uninitialised (written as null: any value is accepted), or
    (output index, "tail") for every element past the first half of the flat output.
    tile: run with the inputs repeated this many times along axis 0 and record
    one period (the outputs must repeat too); the test expands them again."""
    in_names = [f"in{i}" for i in range(len(inputs))]
    out_names = [f"out{i}" for i in range(len(outputs))]
    node = h.make_node(op, in_names, out_names, domain="ai.onnx.ml")
    if isinstance(attrs, dict):
        node.attribute.extend(h.make_attribute(k, v) for k, v in attrs.items())
        encoded = {k: enc_attr(v) for k, v in attrs.items()}
    else:
        node.attribute.extend(attrs)
        encoded = {a.name: enc_proto_attr(a) for a in attrs}
    graph = h.make_graph(
        [node], name,
        [h.make_tensor_value_info(n, DTYPES[a.dtype][1], None) for n, a in zip(in_names, inputs)],
        [h.make_value_info(n, output_type(k)) for n, k in zip(out_names, outputs)])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("ai.onnx.ml", opset)])
    model.ir_version = 8
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 4
    doc = {"name": name, "op": op, "opset": opset,
           "attributes": encoded,
           "inputs": [enc_array(a) for a in inputs]}
    if tile > 1:
        doc["tile"] = tile
    try:
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        results = sess.run(None, dict(zip(in_names, [np.tile(a, (tile,) + (1,) * (a.ndim - 1)) for a in inputs])))
        if tile > 1:
            period = len(inputs[0])
            for r in results:
                assert all(np.array_equal(r[:period], r[k * period:(k + 1) * period]) for k in range(tile))
            results = [r[:period] for r in results]
    except Exception as e:  # noqa: BLE001 - any refusal is the expected outcome
        doc["error"] = str(e).splitlines()[0][:200]
        CASES.append(doc)
        return
    outs = []
    for kind, r in zip(outputs, results):
        if isinstance(kind, str):
            labels = list(r[0].keys()) if r else []
            outs.append({"kind": "zipmap", "labels": [enc_num(v) for v in labels],
                         "probabilities": enc_array(np.array([[m[k] for k in labels] for m in r], dtype=np.float32))})
        else:
            arr = np.asarray(r)
            if arr.dtype.kind in "US":
                arr = arr.astype(object)
            outs.append(dict(kind="tensor", **enc_array(arr)))
    if undefined is not None:
        index, where = undefined[:2]
        rows = undefined[2] if len(undefined) > 2 else None
        data, shape = outs[index]["data"], outs[index]["shape"]
        for i in range(len(data)):
            if where == "tail":
                gone = i >= len(data) // 2
            else:
                gone = i % shape[-1] == where and (rows is None or rows[i // shape[-1]])
            if gone:
                data[i] = None
    doc["outputs"] = outs
    CASES.append(doc)


RNG = np.random.default_rng(20240601)


def f32(*shape, scale=1.0):
    return (RNG.normal(size=shape) * scale).astype(np.float32)


TRANSFORMS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]

# --------------------------------------------------------------------------- preprocessing


def preprocessing():
    x = f32(5, 3, scale=2)
    x[1, 1] = np.nan
    case("scaler_per_feature", "Scaler", dict(scale=[0.5, 2.0, -1.5], offset=[1.0, -0.25, 3.0]), [x], [TP.FLOAT])
    case("scaler_shared", "Scaler", dict(scale=[0.3], offset=[0.1]), [x], [TP.FLOAT])
    case("scaler_double", "Scaler", dict(scale=[0.3, 1.1, 7.0], offset=[0.1, 0.2, 0.3]), [x.astype(np.float64) / 3], [TP.FLOAT])
    case("scaler_int64", "Scaler", dict(scale=[0.3, 1.1, 7.0], offset=[0.1, 0.2, 0.3]),
         [np.array([[1, -2, 3], [40, 5, -6]], dtype=np.int64)], [TP.FLOAT])
    case("scaler_int32_1d", "Scaler", dict(scale=[0.3, 1.1, 7.0], offset=[0.1, 0.2, 0.3]),
         [np.array([1, -2, 3], dtype=np.int32)], [TP.FLOAT])
    case("scaler_mismatch", "Scaler", dict(scale=[0.3, 1.1], offset=[0.1, 0.2]), [x], [TP.FLOAT])

    y = f32(6, 4, scale=3)
    y[2] = 0
    y[3, 2] = np.nan
    for norm in ["MAX", "L1", "L2"]:
        case(f"normalizer_{norm.lower()}", "Normalizer", dict(norm=norm), [y], [TP.FLOAT])
        case(f"normalizer_{norm.lower()}_double", "Normalizer", dict(norm=norm), [y.astype(np.float64) * 1.7], [TP.FLOAT])
        case(f"normalizer_{norm.lower()}_int64", "Normalizer", dict(norm=norm),
             [np.array([[3, -4, 0], [0, 0, 0], [-7, 2, 9]], dtype=np.int64)], [TP.FLOAT])
    case("normalizer_max_negative", "Normalizer", dict(norm="MAX"), [np.array([[-1, -2, -4]], dtype=np.float32)], [TP.FLOAT])
    case("normalizer_default", "Normalizer", {}, [y], [TP.FLOAT])

    z = f32(4, 3)
    z[0, 1] = np.nan
    z[2, 0] = np.nan
    z[1, 2] = 0
    case("imputer_nan_per_feature", "Imputer", dict(imputed_value_floats=[1.5, -2.5, 3.5], replaced_value_float=float("nan")), [z], [TP.FLOAT])
    case("imputer_nan_shared", "Imputer", dict(imputed_value_floats=[9.0], replaced_value_float=float("nan")), [z], [TP.FLOAT])
    case("imputer_zero_default", "Imputer", dict(imputed_value_floats=[7.0, 8.0, 9.0]), [z], [TP.FLOAT])
    case("imputer_int64", "Imputer", dict(imputed_value_int64s=[5, 6], replaced_value_int64=-1),
         [np.array([[-1, 2], [3, -1], [-1, -1]], dtype=np.int64)], [TP.INT64])

    b = np.array([[-1, 0, 0.5, 1, 2.5]], dtype=np.float32)
    case("binarizer_default", "Binarizer", {}, [b], [TP.FLOAT])
    case("binarizer_threshold", "Binarizer", dict(threshold=0.5), [b], [TP.FLOAT])
    case("binarizer_nan", "Binarizer", dict(threshold=0.5), [np.array([1, np.nan], dtype=np.float32)], [TP.FLOAT])

    p = np.abs(f32(3, 3))
    case("zipmap_int", "ZipMap", dict(classlabels_int64s=[10, 20, 30]), [p], ["zipmap_int"])
    case("zipmap_string", "ZipMap", dict(classlabels_strings=["a", "b", "c"]), [p], ["zipmap_string"])
    case("zipmap_mismatch", "ZipMap", dict(classlabels_int64s=[10, 20]), [p], ["zipmap_int"])

    a = f32(3, 5)
    case("afe_2d", "ArrayFeatureExtractor", {}, [a, np.array([4, 0, 4], dtype=np.int64)], [TP.FLOAT])
    case("afe_1d", "ArrayFeatureExtractor", {}, [a[0], np.array([2], dtype=np.int64)], [TP.FLOAT])
    case("afe_3d", "ArrayFeatureExtractor", {}, [f32(2, 2, 3), np.array([[2], [1]], dtype=np.int64)], [TP.FLOAT])
    case("afe_string", "ArrayFeatureExtractor", {},
         [np.array([["a", "b"], ["c", "d"]], dtype=object), np.array([1], dtype=np.int64)], [TP.STRING])
    case("afe_int64", "ArrayFeatureExtractor", {}, [np.arange(6, dtype=np.int64).reshape(2, 3), np.array([2, 1], dtype=np.int64)], [TP.INT64])
    case("afe_out_of_range", "ArrayFeatureExtractor", {}, [a, np.array([5], dtype=np.int64)], [TP.FLOAT])

    cats = np.array([[1.7, -2.2, 3.0], [9.0, 0.0, -0.9]], dtype=np.float32)
    case("onehot_float", "OneHotEncoder", dict(cats_int64s=[1, -2, 3, 0, 1]), [cats], [TP.FLOAT])
    case("onehot_double_1d", "OneHotEncoder", dict(cats_int64s=[3, 0]), [cats[0].astype(np.float64)], [TP.FLOAT])
    case("onehot_int64", "OneHotEncoder", dict(cats_int64s=[5, 7]), [np.array([[7], [5], [6]], dtype=np.int64)], [TP.FLOAT])
    case("onehot_string", "OneHotEncoder", dict(cats_strings=["x", "y", "z"]), [np.array(["z", "q", "x"], dtype=object)], [TP.FLOAT])
    case("onehot_unknown_no_zeros", "OneHotEncoder", dict(cats_strings=["x", "y"], zeros=0),
         [np.array(["z"], dtype=object)], [TP.FLOAT])

    s = np.array([["a", "b"], ["zz", "c"]], dtype=object)
    case("labelencoder_v1_string", "LabelEncoder", dict(classes_strings=["a", "b", "a", "c"]), [s], [TP.INT64])
    case("labelencoder_v1_int", "LabelEncoder", dict(classes_strings=["a", "b", "c"], default_string="?"),
         [np.array([0, 2, 7, -1], dtype=np.int64)], [TP.STRING])
    case("labelencoder_v2_si", "LabelEncoder", dict(keys_strings=["a", "b", "a"], values_int64s=[1, 2, 3]), [s], [TP.INT64], opset=2)
    case("labelencoder_v2_sf", "LabelEncoder", dict(keys_strings=["a", "c"], values_floats=[1.5, -2.0]), [s], [TP.FLOAT], opset=2)
    case("labelencoder_v2_is", "LabelEncoder", dict(keys_int64s=[3, 1], values_strings=["three", "one"], default_string="none"),
         [np.array([1, 2, 3], dtype=np.int64)], [TP.STRING], opset=2)
    case("labelencoder_v2_if", "LabelEncoder", dict(keys_int64s=[3, 1], values_floats=[0.5, 0.25], default_float=9.0),
         [np.array([1, 2, 3], dtype=np.int64)], [TP.FLOAT], opset=2)
    case("labelencoder_v2_fs", "LabelEncoder", dict(keys_floats=[0.0, float("nan"), 1.5], values_strings=["z", "n", "o"]),
         [np.array([-0.0, np.nan, 1.5, 2.0], dtype=np.float32)], [TP.STRING], opset=2)
    case("labelencoder_v2_fi", "LabelEncoder", dict(keys_floats=[0.5, 1.5], values_int64s=[5, 15]),
         [np.array([1.5, 2.0, 0.5], dtype=np.float32)], [TP.INT64], opset=2)
    case("labelencoder_v3_si", "LabelEncoder", dict(keys_strings=["a", "b"], values_int64s=[1, 2], default_int64=42), [s], [TP.INT64], opset=3)
    case("labelencoder_v4_fs_nan", "LabelEncoder", dict(keys_floats=[0.0, float("nan"), 1.5], values_strings=["z", "n", "o"]),
         [np.array([-0.0, np.nan, 1.5, 2.0], dtype=np.float32)], [TP.STRING], opset=4)
    case("labelencoder_v4_tensor_double", "LabelEncoder",
         dict(keys_tensor=h.make_tensor("k", TP.DOUBLE, [3], [1.0, 2.5, float("nan")]),
              values_tensor=h.make_tensor("v", TP.INT64, [3], [10, 25, -5]),
              default_tensor=h.make_tensor("d", TP.INT64, [1], [99])),
         [np.array([1.0, 2.5, 3.0, np.nan], dtype=np.float64)], [TP.INT64], opset=4)
    case("labelencoder_v4_tensor_string_double", "LabelEncoder",
         dict(keys_tensor=h.make_tensor("k", TP.STRING, [2], [b"x", b"y"]),
              values_tensor=h.make_tensor("v", TP.DOUBLE, [2], [0.125, -3.5])),
         [np.array(["y", "q", "x"], dtype=object)], [TP.DOUBLE], opset=4)
    case("labelencoder_v4_int_string", "LabelEncoder", dict(keys_int64s=[7, 8], values_strings=["s", "e"]),
         [np.array([8, 9, 7], dtype=np.int64)], [TP.STRING], opset=4)


# --------------------------------------------------------------------------- linear models


def linear():
    x = f32(7, 4, scale=2)
    w3 = f32(3, 4).ravel().tolist()
    b3 = f32(3).tolist()
    for t in TRANSFORMS:
        case(f"linclass_multi_{t.lower()}", "LinearClassifier",
             dict(coefficients=w3, intercepts=b3, classlabels_ints=[4, 5, 6], post_transform=t), [x], [TP.INT64, TP.FLOAT])
        case(f"linclass_binary_{t.lower()}", "LinearClassifier",
             dict(coefficients=w3[:4], intercepts=b3[:1], classlabels_ints=[0, 1], post_transform=t), [x], [TP.INT64, TP.FLOAT],
             undefined=(1, "tail") if t == "PROBIT" else None)
    case("linclass_multi_strings", "LinearClassifier",
         dict(coefficients=w3, intercepts=b3, classlabels_strings=["a", "b", "c"], multi_class=1), [x], [TP.STRING, TP.FLOAT])
    case("linclass_binary_strings", "LinearClassifier",
         dict(coefficients=w3[:4], intercepts=b3[:1], classlabels_strings=["no", "yes"], post_transform="LOGISTIC"), [x], [TP.STRING, TP.FLOAT])
    case("linclass_one_class_three_labels", "LinearClassifier",
         dict(coefficients=w3[:4], intercepts=b3[:1], classlabels_ints=[7, 8, 9]), [x], [TP.INT64, TP.FLOAT])
    case("linclass_two_sets", "LinearClassifier",
         dict(coefficients=w3[:8], intercepts=b3[:2], classlabels_ints=[0, 1], post_transform="SOFTMAX"), [x], [TP.INT64, TP.FLOAT])
    case("linclass_double", "LinearClassifier",
         dict(coefficients=w3, intercepts=b3, classlabels_ints=[0, 1, 2]), [x.astype(np.float64) * 1.3], [TP.INT64, TP.FLOAT])
    case("linclass_int64", "LinearClassifier",
         dict(coefficients=w3, intercepts=b3, classlabels_ints=[0, 1, 2]), [np.array([[1, 2, 3, 4], [-5, 0, 2, 1]], dtype=np.int64)], [TP.INT64, TP.FLOAT])
    case("linclass_int32_1d", "LinearClassifier",
         dict(coefficients=w3, intercepts=b3, classlabels_ints=[0, 1, 2]), [np.array([1, 2, 3, 4], dtype=np.int32)], [TP.INT64, TP.FLOAT])
    # ORT hands rows of 5+ scores, and large batches of 2-4, to MlasComputeSoftmax.
    w6 = f32(6, 4).ravel().tolist()
    for t in ["SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO"]:
        case(f"linclass_six_{t.lower()}", "LinearClassifier",
             dict(coefficients=w6, intercepts=f32(6).tolist(), classlabels_ints=list(range(6)), post_transform=t), [x], [TP.INT64, TP.FLOAT])
    for classes in [17, 53]:
        case(f"linclass_{classes}_softmax", "LinearClassifier",
             dict(coefficients=f32(classes, 4).ravel().tolist(), intercepts=f32(classes).tolist(),
                  classlabels_ints=list(range(classes)), post_transform="SOFTMAX"), [x], [TP.INT64, TP.FLOAT])
    for classes, tile in [(3, 547), (2, 1639), (3, 545)]:
        case(f"linclass_{classes}_softmax_{tile * 10}_rows", "LinearClassifier",
             dict(coefficients=f32(classes, 2).ravel().tolist(), intercepts=f32(classes).tolist(),
                  classlabels_ints=list(range(classes)), post_transform="SOFTMAX"), [f32(10, 2, scale=2)], [TP.INT64, TP.FLOAT],
             tile=tile)
    case("linclass_wide", "LinearClassifier",
         dict(coefficients=f32(3, 37).ravel().tolist(), intercepts=b3, classlabels_ints=[0, 1, 2], post_transform="LOGISTIC"),
         [f32(9, 37, scale=3)], [TP.INT64, TP.FLOAT])

    for t in TRANSFORMS:
        case(f"linreg_1_{t.lower()}", "LinearRegressor", dict(coefficients=w3[:4], intercepts=b3[:1], post_transform=t), [x], [TP.FLOAT])
        case(f"linreg_3_{t.lower()}", "LinearRegressor", dict(coefficients=w3, intercepts=b3, targets=3, post_transform=t), [x], [TP.FLOAT])
    case("linreg_no_intercepts", "LinearRegressor", dict(coefficients=w3, targets=3), [x], [TP.FLOAT])
    # Wide inputs: MLAS splits the features into K blocks (1024 for few outputs)
    # and folds each block's chain into the output.
    wide = f32(3, 1030)
    wide_w = f32(2, 1030).ravel().tolist()
    case("linreg_wide_k_blocks", "LinearRegressor", dict(coefficients=wide_w[:1030], intercepts=[0.5]), [wide], [TP.FLOAT])
    case("linreg_wide_k_blocks_no_intercepts", "LinearRegressor", dict(coefficients=wide_w[:1030]), [wide], [TP.FLOAT])
    case("linclass_wide_k_blocks", "LinearClassifier",
         dict(coefficients=wide_w, intercepts=[0.25, -0.5], classlabels_ints=[0, 1]), [wide], [TP.INT64, TP.FLOAT])
    case("svc_linear_mode_wide_k_blocks", "SVMClassifier",
         dict(coefficients=wide_w, rho=[0.25], classlabels_ints=[4, 5], kernel_params=[0.0, 0.0, 0.0]), [wide], [TP.INT64, TP.FLOAT])
    case("svr_many_support_vectors", "SVMRegressor",
         dict(kernel_type="RBF", kernel_params=[0.5, 0.0, 3.0], n_supports=1030, support_vectors=wide[0].tolist(),
              coefficients=wide_w[:1030], rho=[0.1]), [f32(5, 1)], [TP.FLOAT])
    # Single rows: ORT's GEMM takes MLAS's M = 1 kernel (lane sums, reduction
    # order by output position), for every target count and width.
    for targets in [1, 2, 3, 5, 6, 7]:
        for width in [3, 8, 11, 20]:
            w = f32(targets, width).ravel().tolist()
            row = f32(1, width, scale=2)
            case(f"linreg_single_row_{targets}x{width}", "LinearRegressor",
                 dict(coefficients=w, intercepts=f32(targets).tolist(), targets=targets), [row], [TP.FLOAT])
            case(f"linreg_single_row_{targets}x{width}_no_intercepts", "LinearRegressor",
                 dict(coefficients=w, targets=targets), [row], [TP.FLOAT])
            if targets > 1:
                case(f"linclass_single_row_{targets}x{width}", "LinearClassifier",
                     dict(coefficients=w, intercepts=f32(targets).tolist(), classlabels_ints=list(range(targets)),
                          post_transform="LOGISTIC"), [row], [TP.INT64, TP.FLOAT])
    case("linreg_wrong_intercepts", "LinearRegressor", dict(coefficients=w3, intercepts=b3[:2], targets=3), [x], [TP.FLOAT])
    case("linreg_1d", "LinearRegressor", dict(coefficients=w3[:4], intercepts=b3[:1]), [x[0]], [TP.FLOAT])


# --------------------------------------------------------------------------- SVMs


def svms():
    x = f32(9, 3, scale=1.5)
    x3 = f32(8, 3)
    sv = x3.ravel().tolist()
    per_class = [3, 2, 3]
    coef = (f32(2, 8)).ravel().tolist()
    rho = f32(3).tolist()
    proba = (-np.abs(f32(3)) * 3).tolist()
    probb = (f32(3) * 0.3).tolist()
    kernels = {"RBF": [0.4, 0.0, 3.0], "LINEAR": [0.0, 0.0, 0.0], "POLY": [0.3, 0.7, 3.0], "SIGMOID": [0.25, -0.1, 3.0]}
    for k, params in kernels.items():
        base = dict(kernel_type=k, kernel_params=params, vectors_per_class=per_class, support_vectors=sv,
                    coefficients=coef, rho=rho, classlabels_ints=[0, 1, 2])
        case(f"svc_{k.lower()}_proba", "SVMClassifier", dict(base, prob_a=proba, prob_b=probb), [x], [TP.INT64, TP.FLOAT])
        case(f"svc_{k.lower()}_noproba", "SVMClassifier", base, [x], [TP.INT64, TP.FLOAT])
    base = dict(kernel_type="RBF", kernel_params=[0.4, 0.0, 3.0], vectors_per_class=per_class, support_vectors=sv,
                coefficients=coef, rho=rho, classlabels_strings=["x", "y", "z"])
    case("svc_strings_proba", "SVMClassifier", dict(base, prob_a=proba, prob_b=probb), [x], [TP.STRING, TP.FLOAT])
    case("svc_poly_degree2", "SVMClassifier", dict(base, kernel_type="POLY", kernel_params=[0.3, 0.7, 2.0]), [x], [TP.STRING, TP.FLOAT])
    for t in TRANSFORMS:
        case(f"svc_noproba_{t.lower()}", "SVMClassifier", dict(base, post_transform=t), [x], [TP.STRING, TP.FLOAT])
        case(f"svc_proba_{t.lower()}", "SVMClassifier", dict(base, post_transform=t, prob_a=proba, prob_b=probb), [x], [TP.STRING, TP.FLOAT])
    case("svc_double_input", "SVMClassifier", dict(base, prob_a=proba, prob_b=probb), [x.astype(np.float64)], [TP.STRING, TP.FLOAT])
    case("svc_int64_input", "SVMClassifier", dict(base, prob_a=proba, prob_b=probb),
         [np.array([[1, 0, -1], [0, 2, 1]], dtype=np.int64)], [TP.STRING, TP.FLOAT])

    # Binary.
    bsv = x3[:5].ravel().tolist()
    bcoef = f32(5).tolist()
    for t in TRANSFORMS:
        bbase = dict(kernel_type="RBF", kernel_params=[0.5, 0.0, 3.0], vectors_per_class=[2, 3], support_vectors=bsv,
                     coefficients=bcoef, rho=rho[:1], classlabels_ints=[3, 8], post_transform=t)
        case(f"svc_binary_noproba_{t.lower()}", "SVMClassifier", bbase, [x], [TP.INT64, TP.FLOAT],
             undefined=(1, 1) if t == "PROBIT" else None)
        case(f"svc_binary_proba_{t.lower()}", "SVMClassifier", dict(bbase, prob_a=proba[:1], prob_b=probb[:1]), [x], [TP.INT64, TP.FLOAT])

    # Four classes without probabilities: six pairwise scores per row.
    sv4 = f32(9, 3).ravel().tolist()
    coef4 = f32(3, 9).ravel().tolist()
    for t in ["NONE", "SOFTMAX"]:
        case(f"svc_four_classes_noproba_{t.lower()}", "SVMClassifier",
             dict(kernel_type="RBF", kernel_params=[0.3, 0.0, 3.0], vectors_per_class=[2, 3, 2, 2], support_vectors=sv4,
                  coefficients=coef4, rho=f32(6).tolist(), classlabels_ints=[1, 2, 3, 4], post_transform=t), [x], [TP.INT64, TP.FLOAT])
    case("svc_four_classes_proba", "SVMClassifier",
         dict(kernel_type="RBF", kernel_params=[0.3, 0.0, 3.0], vectors_per_class=[2, 3, 2, 2], support_vectors=sv4,
              coefficients=coef4, rho=f32(6).tolist(), classlabels_ints=[1, 2, 3, 4],
              prob_a=(-np.abs(f32(6)) * 2).tolist(), prob_b=(f32(6) * 0.2).tolist()), [x], [TP.INT64, TP.FLOAT])

    # liblinear mode: no support vectors.
    lcoef = f32(3, 3).ravel().tolist()
    for t in ["NONE", "LOGISTIC", "SOFTMAX", "PROBIT"]:
        case(f"svc_linear_mode_{t.lower()}", "SVMClassifier",
             dict(coefficients=lcoef, rho=[0.25], classlabels_ints=[0, 1, 2], kernel_params=[0.0, 0.0, 0.0], post_transform=t),
             [x], [TP.INT64, TP.FLOAT])
    case("svc_linear_mode_binary_mixed", "SVMClassifier",
         dict(coefficients=lcoef[:6], rho=[0.1], classlabels_ints=[5, 6], kernel_params=[0.0, 0.0, 0.0]), [x], [TP.INT64, TP.FLOAT])
    case("svc_linear_mode_binary_positive", "SVMClassifier",
         dict(coefficients=np.abs(np.array(lcoef[:6])).tolist(), rho=[-0.9], classlabels_ints=[5, 6], kernel_params=[0.0, 0.0, 0.0]),
         [np.abs(x) * 0.3], [TP.INT64, TP.FLOAT])
    case("svc_linear_mode_binary_proba", "SVMClassifier",
         dict(coefficients=lcoef[:6], rho=[0.1], classlabels_ints=[5, 6], kernel_params=[0.0, 0.0, 0.0], prob_a=[-1.0], prob_b=[0.1]),
         [x], [TP.INT64, TP.FLOAT])

    rsv = f32(6, 3).ravel().tolist()
    rcoef = f32(6).tolist()
    for k, params in kernels.items():
        case(f"svr_{k.lower()}", "SVMRegressor",
             dict(kernel_type=k, kernel_params=params, n_supports=6, support_vectors=rsv, coefficients=rcoef, rho=[0.75]),
             [x], [TP.FLOAT])
        case(f"svr_{k.lower()}_one_class", "SVMRegressor",
             dict(kernel_type=k, kernel_params=params, n_supports=6, support_vectors=rsv, coefficients=rcoef, rho=[0.1], one_class=1),
             [x], [TP.FLOAT])
    # Single rows through every GEMM-based kernel (MLAS's M = 1 path when alpha = 1).
    one = x[:1].copy()
    for k, params in list(kernels.items()) + [("POLY", [1.0, 0.5, 3.0]), ("SIGMOID", [1.0, 0.0, 3.0])]:
        tag = f"{k.lower()}_g{params[0]:g}"
        case(f"svr_single_row_{tag}", "SVMRegressor",
             dict(kernel_type=k, kernel_params=params, n_supports=6, support_vectors=rsv, coefficients=rcoef, rho=[0.75]),
             [one], [TP.FLOAT])
        case(f"svc_single_row_{tag}", "SVMClassifier",
             dict(kernel_type=k, kernel_params=params, vectors_per_class=per_class, support_vectors=sv, coefficients=coef,
                  rho=rho, classlabels_ints=[0, 1, 2], prob_a=proba, prob_b=probb), [one], [TP.INT64, TP.FLOAT])
    for n in [2, 3, 5]:
        case(f"svc_linear_mode_single_row_{n}", "SVMClassifier",
             dict(coefficients=f32(n, 3).ravel().tolist(), rho=[0.25], classlabels_ints=list(range(n)),
                  kernel_params=[0.0, 0.0, 0.0]), [one], [TP.INT64, TP.FLOAT])
    case("svr_linear_mode_single_row", "SVMRegressor", dict(coefficients=[0.5, -1.5, 2.0], rho=[0.3]), [one], [TP.FLOAT])
    case("svr_linear_mode", "SVMRegressor", dict(coefficients=[0.5, -1.5, 2.0], rho=[0.3], kernel_params=[0.0, 0.0, 0.0]), [x], [TP.FLOAT])
    case("svr_poly_degree4", "SVMRegressor",
         dict(kernel_type="POLY", kernel_params=[0.3, 0.7, 4.0], n_supports=6, support_vectors=rsv, coefficients=rcoef, rho=[0.75]),
         [x], [TP.FLOAT])


# --------------------------------------------------------------------------- trees


def stump_forest(modes=None):
    # Two trees, 3 features; tree 0 has 3 branches, tree 1 one branch.
    modes = modes or ["BRANCH_LEQ"] * 4
    return dict(
        nodes_treeids=[0, 0, 0, 0, 0, 0, 0, 1, 1, 1],
        nodes_nodeids=[0, 1, 2, 3, 4, 5, 6, 0, 1, 2],
        nodes_featureids=[0, 1, 2, 0, 0, 0, 0, 2, 0, 0],
        nodes_values=[0.25, -0.5, 0.0, 0, 0, 0, 0, 0.75, 0, 0],
        nodes_modes=[modes[0], modes[1], modes[2], "LEAF", "LEAF", "LEAF", "LEAF", modes[3], "LEAF", "LEAF"],
        nodes_truenodeids=[1, 3, 5, 0, 0, 0, 0, 1, 0, 0],
        nodes_falsenodeids=[2, 4, 6, 0, 0, 0, 0, 2, 0, 0],
    )


LEAVES = [(0, 3), (0, 4), (0, 5), (0, 6), (1, 1), (1, 2)]


def run_quietly(op, attrs, x):
    """Runs a node outside the recorded cases (helper computations)."""
    node = h.make_node(op, ["x"], ["y"], domain="ai.onnx.ml", **attrs)
    graph = h.make_graph([node], "helper", [h.make_tensor_value_info("x", DTYPES[x.dtype][1], None)],
                         [h.make_tensor_value_info("y", TP.FLOAT, None)])
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17), h.make_opsetid("ai.onnx.ml", 1)])
    model.ir_version = 8
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]


def tree_inputs():
    x = f32(12, 3)
    x[0] = [0.25, -0.5, 0.0]  # exactly on thresholds
    x[1] = [np.nan, np.nan, np.nan]
    x[2] = [0.75, 0.0, 0.75]
    return x


def trees():
    x = tree_inputs()
    forest = stump_forest()
    for targets in [1, 3]:
        tids, tnodes, tt, tw = [], [], [], []
        for li, (t, n) in enumerate(LEAVES):
            for k in range(targets):
                tids.append(t); tnodes.append(n); tt.append(k); tw.append(float(RNG.normal()))
        wattrs = dict(target_treeids=tids, target_nodeids=tnodes, target_ids=tt, target_weights=tw)
        for agg in ["SUM", "AVERAGE", "MIN", "MAX"]:
            for base in [None, [0.5] * targets, [0.5]]:
                attrs = dict(forest, n_targets=targets, aggregate_function=agg, **wattrs)
                if base is not None:
                    attrs["base_values"] = base
                tag = f"treereg_{targets}_{agg.lower()}_{'nobase' if base is None else len(base)}"
                case(tag, "TreeEnsembleRegressor", attrs, [x], [TP.FLOAT])
        for t in TRANSFORMS:
            case(f"treereg_{targets}_{t.lower()}", "TreeEnsembleRegressor",
                 dict(forest, n_targets=targets, post_transform=t, base_values=[0.1] * targets, **wattrs), [x], [TP.FLOAT])
        case(f"treereg_{targets}_double", "TreeEnsembleRegressor", dict(forest, n_targets=targets, **wattrs),
             [x.astype(np.float64) + 1e-9], [TP.FLOAT])
        case(f"treereg_{targets}_missing_true", "TreeEnsembleRegressor",
             dict(forest, n_targets=targets, nodes_missing_value_tracks_true=[1, 0, 1, 0, 0, 0, 0, 1, 0, 0], **wattrs), [x], [TP.FLOAT])
    # Partial targets: only target 1 of 3 gets weights from tree 1.
    case("treereg_partial_targets", "TreeEnsembleRegressor",
         dict(forest, n_targets=3, base_values=[1.0, 2.0, 3.0], target_treeids=[0, 0, 0, 0, 1, 1], target_nodeids=[3, 4, 5, 6, 1, 2],
              target_ids=[0, 0, 2, 2, 0, 0], target_weights=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [x], [TP.FLOAT])
    case("treereg_partial_targets_min", "TreeEnsembleRegressor",
         dict(forest, n_targets=3, aggregate_function="MIN", base_values=[1.0, 2.0, 3.0], target_treeids=[0, 0, 0, 0, 1, 1],
              target_nodeids=[3, 4, 5, 6, 1, 2], target_ids=[0, 0, 2, 2, 0, 0], target_weights=[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [x], [TP.FLOAT])
    one = dict(target_treeids=[t for t, _ in LEAVES], target_nodeids=[n for _, n in LEAVES], target_ids=[0] * 6,
               target_weights=[0.5, -1.0, 2.0, 0.25, 1.5, -0.75])
    for modes in [["BRANCH_LT"] * 4, ["BRANCH_GTE"] * 4, ["BRANCH_GT"] * 4, ["BRANCH_EQ"] * 4, ["BRANCH_NEQ"] * 4,
                  ["BRANCH_LEQ", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ"]]:
        tag = "_".join(m[7:].lower() for m in modes) if len(set(modes)) > 1 else modes[0][7:].lower()
        case(f"treereg_mode_{tag}", "TreeEnsembleRegressor", dict(stump_forest(modes), n_targets=1, **one), [x], [TP.FLOAT])
        case(f"treereg_mode_{tag}_missing", "TreeEnsembleRegressor",
             dict(stump_forest(modes), n_targets=1, nodes_missing_value_tracks_true=[1] * 10, **one), [x], [TP.FLOAT])
    # Leaf without weight (single target uses the node value), extra weights on a leaf and a branch.
    fv = dict(forest, nodes_values=[0.25, -0.5, 0.0, 11, 12, 13, 14, 0.75, 15, 16])
    case("treereg_leaf_without_weight", "TreeEnsembleRegressor",
         dict(fv, n_targets=1, target_treeids=[0, 0, 1], target_nodeids=[3, 4, 1], target_ids=[0, 0, 0], target_weights=[1.0, 2.0, 3.0]),
         [x], [TP.FLOAT])
    case("treereg_extra_weights", "TreeEnsembleRegressor",
         dict(fv, n_targets=1, target_treeids=[0, 0, 0, 0, 0, 1, 1, 0], target_nodeids=[3, 3, 4, 5, 6, 1, 2, 0],
              target_ids=[0] * 8, target_weights=[1.0, 10.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0]), [x], [TP.FLOAT])
    case("treereg_extra_weights_2", "TreeEnsembleRegressor",
         dict(fv, n_targets=2, target_treeids=[0, 0, 0, 0, 0, 1, 1, 0], target_nodeids=[3, 3, 4, 5, 6, 1, 2, 0],
              target_ids=[0, 1, 0, 1, 0, 1, 0, 1], target_weights=[1.0, 10.0, 2.0, 3.0, 4.0, 5.0, 6.0, 100.0]), [x], [TP.FLOAT])
    # Interleaved tree ids: ORT starts a tree wherever the id changes.
    case("treereg_interleaved", "TreeEnsembleRegressor",
         dict(nodes_treeids=[0, 1, 0, 0, 1, 1], nodes_nodeids=[0, 0, 1, 2, 1, 2], nodes_featureids=[0] * 6,
              nodes_values=[0.5, 0.5, 0, 0, 0, 0], nodes_modes=["BRANCH_LEQ", "BRANCH_LEQ", "LEAF", "LEAF", "LEAF", "LEAF"],
              nodes_truenodeids=[1, 1, 0, 0, 0, 0], nodes_falsenodeids=[2, 2, 0, 0, 0, 0], n_targets=1, aggregate_function="AVERAGE",
              target_treeids=[0, 0, 1, 1], target_nodeids=[1, 2, 1, 2], target_ids=[0] * 4, target_weights=[1.0, 2.0, 10.0, 20.0]),
         [np.array([[0.0], [1.0]], dtype=np.float32)], [TP.FLOAT])
    # ml opset 3: double attributes with double input.
    dvals = [0.25000000001, -0.5, 0.0, 0, 0, 0, 0, 0.75, 0, 0]
    dattrs = {k: v for k, v in forest.items() if k != "nodes_values"}
    case("treereg_as_tensor_double", "TreeEnsembleRegressor",
         dict(dattrs, n_targets=1, nodes_values_as_tensor=h.make_tensor("v", TP.DOUBLE, [10], dvals),
              target_treeids=one["target_treeids"], target_nodeids=one["target_nodeids"], target_ids=one["target_ids"],
              target_weights_as_tensor=h.make_tensor("w", TP.DOUBLE, [6], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6000000001]),
              base_values_as_tensor=h.make_tensor("b", TP.DOUBLE, [1], [1e-10])),
         [np.array([[0.25000000001, 0, 0], [0.2500000001, -1, 1]], dtype=np.float64)], [TP.FLOAT], opset=3)
    case("treereg_missing_feature", "TreeEnsembleRegressor", dict(forest, n_targets=1, **one), [x[:, :2].copy()], [TP.FLOAT])
    case("treereg_int64_input", "TreeEnsembleRegressor", dict(forest, n_targets=1, **one),
         [np.array([[0, -1, 0], [1, 0, 1]], dtype=np.int64)], [TP.FLOAT])

    # Classifiers.
    for ncls, labels in [(3, [10, 20, 30]), (4, [1, 2, 3, 4])]:
        cids, cnodes, cc, cw = [], [], [], []
        for t, n in LEAVES:
            for k in range(ncls):
                cids.append(t); cnodes.append(n); cc.append(k); cw.append(float(abs(RNG.normal())))
        cattrs = dict(forest, class_treeids=cids, class_nodeids=cnodes, class_ids=cc, class_weights=cw, classlabels_int64s=labels)
        for t in TRANSFORMS:
            case(f"treeclass_{ncls}_{t.lower()}", "TreeEnsembleClassifier", dict(cattrs, post_transform=t), [x], [TP.INT64, TP.FLOAT])
        case(f"treeclass_{ncls}_base", "TreeEnsembleClassifier", dict(cattrs, base_values=[0.5, -0.5, 1.0] + [0.0] * (ncls - 3)),
             [x], [TP.INT64, TP.FLOAT])
        case(f"treeclass_{ncls}_double", "TreeEnsembleClassifier", cattrs, [x.astype(np.float64)], [TP.INT64, TP.FLOAT])
    # Some classes without weights: they get base values or stay absent.
    case("treeclass_sparse_classes", "TreeEnsembleClassifier",
         dict(forest, class_treeids=[0, 0, 0, 0, 1, 1], class_nodeids=[3, 4, 5, 6, 1, 2], class_ids=[0, 0, 2, 2, 0, 2],
              class_weights=[0.1, -0.2, 0.3, 0.4, 0.5, 0.6], classlabels_int64s=[1, 2, 3], base_values=[0.0, -1.0]),
         [x], [TP.INT64, TP.FLOAT])
    case("treeclass_sparse_classes_nobase", "TreeEnsembleClassifier",
         dict(forest, class_treeids=[0, 0, 0, 0, 1, 1], class_nodeids=[3, 4, 5, 6, 1, 2], class_ids=[1, 1, 2, 2, 1, 2],
              class_weights=[-0.1, -0.2, -0.3, -0.4, -0.5, -0.6], classlabels_strings=["a", "b", "c"]),
         [x], [TP.STRING, TP.FLOAT])
    # Two classes: every binary branch of ORT's aggregator.
    for cls_ids, tag in [([0] * 6, "class0"), ([1] * 6, "class1"), ([0, 1, 0, 1, 0, 1], "both")]:
        # Rows where no tree gives class 1 a weight: ORT then keeps one score and,
        # unless it widens it to two columns, leaves the second column uninitialised.
        counts = run_quietly("TreeEnsembleRegressor", dict(forest, n_targets=2, target_treeids=[t_ for t_, _ in LEAVES],
                                                           target_nodeids=[n for _, n in LEAVES], target_ids=cls_ids,
                                                           target_weights=[1.0] * 6), x)
        no_class1 = [bool(v == 0) for v in counts[:, 1]]
        for signs, stag in [([1, 1, 1, 1, 1, 1], "pos"), ([1, -1, 1, -1, 1, -1], "mixed")]:
            w = [s * v for s, v in zip(signs, [0.3, 0.45, 0.2, 0.9, 0.15, 0.35])]
            for base in [None, [0.2], [0.1, -0.3]]:
                for t in TRANSFORMS:
                    attrs = dict(forest, class_treeids=[t_ for t_, _ in LEAVES], class_nodeids=[n for _, n in LEAVES],
                                 class_ids=cls_ids, class_weights=w, classlabels_int64s=[3, 7], post_transform=t)
                    if base is not None:
                        attrs["base_values"] = base
                    btag = "nobase" if base is None else f"base{len(base)}"
                    # One score is widened to two columns except under PROBIT, or with one
                    # base value when both class ids occur (ORT's add_second_class -1).
                    one_column = base is None or len(base) == 1
                    widened = t != "PROBIT" and not (tag == "both" and base is not None)
                    case(f"treeclass_binary_{tag}_{stag}_{btag}_{t.lower()}", "TreeEnsembleClassifier", attrs, [x],
                         [TP.INT64, TP.FLOAT], undefined=(1, 1, no_class1) if one_column and not widened else None)
    case("treeclass_binary_strings", "TreeEnsembleClassifier",
         dict(forest, class_treeids=[t for t, _ in LEAVES] * 2, class_nodeids=[n for _, n in LEAVES] * 2,
              class_ids=[0] * 6 + [1] * 6, class_weights=[0.5, 0.4, 0.3, 0.2, 0.1, 0.6] + [0.5, 0.6, 0.7, 0.8, 0.9, 0.4],
              classlabels_strings=["no", "yes"]), [x], [TP.STRING, TP.FLOAT])
    case("treeclass_binary_double_input", "TreeEnsembleClassifier",
         dict(forest, class_treeids=[t for t, _ in LEAVES], class_nodeids=[n for _, n in LEAVES], class_ids=[1] * 6,
              class_weights=[0.3, -0.45, 0.2, -0.9, 0.15, -0.35], classlabels_int64s=[0, 1], post_transform="LOGISTIC",
              base_values=[0.25]), [x.astype(np.float64)], [TP.INT64, TP.FLOAT])


# --------------------------------------------------------------------------- trained models


def trained():
    try:
        from sklearn.datasets import load_iris, make_classification, make_regression
        from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                                      HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                                      RandomForestClassifier, RandomForestRegressor)
        from sklearn.svm import SVC, SVR, LinearSVC
        from skl2onnx import convert_sklearn
        from skl2onnx.common import tree_ensemble
        from skl2onnx.common.data_types import FloatTensorType
    except ImportError:
        print("scikit-learn/skl2onnx missing: skipping trained-model cases", file=sys.stderr)
        return

    # skl2onnx 1.20's HistGradientBoosting converter hands onnx a Python bool
    # for nodes_missing_value_tracks_true, which onnx 1.23 refuses: pass an int.
    if not getattr(tree_ensemble.add_node, "_int_missing", False):
        original = tree_ensemble.add_node

        def add_node(*args, **kwargs):
            if "nodes_missing_value_tracks_true" in kwargs:
                kwargs["nodes_missing_value_tracks_true"] = int(kwargs["nodes_missing_value_tracks_true"])
            return original(*args, **kwargs)

        add_node._int_missing = True
        tree_ensemble.add_node = add_node

    def export_nodes(model, name, x, n_features):
        onx = convert_sklearn(model, initial_types=[("input", FloatTensorType([None, n_features]))],
                              target_opset={"": 17, "ai.onnx.ml": 3})
        for node in onx.graph.node:
            if node.domain != "ai.onnx.ml" or node.op_type in ("ZipMap", "Normalizer", "Cast", "Scaler"):
                continue
            names = {a.name for a in node.attribute}
            outs = ([TP.STRING if "classlabels_strings" in names else TP.INT64, TP.FLOAT]
                    if "Classifier" in node.op_type else [TP.FLOAT])
            case(f"trained_{name}", node.op_type, list(node.attribute), [x], outs)
            return

    iris = load_iris()
    xi = iris.data.astype(np.float32)
    yi = iris.target
    sample = xi[::7].copy()
    export_nodes(RandomForestClassifier(n_estimators=6, max_depth=4, random_state=0).fit(xi, yi), "rf_iris", sample, 4)
    export_nodes(GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(xi, yi), "gb_iris", sample, 4)
    yb = (yi == 2).astype(int)
    export_nodes(GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(xi, yb), "gb_binary", sample, 4)
    export_nodes(RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0).fit(xi, yb), "rf_binary", sample, 4)
    export_nodes(HistGradientBoostingClassifier(max_iter=4, max_depth=3, random_state=0).fit(xi, yi), "hgb_iris", sample, 4)
    xn = sample.copy()
    xn[::3, 1] = np.nan
    export_nodes(HistGradientBoostingClassifier(max_iter=4, max_depth=3, random_state=0).fit(
        np.where(np.arange(len(xi))[:, None] % 5 == 0, np.nan, xi).astype(np.float32), yb), "hgb_binary_nan", xn, 4)
    xr, yr = make_regression(n_samples=120, n_features=5, noise=0.5, random_state=0)
    xr = xr.astype(np.float32)
    export_nodes(RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0).fit(xr, yr), "rf_reg", xr[::9].copy(), 5)
    export_nodes(GradientBoostingRegressor(n_estimators=6, max_depth=3, random_state=0).fit(xr, yr), "gb_reg", xr[::9].copy(), 5)
    export_nodes(HistGradientBoostingRegressor(max_iter=5, max_depth=3, random_state=0).fit(xr, yr), "hgb_reg", xr[::9].copy(), 5)
    export_nodes(SVC(probability=True, random_state=0).fit(xi, yi), "svc_iris", sample, 4)
    export_nodes(SVC(probability=True, random_state=0, kernel="poly", degree=3).fit(xi, yb), "svc_binary_poly", sample, 4)
    export_nodes(SVC(random_state=0, kernel="sigmoid", gamma=0.05).fit(xi, yi), "svc_sigmoid_noproba", sample, 4)
    export_nodes(SVR().fit(xr, yr), "svr_rbf", xr[::9].copy(), 5)
    export_nodes(LinearSVC(random_state=0).fit(xi, yi), "linear_svc", sample, 4)


def main():
    preprocessing()
    linear()
    svms()
    trees()
    trained()
    body = json.dumps({"onnxruntime": ort.__version__, "cases": CASES}, separators=(",", ":"))
    # Break the JSON into lines after commas (MLParityTests drops the line
    # breaks again before parsing), so the Swift file stays readable and diffs small.
    lines, current = [], ""
    for part in body.split(","):
        if len(current) + len(part) > 200 and current:
            lines.append(current + ",")
            current = part
        else:
            current = part if not current else current + "," + part
    lines.append(current)
    with open(OUT, "w") as f:
        f.write("// Generated by scripts/gen-ml-parity-cases.py from onnxruntime "
                f"{ort.__version__}; do not edit.\n")
        f.write("// Single ai.onnx.ml nodes with onnxruntime's outputs, replayed by MLParityTests.\n\n")
        f.write("enum MLParityCases {\n    static let json = #\"\"\"\n")
        for line in lines:
            f.write(line + "\n")
        f.write("\"\"\"#\n}\n")
    print(f"{len(CASES)} cases ({sum('error' in c for c in CASES)} expected errors) -> {OUT}")


if __name__ == "__main__":
    main()
