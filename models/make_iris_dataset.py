"""Writes models/iris_dataset.json: the 150 rows of scikit-learn's
iris data set with their species (0 setosa, 1 versicolor, 2 virginica), for
tests that need the whole data set (e.g. the fan-out iris-ovr agreement test).

    python3 models/make_iris_dataset.py
"""
import json
import pathlib

from sklearn.datasets import load_iris

iris = load_iris()
out = pathlib.Path(__file__).parent / "iris_dataset.json"
doc = {
    "description": "scikit-learn load_iris(): 150 rows of 4 features, target 0 setosa, 1 versicolor, 2 virginica",
    "feature_names": list(iris.feature_names),
    "target_names": [str(n) for n in iris.target_names],
    "data": [[float(v) for v in row] for row in iris.data],
    "target": [int(t) for t in iris.target],
}
out.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
print(f"wrote {out}: {len(doc['data'])} rows")
