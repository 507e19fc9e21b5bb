"""Writes models/diabetes/data.csv: scikit-learn's bundled diabetes data set
(no download), the ten feature columns as the diabetes model takes them
(mean-centred and scaled, as load_diabetes returns them) and `target`.
`swerve stream features` samples its rows. train.py calls this; it also runs
on its own (only scikit-learn and numpy needed)."""
import csv
import os

from sklearn.datasets import load_diabetes

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "diabetes", "data.csv")


def write_diabetes_data(path=PATH):
    data = load_diabetes()
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(list(data.feature_names) + ["target"])
        for row, target in zip(data.data, data.target):
            # repr: the shortest decimal that reads back the same float64.
            out.writerow([repr(float(v)) for v in row] + [repr(float(target))])
    return len(data.target)


if __name__ == "__main__":
    print(f"{write_diabetes_data()} rows written to {PATH}")
