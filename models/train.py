#!/usr/bin/env python3
"""Train the scikit-learn models served by swerve and the ONNX test fixtures.

Run from anywhere (paths are relative to this file's folder):

    python3 models/train.py

Everything is deterministic (fixed seeds, single-threaded BLAS/OpenMP and
onnxruntime, explicit graph names); running it twice produces byte-identical
files.  Pinned versions are in requirements.txt next to this file.

Outputs (all under the folder of this script):

* Served models: ``<name>/1/model.onnx`` and ``<name>/config.json`` for
  ``iris``, ``iris-setosa``, ``iris-versicolor``, ``iris-virginica`` and
  ``diabetes``.  ``config.json`` holds ``{"labels": [...]}`` for classifiers
  (index == class id) and ``{"description": ...}`` for the regressor.

* Test fixtures: ``fixtures/<name>.onnx`` + ``fixtures/<name>.json``.  The
  JSON document is::

      {
        "model": "<name>.onnx",
        "description": "...",                      # free text
        "opset": {"": 17, "ai.onnx.ml": 1},         # the model's opset_import
        "input_name": "input",
        "input_dtype": "float32" | "float64" | "int64" | "string",
        "input_shape": [null, 4],                   # declared shape, null = dynamic
        "inputs": [[...row...], ...],               # one list per row
        "outputs": {                                # in session output order
          "<output name>": {"kind": "tensor", "dtype": "int64", "shape": [40],
                            "data": [...flat, row-major...]},
          "<output name>": {"kind": "zipmap", "key_dtype": "int64" | "string",
                            "labels": [...], "probabilities": [[...], ...]}
        }
      }

  ZipMap ``probabilities`` has one list per row, columns in ``labels`` order.

  Number encoding: every float is written with ``repr`` of the float64 value
  (for float32 data: of the exact float64 widening of the float32 value), so
  parsing the text as a double and narrowing to float32 round-trips exactly.
  Non-finite floats cannot be written as JSON numbers, so they are written as
  the JSON *strings* ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` -- both in
  ``inputs`` (the imputer and histogram-gradient-boosting fixtures feed NaN)
  and in outputs.  Integers are JSON integers; strings are JSON strings.

  Expected outputs are onnxruntime's (CPUExecutionProvider, 1 thread).

* ``fixtures/OPERATORS.md``: every (domain, op_type, since-version) used by any
  exported model with the attributes seen and their values; the same list is
  printed at the end of the run.

Fixtures whose name starts with ``served_`` are byte-identical copies of the
served models so the served graphs have expected outputs too.
"""

import os

# Determinism: single-threaded native code, set before numpy/sklearn load.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import collections  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import sklearn  # noqa: E402
import skl2onnx  # noqa: E402
from onnx import AttributeProto, numpy_helper  # noqa: E402
from skl2onnx import convert_sklearn  # noqa: E402
from skl2onnx.common import tree_ensemble as _skl2onnx_tree_ensemble  # noqa: E402
from skl2onnx.common.data_types import (  # noqa: E402
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import load_diabetes, load_iris, load_linnerud  # noqa: E402
from diabetes_data import write_diabetes_data  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    AdaBoostClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import (  # noqa: E402
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from sklearn.naive_bayes import BernoulliNB, GaussianNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    Binarizer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)
from sklearn.svm import SVC, SVR, LinearSVC, OneClassSVM  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES_DIR = os.path.join(HERE, "fixtures")

SERVED_OPSET = {"": 17, "ai.onnx.ml": 3}
DEFAULT_OPSET = {"": 17, "ai.onnx.ml": 3}
OPSET_VARIANTS = {
    "opset9": {"": 9, "ai.onnx.ml": 1},
    "opset13": {"": 13, "ai.onnx.ml": 2},
    "opset21": {"": 21, "ai.onnx.ml": 3},
}

IRIS_LABELS = ["setosa", "versicolor", "virginica"]
# scikit-learn's feature names: config.json `feature_names` (TF Serving classify/regress).
IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
DIABETES_FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]

warnings.filterwarnings("ignore", category=ConvergenceWarning)


# --------------------------------------------------------------------------
# skl2onnx 1.20 + onnx 1.23 work-around: the HistGradientBoosting converter
# passes a Python bool (False, for leaves) in nodes_missing_value_tracks_true,
# which onnx.helper.make_attribute rejects.  Coerce it to int.
_orig_add_node = _skl2onnx_tree_ensemble.add_node


def _add_node_int_missing(*args, **kwargs):
    if "nodes_missing_value_tracks_true" in kwargs:
        kwargs["nodes_missing_value_tracks_true"] = int(
            kwargs["nodes_missing_value_tracks_true"]
        )
    return _orig_add_node(*args, **kwargs)


_skl2onnx_tree_ensemble.add_node = _add_node_int_missing


# --------------------------------------------------------------------------
# Data


def _perturbed(x, n, seed, scale=0.3):
    """n rows near random data rows (gaussian noise of scale * feature std)."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(x), size=n, replace=False)
    noise = rng.normal(size=(n, x.shape[1])) * (scale * x.std(axis=0))
    return x[idx] + noise


def load_data():
    iris = load_iris()
    ix = iris.data.astype(np.float64)
    iy = iris.target.astype(np.int64)
    # 30 data rows (every 5th: 10 of each species), 8 perturbed, 2 extremes.
    iris_rows = np.vstack(
        [
            ix[::5],
            _perturbed(ix, 8, seed=1),
            np.zeros((1, 4)),
            ix.max(axis=0, keepdims=True) * 1.5,
        ]
    )

    diabetes = load_diabetes()
    dx = diabetes.data.astype(np.float64)
    dy = diabetes.target.astype(np.float64)
    diabetes_rows = np.vstack(
        [
            dx[::15][:30],
            _perturbed(dx, 8, seed=2),
            np.zeros((1, 10)),
            dx.max(axis=0, keepdims=True) * 1.5,
        ]
    )

    linnerud = load_linnerud()
    lx = linnerud.data.astype(np.float64)
    ly = linnerud.target.astype(np.float64)
    linnerud_rows = np.vstack([lx, _perturbed(lx, 10, seed=3)])

    return dict(
        ix=ix, iy=iy, iris_rows=iris_rows,
        dx=dx, dy=dy, diabetes_rows=diabetes_rows,
        lx=lx, ly=ly, linnerud_rows=linnerud_rows,
    )


def with_nans(x, frac, seed):
    """Copy of x with about frac of the cells set to NaN (never a whole row)."""
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64, copy=True)
    mask = rng.random(x.shape) < frac
    mask[mask.all(axis=1), 0] = False
    x[mask] = np.nan
    return x


def iris_to_strings(x):
    """Bin each iris feature into 'low'/'mid'/'high' (tertiles of the data)."""
    edges = np.array([[4.9, 6.1], [2.8, 3.2], [2.0, 5.0], [0.6, 1.6]])
    out = np.empty(x.shape, dtype=object)
    for j in range(x.shape[1]):
        lo, hi = edges[j]
        out[:, j] = np.where(x[:, j] < lo, "low", np.where(x[:, j] < hi, "mid", "high"))
    return out


# --------------------------------------------------------------------------
# Conversion helpers

TENSOR_TYPES = {
    "float32": (FloatTensorType, np.float32),
    "float64": (DoubleTensorType, np.float64),
    "int64": (Int64TensorType, np.int64),
    "string": (StringTensorType, object),
}


def convert(model, name, n_features, input_dtype="float32", target_opset=None, options=None):
    tensor_type, _ = TENSOR_TYPES[input_dtype]
    onx = convert_sklearn(
        model,
        name=name,
        initial_types=[("input", tensor_type([None, n_features]))],
        target_opset=target_opset or DEFAULT_OPSET,
        options=options,
    )
    return normalize_model(onx)


def normalize_model(onx):
    """Make the serialized model stable and valid.

    skl2onnx 1.20 may list the same opset domain twice in opset_import; keep
    one entry per domain (highest version).  Metadata is pinned explicitly.
    """
    versions = collections.OrderedDict()
    for imp in onx.opset_import:
        versions[imp.domain] = max(versions.get(imp.domain, 0), imp.version)
    del onx.opset_import[:]
    for domain in sorted(versions):
        onx.opset_import.add(domain=domain, version=versions[domain])
    onx.producer_name = "skl2onnx"
    onx.producer_version = skl2onnx.__version__
    onx.doc_string = ""
    onx.graph.doc_string = ""
    onnx.checker.check_model(onx, full_check=True)
    return onx


def tensor_names(graph):
    names = set()
    for node in graph.node:
        names.update(node.input)
        names.update(node.output)
    for coll in (graph.input, graph.output, graph.value_info):
        names.update(v.name for v in coll)
    names.update(t.name for t in graph.initializer)
    return names


def _rename(graph, old, new):
    for node in graph.node:
        node.input[:] = [new if n == old else n for n in node.input]
        node.output[:] = [new if n == old else n for n in node.output]
    for coll in (graph.input, graph.output, graph.value_info, graph.initializer):
        for v in coll:
            if v.name == old:
                v.name = new


def rename_outputs(onx, mapping):
    """Rename graph outputs; an internal tensor already called `new` gets a suffix."""
    graph = onx.graph
    for old, new in mapping.items():
        if old == new:
            continue
        names = tensor_names(graph)
        if new in names:
            i = 1
            while f"{new}_{i}" in names:
                i += 1
            _rename(graph, new, f"{new}_{i}")
        _rename(graph, old, new)
    onnx.checker.check_model(onx, full_check=True)
    return onx


def tree_ensemble_as_tensor_double(onx, model):
    """Rewrite a skl2onnx float tree-ensemble model to take float64 input.

    skl2onnx 1.20 never emits the ai.onnx.ml v3 ``*_as_tensor`` attributes (its
    float64 tree export declares a float64 output for TreeEnsemble*, which the
    spec and onnxruntime reject).  This moves nodes_values / target_weights /
    class_weights / base_values into double ``*_as_tensor`` attributes holding
    scikit-learn's exact float64 thresholds and leaf values, and declares the
    graph input float64.  TreeEnsemble* outputs stay float32 (per the spec).
    """
    estimators = getattr(model, "estimators_", None)
    if estimators is None:
        estimators = [model]
    estimators = list(np.asarray(estimators, dtype=object).reshape(-1))
    n_est = len(estimators)
    graph = onx.graph
    input_name = graph.input[0].name
    users = [n for n in graph.node if input_name in n.input]
    assert len(users) == 1 and users[0].op_type.startswith("TreeEnsemble"), users
    node = users[0]
    attrs = {a.name: a for a in node.attribute}
    tree_ids = list(attrs["nodes_treeids"].ints)
    node_ids = list(attrs["nodes_nodeids"].ints)
    modes = [m.decode() for m in attrs["nodes_modes"].strings]
    thresholds = []
    for t, n, mode, f in zip(tree_ids, node_ids, modes, attrs["nodes_values"].floats):
        th = 0.0 if mode == "LEAF" else float(estimators[t].tree_.threshold[n])
        assert mode == "LEAF" or abs(np.float32(th) - f) <= 1e-6 * (1 + abs(f)), (th, f)
        thresholds.append(th)
    if node.op_type == "TreeEnsembleRegressor":
        wkey, ids, nodes, trees = "target_weights", "target_ids", "target_nodeids", "target_treeids"
    else:
        wkey, ids, nodes, trees = "class_weights", "class_ids", "class_nodeids", "class_treeids"
    weights = []
    for t, n, k, f in zip(attrs[trees].ints, attrs[nodes].ints, attrs[ids].ints,
                          attrs[wkey].floats):
        w = float(estimators[t].tree_.value[n, 0, k]) / n_est
        assert abs(np.float32(w) - f) <= 1e-6 * (1 + abs(f)), (w, f)
        weights.append(w)
    new_attrs = []
    for a in node.attribute:
        if a.name == "nodes_values":
            a = onnx.helper.make_attribute(
                "nodes_values_as_tensor", numpy_helper.from_array(np.array(thresholds, dtype=np.float64)))
        elif a.name == wkey:
            a = onnx.helper.make_attribute(
                wkey + "_as_tensor", numpy_helper.from_array(np.array(weights, dtype=np.float64)))
        elif a.name == "base_values":
            a = onnx.helper.make_attribute(
                "base_values_as_tensor", numpy_helper.from_array(np.array(a.floats, dtype=np.float64)))
        new_attrs.append(a)
    del node.attribute[:]
    node.attribute.extend(sorted(new_attrs, key=lambda a: a.name))
    graph.input[0].type.tensor_type.elem_type = onnx.TensorProto.DOUBLE
    versions = {imp.domain: imp.version for imp in onx.opset_import}
    versions["ai.onnx.ml"] = max(3, versions.get("ai.onnx.ml", 3))
    del onx.opset_import[:]
    for domain in sorted(versions):
        onx.opset_import.add(domain=domain, version=versions[domain])
    onnx.checker.check_model(onx, full_check=True)
    return onx


def pin_opset(onx, target):
    """Declare the target opsets (not just the minimum skl2onnx needs).

    skl2onnx declares the lowest opset its nodes need, so "target 21" usually
    yields the same file as "target 9".  The opset variants declare the target
    version of each domain the graph uses, so the same node forms are read
    under newer schemas.  Kept only if the onnx checker (full check) and
    onnxruntime accept it; otherwise the model keeps skl2onnx's declaration.
    """
    before = {imp.domain: imp.version for imp in onx.opset_import}
    after = {d: max(v, target.get(d, v)) for d, v in before.items()}
    if after == before:
        return onx, None
    pinned = onnx.ModelProto()
    pinned.CopyFrom(onx)
    del pinned.opset_import[:]
    for domain in sorted(after):
        pinned.opset_import.add(domain=domain, version=after[domain])
    try:
        onnx.checker.check_model(pinned, full_check=True)
        ort.InferenceSession(pinned.SerializeToString(), providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - report and keep skl2onnx's opsets
        return onx, f"kept opsets {before} ({type(exc).__name__}: {str(exc).splitlines()[0][:140]})"
    return pinned, None


def run_ort(onx_bytes, input_name, x):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(onx_bytes, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    values = sess.run(None, {input_name: x})
    return list(zip(names, values))


def typed_rows(rows, input_dtype):
    _, np_dtype = TENSOR_TYPES[input_dtype]
    if input_dtype == "string":
        return np.asarray(rows, dtype=object)
    return np.asarray(rows).astype(np_dtype)


# --------------------------------------------------------------------------
# JSON encoding


def enc_float(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def enc_scalar(v):
    if isinstance(v, (str, bytes)):
        return v.decode() if isinstance(v, bytes) else v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return enc_float(v)


NP_DTYPE_NAMES = {
    np.dtype(np.float32): "float32",
    np.dtype(np.float64): "float64",
    np.dtype(np.int64): "int64",
    np.dtype(np.int32): "int32",
    np.dtype(np.bool_): "bool",
}


def encode_output(value):
    if isinstance(value, list):  # ZipMap: list of dicts
        labels = list(value[0].keys())
        for row in value:
            assert list(row.keys()) == labels
        key_dtype = "string" if isinstance(labels[0], str) else "int64"
        return {
            "kind": "zipmap",
            "key_dtype": key_dtype,
            "labels": [enc_scalar(k) for k in labels],
            "probabilities": [[enc_float(row[k]) for k in labels] for row in value],
        }
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind in "US":
        dtype = "string"
        data = [str(v) for v in arr.reshape(-1)]
    else:
        dtype = NP_DTYPE_NAMES[arr.dtype]
        data = [enc_scalar(v) for v in arr.reshape(-1).tolist()]
    return {"kind": "tensor", "dtype": dtype, "shape": list(arr.shape), "data": data}


def dump_json(obj, indent=0):
    """Readable, deterministic JSON: lists of scalars stay on one line."""
    pad = "  " * indent
    pad1 = "  " * (indent + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [
            pad1 + json.dumps(k) + ": " + dump_json(v, indent + 1) for k, v in obj.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (list, dict)) for v in obj):
            return json.dumps(obj, allow_nan=False, ensure_ascii=False)
        items = [pad1 + dump_json(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------
# Registry of everything exported, for OPERATORS.md

EXPORTED = collections.OrderedDict()  # label -> ModelProto
FIXTURE_SUMMARY = []  # (name, input dtype, n rows, opset, outputs summary, note)
CHECK_NOTES = []


def check_against_sklearn(name, model, x, outputs, expect):
    """Compare onnxruntime with scikit-learn; differences are only reported."""
    if expect is None:
        return
    kind, ref = expect(model, x)
    got = outputs[0][1] if kind == "label" else None
    if kind == "label":
        mismatches = int(np.sum(np.asarray(got).reshape(-1) != np.asarray(ref).reshape(-1)))
        if mismatches:
            CHECK_NOTES.append(f"{name}: {mismatches} label(s) differ from scikit-learn")
    elif kind == "value":
        got = np.asarray(outputs[0][1], dtype=np.float64).reshape(np.asarray(ref).shape)
        err = float(np.max(np.abs(got - ref) / (1.0 + np.abs(ref))))
        if err > 1e-4:
            CHECK_NOTES.append(f"{name}: max relative difference {err:.3g} from scikit-learn")


def label_check(model, x):
    return "label", model.predict(x)


def value_check(model, x):
    return "value", np.asarray(model.predict(x), dtype=np.float64)


def make_fixture(
    name, model, rows, description, input_dtype="float32", target_opset=None,
    options=None, expect=None, onx=None, pin=False,
):
    x = typed_rows(rows, input_dtype)
    if onx is None:
        onx = convert(model, name, x.shape[1], input_dtype, target_opset, options)
    if pin:
        onx, note = pin_opset(onx, target_opset)
        if note:
            CHECK_NOTES.append(f"{name}: {note}")
    data = onx.SerializeToString()
    outputs = run_ort(data, "input", x)
    check_against_sklearn(name, model, x if input_dtype != "float32" else x.astype(np.float64), outputs, expect)

    doc = collections.OrderedDict()
    doc["model"] = name + ".onnx"
    doc["description"] = description
    doc["opset"] = {imp.domain: imp.version for imp in onx.opset_import}
    doc["input_name"] = "input"
    doc["input_dtype"] = input_dtype
    doc["input_shape"] = [None, x.shape[1]]
    if input_dtype == "string":
        doc["inputs"] = [[str(v) for v in row] for row in x]
    else:
        doc["inputs"] = [[enc_scalar(v) for v in row.tolist()] for row in x]
    doc["outputs"] = collections.OrderedDict(
        (out_name, encode_output(value)) for out_name, value in outputs
    )
    write_bytes(os.path.join(FIXTURES_DIR, name + ".onnx"), data)
    write_text(os.path.join(FIXTURES_DIR, name + ".json"), dump_json(doc) + "\n")
    EXPORTED["fixtures/" + name] = onx

    summary = []
    for out_name, enc in doc["outputs"].items():
        if enc["kind"] == "zipmap":
            summary.append(f"{out_name}: zipmap<{enc['key_dtype']}> labels={enc['labels']}")
        else:
            summary.append(f"{out_name}: {enc['dtype']}{enc['shape']}")
    FIXTURE_SUMMARY.append((name, input_dtype, len(rows), doc["opset"], summary, margin(outputs)))
    return onx


def margin(outputs):
    """Smallest gap between the two largest class scores over rows (or None)."""
    gaps = []
    for _, value in outputs:
        if isinstance(value, list):
            m = np.array([list(r.values()) for r in value], dtype=np.float64)
        else:
            continue
        if m.shape[1] < 2:
            continue
        s = np.sort(m, axis=1)
        gaps.append(float(np.min(s[:, -1] - s[:, -2])))
    return min(gaps) if gaps else None


# --------------------------------------------------------------------------
# Served models


def svc_pipeline():
    return Pipeline(
        [
            ("scaler", StandardScaler()),
            ("svc", SVC(kernel="rbf", probability=True, random_state=0)),
        ]
    )


def build_served(d):
    served = []

    iris = svc_pipeline().fit(d["ix"], d["iy"])
    served.append(("iris", iris, 4, {"labels": IRIS_LABELS, "feature_names": IRIS_FEATURES}, d["iris_rows"]))

    for k, species in enumerate(IRIS_LABELS):
        m = svc_pipeline().fit(d["ix"], (d["iy"] == k).astype(np.int64))
        served.append(
            (f"iris-{species}", m, 4, {"labels": [f"not-{species}", species], "feature_names": IRIS_FEATURES},
             d["iris_rows"])
        )

    diabetes = Pipeline([("scaler", StandardScaler()), ("ridge", Ridge(alpha=1.0))])
    diabetes.fit(d["dx"], d["dy"])
    served.append(
        (
            "diabetes",
            diabetes,
            10,
            {
                "description": "Ridge regression (StandardScaler + Ridge alpha=1) on the "
                "scikit-learn diabetes data set. Input: 10 float features "
                "(age, sex, bmi, bp, s1..s6), mean-centred and scaled as in "
                "sklearn.datasets.load_diabetes. Output `variable` [N, 1]: "
                "disease progression one year after baseline.",
                "feature_names": DIABETES_FEATURES,
            },
            d["diabetes_rows"],
        )
    )

    for name, model, n_features, config, rows in served:
        onx = convert(model, name, n_features, "float32", SERVED_OPSET)
        # Served contract: outputs `label` + `probabilities` (classifiers), `variable`.
        rename_outputs(onx, {"output_label": "label", "output_probability": "probabilities"})
        assert [o.name for o in onx.graph.output] in (["label", "probabilities"], ["variable"])
        data = onx.SerializeToString()
        write_bytes(os.path.join(HERE, name, "1", "model.onnx"), data)
        write_text(
            os.path.join(HERE, name, "config.json"),
            json.dumps(config, indent=2, ensure_ascii=False) + "\n",
        )
        EXPORTED[name] = onx
        expect = value_check if name == "diabetes" else label_check
        fixture_name = "served_" + name.replace("-", "_")
        make_fixture(
            fixture_name, model, rows,
            f"byte-identical copy of the served model {name}/1/model.onnx",
            onx=onx, expect=expect,
        )
    return iris


# --------------------------------------------------------------------------
# Fixtures


def build_fixtures(d, iris_served):
    ix, iy, iris_rows = d["ix"], d["iy"], d["iris_rows"]
    dx, dy, diabetes_rows = d["dx"], d["dy"], d["diabetes_rows"]
    iy_bin = (iy == 2).astype(np.int64)  # virginica vs rest: not linearly trivial
    iy_str = np.array(IRIS_LABELS, dtype=object)[iy]
    iy_bin_str = np.where(iy == 2, "yes", "no").astype(object)

    def fx(name, model, x, y, rows, description, **kw):
        if model is not None and y is not None:
            model.fit(x, y)
        elif model is not None:
            model.fit(x)
        return make_fixture(name, model, rows, description, **kw)

    def scaled(est):
        return Pipeline([("scaler", StandardScaler()), ("est", est)])

    L, V = label_check, value_check

    # ---- linear models ---------------------------------------------------
    fx("logreg_multiclass", LogisticRegression(max_iter=1000), ix, iy, iris_rows,
       "LogisticRegression (multinomial) on iris", expect=L)
    fx("logreg_binary", LogisticRegression(max_iter=1000), ix, iy_bin, iris_rows,
       "LogisticRegression on iris, virginica vs rest", expect=L)
    # skl2onnx emits no ZipMap for LinearSVC (decision scores in a tensor); inside a
    # Pipeline it must be told so explicitly (an explicit per-step option).
    lsvc = LinearSVC(random_state=0, max_iter=10000)
    fx("linear_svc", scaled(lsvc), ix, iy, iris_rows,
       "StandardScaler + LinearSVC (one-vs-rest decision scores, no ZipMap)",
       options={id(lsvc): {"nocl": False}}, expect=L)
    fx("linear_regression", LinearRegression(), dx, dy, diabetes_rows,
       "LinearRegression on diabetes", expect=V)
    fx("ridge", Ridge(alpha=0.5), dx, dy, diabetes_rows, "Ridge(alpha=0.5) on diabetes",
       expect=V)
    fx("linear_regression_multioutput", LinearRegression(), d["lx"], d["ly"],
       d["linnerud_rows"], "LinearRegression with 3 targets on linnerud", expect=V)

    # ---- SVMs ------------------------------------------------------------
    fx("svc_linear", SVC(kernel="linear", probability=True, random_state=0), ix, iy,
       iris_rows, "SVC linear kernel, probability=True, iris", expect=L)
    fx("svc_poly", scaled(SVC(kernel="poly", degree=3, coef0=1.0, probability=True,
                              random_state=0)), ix, iy, iris_rows,
       "StandardScaler + SVC poly kernel (degree 3, coef0 1), probability=True", expect=L)
    fx("svc_sigmoid", scaled(SVC(kernel="sigmoid", gamma=0.1, coef0=0.0, probability=True,
                                 random_state=0)), ix, iy, iris_rows,
       "StandardScaler + SVC sigmoid kernel, probability=True", expect=L)
    fx("svc_rbf", scaled(SVC(kernel="rbf", probability=True, random_state=0)), ix, iy,
       iris_rows, "StandardScaler + SVC rbf kernel, probability=True", expect=L)
    fx("svc_rbf_binary", scaled(SVC(kernel="rbf", probability=True, random_state=0)), ix,
       iy_bin, iris_rows, "StandardScaler + SVC rbf, probability=True, binary", expect=L)
    fx("svc_rbf_noprob", scaled(SVC(kernel="rbf", probability=False)), ix, iy, iris_rows,
       "StandardScaler + SVC rbf, probability=False (decision-function scores)", expect=L)
    fx("svc_rbf_noprob_binary", scaled(SVC(kernel="rbf", probability=False)), ix, iy_bin,
       iris_rows, "StandardScaler + SVC rbf, probability=False, binary", expect=L)
    make_fixture("iris_svc_nozipmap", iris_served, iris_rows,
                 "the served iris model (StandardScaler + SVC rbf) without ZipMap",
                 target_opset=SERVED_OPSET,
                 options={id(iris_served.steps[-1][1]): {"zipmap": False}}, expect=L)
    fx("one_class_svm", scaled(OneClassSVM(nu=0.1, gamma="scale")), ix, None, iris_rows,
       "StandardScaler + OneClassSVM(nu=0.1): label +1/-1 and scores", expect=L)
    fx("svr", scaled(SVR(kernel="rbf", C=100.0, epsilon=5.0)), dx, dy, diabetes_rows,
       "StandardScaler + SVR rbf (C=100) on diabetes", expect=V)
    fx("svr_linear", SVR(kernel="linear", C=1000.0), dx, dy, diabetes_rows,
       "SVR linear kernel (C=1000) on diabetes", expect=V)

    # ---- trees -----------------------------------------------------------
    rf_c = RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0)
    fx("random_forest_classifier", rf_c, ix, iy, iris_rows,
       "RandomForestClassifier(50 trees, depth<=8) on iris", expect=L)
    make_fixture("random_forest_nozipmap", rf_c, iris_rows,
                 "random_forest_classifier without ZipMap", options={id(rf_c): {"zipmap": False}},
                 expect=L)
    fx("random_forest_regressor",
       RandomForestRegressor(n_estimators=50, max_depth=6, random_state=0), dx, dy,
       diabetes_rows, "RandomForestRegressor(50 trees, depth<=6) on diabetes", expect=V)
    fx("decision_tree_classifier", DecisionTreeClassifier(max_depth=5, random_state=0), ix,
       iy, iris_rows, "DecisionTreeClassifier(depth<=5) on iris", expect=L)
    fx("decision_tree_regressor", DecisionTreeRegressor(max_depth=6, random_state=0), dx, dy,
       diabetes_rows, "DecisionTreeRegressor(depth<=6) on diabetes", expect=V)
    fx("extra_trees_classifier",
       ExtraTreesClassifier(n_estimators=30, max_depth=8, random_state=0), ix, iy,
       iris_rows, "ExtraTreesClassifier(30 trees, depth<=8) on iris", expect=L)
    fx("extra_trees_regressor",
       ExtraTreesRegressor(n_estimators=30, max_depth=6, random_state=0), dx, dy,
       diabetes_rows, "ExtraTreesRegressor(30 trees, depth<=6) on diabetes", expect=V)
    fx("gradient_boosting_classifier",
       GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0), ix, iy,
       iris_rows, "GradientBoostingClassifier(30 rounds) multiclass on iris", expect=L)
    fx("gradient_boosting_classifier_binary",
       GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0), ix,
       iy_bin, iris_rows, "GradientBoostingClassifier(30 rounds) binary on iris", expect=L)
    fx("gradient_boosting_regressor",
       GradientBoostingRegressor(n_estimators=50, max_depth=3, random_state=0), dx, dy,
       diabetes_rows, "GradientBoostingRegressor(50 rounds) on diabetes", expect=V)
    ix_nan = with_nans(ix, 0.1, seed=10)
    iris_rows_nan = with_nans(iris_rows, 0.15, seed=11)
    fx("hist_gradient_boosting_classifier",
       HistGradientBoostingClassifier(max_iter=20, max_depth=4, random_state=0), ix_nan, iy,
       iris_rows_nan, "HistGradientBoostingClassifier trained and evaluated with NaNs "
       "(missing-value tracks)", expect=L)
    dx_nan = with_nans(dx, 0.1, seed=12)
    diabetes_rows_nan = with_nans(diabetes_rows, 0.15, seed=13)
    fx("hist_gradient_boosting_regressor",
       HistGradientBoostingRegressor(max_iter=30, max_depth=4, random_state=0), dx_nan, dy,
       diabetes_rows_nan, "HistGradientBoostingRegressor trained and evaluated with NaNs",
       expect=V)

    # ---- neural networks -------------------------------------------------
    fx("mlp_classifier", scaled(MLPClassifier(hidden_layer_sizes=(8,), max_iter=300,
                                              random_state=0)), ix, iy, iris_rows,
       "StandardScaler + MLPClassifier(8 relu units) on iris", expect=L)
    fx("mlp_classifier_binary",
       scaled(MLPClassifier(hidden_layer_sizes=(6,), activation="tanh", max_iter=300,
                            random_state=0)), ix, iy_bin, iris_rows,
       "StandardScaler + MLPClassifier(6 tanh units), binary (logistic output)", expect=L)
    fx("mlp_regressor", scaled(MLPRegressor(hidden_layer_sizes=(16, 8), max_iter=300,
                                            learning_rate_init=0.01, random_state=0)),
       dx, dy, diabetes_rows, "StandardScaler + MLPRegressor(16, 8) on diabetes", expect=V)

    # ---- preprocessing pipelines ----------------------------------------
    fx("imputer_pipeline",
       Pipeline([("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler()),
                 ("norm", Normalizer(norm="l2")), ("clf", LogisticRegression(max_iter=1000))]),
       ix_nan, iy, iris_rows_nan,
       "SimpleImputer(mean) + StandardScaler + Normalizer(l2) + LogisticRegression; "
       "NaN inputs", expect=L)
    fx("minmax_binarizer_logreg",
       Pipeline([("minmax", MinMaxScaler()), ("bin", Binarizer(threshold=0.5)),
                 ("clf", LogisticRegression(max_iter=1000))]),
       ix, iy, iris_rows, "MinMaxScaler + Binarizer(0.5) + LogisticRegression", expect=L)
    fx("robust_maxabs_ridge",
       Pipeline([("robust", RobustScaler()), ("maxabs", MaxAbsScaler()),
                 ("ridge", Ridge(alpha=1.0))]),
       dx, dy, diabetes_rows, "RobustScaler + MaxAbsScaler + Ridge on diabetes", expect=V)
    fx("normalizer_l1_logreg",
       Pipeline([("norm", Normalizer(norm="l1")), ("clf", LogisticRegression(max_iter=1000))]),
       ix, iy, iris_rows, "Normalizer(l1) + LogisticRegression", expect=L)
    lsvc_bin = LinearSVC(random_state=0, max_iter=10000)
    fx("normalizer_max_linear_svc_binary",
       Pipeline([("norm", Normalizer(norm="max")), ("clf", lsvc_bin)]),
       ix, iy_bin, iris_rows, "Normalizer(max) + LinearSVC, binary (no ZipMap)",
       options={id(lsvc_bin): {"nocl": False}}, expect=L)
    fx("pca_logreg",
       Pipeline([("pca", PCA(n_components=2, random_state=0)),
                 ("clf", LogisticRegression(max_iter=1000))]),
       ix, iy, iris_rows, "PCA(2) + LogisticRegression", expect=L)

    # ---- string class labels ---------------------------------------------
    fx("logreg_string_labels", LogisticRegression(max_iter=1000), ix, iy_str, iris_rows,
       "LogisticRegression with string class labels (species names)", expect=L)
    fx("logreg_binary_string_labels", LogisticRegression(max_iter=1000), ix, iy_bin_str,
       iris_rows, "LogisticRegression binary with string labels no/yes", expect=L)
    fx("svc_string_labels", scaled(SVC(probability=True, random_state=0)), ix, iy_str,
       iris_rows, "StandardScaler + SVC rbf with string class labels", expect=L)
    fx("decision_tree_string_labels", DecisionTreeClassifier(max_depth=4, random_state=0),
       ix, iy_str, iris_rows, "DecisionTreeClassifier with string class labels", expect=L)

    # ---- other input dtypes ----------------------------------------------
    fx("linear_regression_double", LinearRegression(), dx, dy, diabetes_rows,
       "LinearRegression with float64 input", input_dtype="float64", expect=V)
    # ZipMap only accepts float tensors, so the double classifier has no ZipMap.
    lr64 = LogisticRegression(max_iter=1000)
    fx("logreg_multiclass_double", lr64, ix, iy, iris_rows,
       "LogisticRegression with float64 input (no ZipMap: ZipMap takes float only)",
       input_dtype="float64", options={id(lr64): {"zipmap": False}}, expect=L)
    rf64 = RandomForestRegressor(n_estimators=20, max_depth=5, random_state=0).fit(dx, dy)
    make_fixture(
        "random_forest_regressor_double", rf64, diabetes_rows,
        "RandomForestRegressor, float64 input, TreeEnsembleRegressor with double "
        "*_as_tensor attributes (ai.onnx.ml 3); output stays float32",
        input_dtype="float64", expect=V,
        onx=tree_ensemble_as_tensor_double(
            convert(rf64, "random_forest_regressor_double", 10), rf64))
    rfc64 = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0).fit(ix, iy)
    make_fixture(
        "random_forest_classifier_double", rfc64, iris_rows,
        "RandomForestClassifier, float64 input, TreeEnsembleClassifier with double "
        "*_as_tensor attributes (ai.onnx.ml 3), ZipMap",
        input_dtype="float64", expect=L,
        onx=tree_ensemble_as_tensor_double(
            convert(rfc64, "random_forest_classifier_double", 4), rfc64))
    ix_mm = np.rint(ix * 10).astype(np.int64)  # millimetres
    rows_mm = np.rint(iris_rows * 10).astype(np.int64)
    fx("decision_tree_int64", DecisionTreeClassifier(max_depth=5, random_state=0), ix_mm, iy,
       rows_mm, "DecisionTreeClassifier on iris in integer millimetres (int64 input)",
       input_dtype="int64", expect=L)
    ix_bins = np.clip((ix_mm - ix_mm.min(axis=0)) // 5, 0, 6).astype(np.int64)
    rows_bins = np.clip((rows_mm - ix_mm.min(axis=0)) // 5, 0, 6).astype(np.int64)
    fx("onehot_logreg_int64",
       Pipeline([("onehot", OneHotEncoder(handle_unknown="ignore")),
                 ("clf", LogisticRegression(max_iter=1000))]),
       ix_bins, iy, rows_bins, "OneHotEncoder(int64 categories) + LogisticRegression",
       input_dtype="int64", expect=L)
    fx("onehot_logreg_string",
       Pipeline([("onehot", OneHotEncoder(handle_unknown="ignore")),
                 ("clf", LogisticRegression(max_iter=1000))]),
       iris_to_strings(ix), iy, iris_to_strings(iris_rows),
       "OneHotEncoder(string categories low/mid/high) + LogisticRegression",
       input_dtype="string", expect=L)

    # ---- other estimators, mostly for operator coverage -------------------
    fx("gaussian_nb", GaussianNB(), ix, iy, iris_rows, "GaussianNB on iris", expect=L)
    fx("kneighbors_classifier", KNeighborsClassifier(n_neighbors=5), ix, iy, iris_rows,
       "KNeighborsClassifier(k=5) on iris", expect=L)
    fx("kmeans", KMeans(n_clusters=3, n_init=4, random_state=0), ix, None, iris_rows,
       "KMeans(3) on iris: label and distances", expect=L)
    # (KNeighborsClassifier(weights="distance") is left out: skl2onnx 1.20's graph
    # returns the uniform-vote probabilities, i.e. it does not match scikit-learn.)
    fx("bernoulli_nb", BernoulliNB(binarize=3.0), ix, iy, iris_rows,
       "BernoulliNB(binarize=3) on iris", expect=L)
    fx("adaboost_classifier",
       AdaBoostClassifier(n_estimators=10, random_state=0), ix, iy, iris_rows,
       "AdaBoostClassifier(10 stumps) on iris", expect=L)
    fx("isolation_forest",
       IsolationForest(n_estimators=10, max_samples=64, random_state=0), ix, None,
       iris_rows, "IsolationForest(10 trees) on iris: label +1/-1 and scores",
       target_opset={"": 17, "ai.onnx.ml": 3}, expect=L)
    fx("ordinal_encoder_string",
       Pipeline([("ordinal", OrdinalEncoder()), ("clf", LogisticRegression(max_iter=1000))]),
       iris_to_strings(ix), iy, iris_to_strings(iris_rows),
       "OrdinalEncoder(strings -> LabelEncoder) + LogisticRegression",
       input_dtype="string", expect=L)

    # ---- opset variants --------------------------------------------------
    variants = [
        ("logreg_multiclass", lambda: LogisticRegression(max_iter=1000), ix, iy, iris_rows, L),
        ("logreg_binary", lambda: LogisticRegression(max_iter=1000), ix, iy_bin, iris_rows, L),
        ("svc_rbf", lambda: scaled(SVC(probability=True, random_state=0)), ix, iy, iris_rows, L),
        ("random_forest_classifier",
         lambda: RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0),
         ix, iy, iris_rows, L),
        ("gradient_boosting_regressor",
         lambda: GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0),
         dx, dy, diabetes_rows, V),
        ("mlp_classifier",
         lambda: scaled(MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0)),
         ix, iy, iris_rows, L),
        ("imputer_pipeline",
         lambda: Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler()),
                           ("norm", Normalizer()), ("clf", LogisticRegression(max_iter=1000))]),
         ix_nan, iy, iris_rows_nan, L),
        ("gaussian_nb", lambda: GaussianNB(), ix, iy, iris_rows, L),
        ("kneighbors_classifier", lambda: KNeighborsClassifier(n_neighbors=5), ix, iy,
         iris_rows, L),
        ("kmeans", lambda: KMeans(n_clusters=3, n_init=4, random_state=0), ix, None,
         iris_rows, L),
        ("ordinal_encoder_string",
         lambda: Pipeline([("ordinal", OrdinalEncoder()),
                           ("clf", LogisticRegression(max_iter=1000))]),
         iris_to_strings(ix), iy, iris_to_strings(iris_rows), L, "string"),
    ]
    for variant in variants:
        base, factory, x, y, rows, expect = variant[:6]
        dtype = variant[6] if len(variant) > 6 else "float32"
        for suffix, opset in OPSET_VARIANTS.items():
            name = f"{base}_{suffix}"
            try:
                fx(name, factory(), x, y, rows,
                   f"{base} exported with target_opset {opset}; opset_import pinned "
                   "to the target where the checker and onnxruntime accept it",
                   input_dtype=dtype, target_opset=opset, expect=expect, pin=True)
            except Exception as exc:  # converter refuses this opset
                msg = str(exc).splitlines()[0][:160]
                CHECK_NOTES.append(f"{name}: not exported ({type(exc).__name__}: {msg})")
                for ext in (".onnx", ".json"):
                    path = os.path.join(FIXTURES_DIR, name + ext)
                    if os.path.exists(path):
                        os.remove(path)


# --------------------------------------------------------------------------
# Operator inventory

ATTR_TYPE_NAMES = {
    AttributeProto.FLOAT: "float",
    AttributeProto.INT: "int",
    AttributeProto.STRING: "string",
    AttributeProto.TENSOR: "tensor",
    AttributeProto.FLOATS: "floats",
    AttributeProto.INTS: "ints",
    AttributeProto.STRINGS: "strings",
    AttributeProto.GRAPH: "graph",
    AttributeProto.GRAPHS: "graphs",
}

# Attributes whose values are data (labels, weights, node ids ...), not enums.
DATA_STRING_ATTRS = {"classlabels_strings", "keys_strings", "values_strings", "cats_strings"}
ENUM_INT_LIMIT = 8


def attr_value(attr):
    if attr.type == AttributeProto.STRING:
        return [attr.s.decode()]
    if attr.type == AttributeProto.STRINGS:
        return [s.decode() for s in attr.strings]
    if attr.type == AttributeProto.INT:
        return [attr.i]
    if attr.type == AttributeProto.INTS:
        return list(attr.ints)
    if attr.type == AttributeProto.FLOAT:
        return [attr.f]
    if attr.type == AttributeProto.FLOATS:
        return list(attr.floats)
    if attr.type == AttributeProto.TENSOR:
        return [onnx.helper.tensor_dtype_to_np_dtype(attr.t.data_type).name]
    return []


def iter_nodes(graph):
    """All nodes of a graph, including those of subgraphs (Scan bodies...)."""
    for node in graph.node:
        yield node
        for attr in node.attribute:
            if attr.type == AttributeProto.GRAPH:
                yield from iter_nodes(attr.g)
            elif attr.type == AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from iter_nodes(g)


def collect_operators():
    ops = collections.OrderedDict()
    for label, onx in EXPORTED.items():
        opsets = {imp.domain: imp.version for imp in onx.opset_import}
        for node in iter_nodes(onx.graph):
            domain = node.domain or ""
            version = opsets.get(domain, opsets.get("ai.onnx"))
            schema = onnx.defs.get_schema(node.op_type, version, domain)
            key = (domain or "ai.onnx", node.op_type, schema.since_version)
            entry = ops.setdefault(
                key,
                {"imports": set(), "attrs": collections.OrderedDict(), "models": []},
            )
            entry["imports"].add(version)
            if label not in entry["models"]:
                entry["models"].append(label)
            for attr in node.attribute:
                a = entry["attrs"].setdefault(
                    attr.name, {"type": ATTR_TYPE_NAMES.get(attr.type, str(attr.type)),
                                "values": set(), "lengths": set()}
                )
                vals = attr_value(attr)
                if attr.type in (AttributeProto.STRING, AttributeProto.STRINGS,
                                 AttributeProto.INT, AttributeProto.INTS,
                                 AttributeProto.TENSOR):
                    a["values"].update(vals)
                if attr.type in (AttributeProto.INTS, AttributeProto.FLOATS,
                                 AttributeProto.STRINGS):
                    a["lengths"].add(len(vals))
    return collections.OrderedDict(sorted(ops.items()))


def describe_attr(name, a):
    t = a["type"]
    vals = sorted(a["values"], key=lambda v: (str(type(v)), v))
    if t in ("string", "strings") and name not in DATA_STRING_ATTRS:
        return f"{name} ({t}): " + ", ".join(vals)
    if t in ("string", "strings"):
        return f"{name} ({t}): {len(vals)} distinct, e.g. " + ", ".join(vals[:6])
    if t == "tensor":
        return f"{name} (tensor): dtype " + ", ".join(vals)
    if t in ("int", "ints") and len(vals) <= ENUM_INT_LIMIT:
        return f"{name} ({t}): " + ", ".join(str(v) for v in vals)
    if t in ("int", "ints"):
        return f"{name} ({t}): {len(vals)} distinct values in [{vals[0]}, {vals[-1]}]"
    return f"{name} ({t})"


def write_operators(ops):
    lines = [
        "# Operators used by the exported models",
        "",
        "Generated by `models/train.py` (do not edit). Every node of every served model",
        "(`models/<name>/1/model.onnx`) and fixture (`models/fixtures/*.onnx`) is listed",
        "by (domain, op_type, since-version of the schema selected by the model's",
        "opset_import). Attribute values are listed for ints and enum-like strings;",
        "float attributes and data-valued lists only by type.",
        "",
        f"scikit-learn {sklearn.__version__}, skl2onnx {skl2onnx.__version__}, "
        f"onnx {onnx.__version__}, onnxruntime {ort.__version__}.",
        "",
        "| domain | op_type | since | opset imports | attributes (values seen) | used by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for (domain, op, since), e in ops.items():
        attrs = "<br>".join(describe_attr(n, a) for n, a in sorted(e["attrs"].items())) or "-"
        models = e["models"]
        used = ", ".join(m.replace("fixtures/", "") for m in models[:8])
        if len(models) > 8:
            used += f", ... ({len(models)} models)"
        lines.append(
            f"| {domain} | {op} | {since} | {', '.join(str(v) for v in sorted(e['imports']))} "
            f"| {attrs} | {used} |"
        )
    lines += ["", "## Operators per model", "",
              "| model | opset_import | operators |", "| --- | --- | --- |"]
    for label, onx in EXPORTED.items():
        opsets = ", ".join(f"{imp.domain or 'ai.onnx'}={imp.version}" for imp in onx.opset_import)
        seen = []
        for node in iter_nodes(onx.graph):
            op = (f"{node.domain}." if node.domain else "") + node.op_type
            if op not in seen:
                seen.append(op)
        lines.append(f"| {label} | {opsets} | {', '.join(seen)} |")
    write_text(os.path.join(FIXTURES_DIR, "OPERATORS.md"), "\n".join(lines) + "\n")


# --------------------------------------------------------------------------


def main():
    np.random.seed(0)
    if os.path.isdir(FIXTURES_DIR):
        shutil.rmtree(FIXTURES_DIR)
    os.makedirs(FIXTURES_DIR)
    d = load_data()
    iris_served = build_served(d)
    write_diabetes_data()
    build_fixtures(d, iris_served)
    ops = collect_operators()
    write_operators(ops)

    print(f"{len(FIXTURE_SUMMARY)} fixtures:")
    for name, dtype, n, opset, summary, gap in FIXTURE_SUMMARY:
        gap_s = "" if gap is None else f" min-top2-gap={gap:.3g}"
        print(f"  {name} [{dtype} x{n}] opset={opset}{gap_s}")
        for s in summary:
            print(f"      {s}")
    print()
    print("Operators (domain, op_type, since, attributes):")
    for (domain, op, since), e in ops.items():
        print(f"  {domain} {op} since {since} (imports {sorted(e['imports'])})")
        for n, a in sorted(e["attrs"].items()):
            print(f"      {describe_attr(n, a)}")
    if CHECK_NOTES:
        print()
        print("Notes:")
        for note in CHECK_NOTES:
            print("  " + note)
    digest = hashlib.sha256()
    for root, _, files in sorted(os.walk(HERE)):
        for f in sorted(files):
            if f.endswith((".onnx", ".json", ".md")):
                p = os.path.join(root, f)
                digest.update(os.path.relpath(p, HERE).encode())
                with open(p, "rb") as fh:
                    digest.update(fh.read())
    print()
    print("content digest:", digest.hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
