#!/usr/bin/env python3
"""The batch benchmark behind scripts/bench-batch.sh (see there).

Every pipeline runs as its own process; rows/s is rows over wall time, start
to exit. Peak RSS is each process's own VmHWM, which it reports on stderr
(swerve in its summary line, the Python pipeline at its end): ru_maxrss from
wait4 would include this script's size, carried across fork and exec.
"""
import re
import argparse
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time


def run_measured(argv):
    """Runs argv; returns (seconds, peak RSS MiB it reported, stderr text)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    text = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{text}")
    peak = re.search(r"peak RSS (\d+) MiB", text)
    return seconds, float(peak.group(1)) if peak else float("nan"), text


def own_peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return float("nan")


def write_csv(path, rows):
    rng = random.Random(1)
    with open(path, "w") as f:
        f.write("id,a,b,c,d\n")
        for i in range(rows):
            f.write("%d,%.2f,%.2f,%.2f,%.2f\n" % (i, rng.uniform(4, 8), rng.uniform(2, 4.5),
                                                   rng.uniform(1, 7), rng.uniform(0.1, 2.5)))


def make_forest(models_dir):
    """A 100-tree random forest on iris, exported like models/train.py does."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    x, y = load_iris(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0).fit(x, y)
    onnx = convert_sklearn(forest, initial_types=[("input", FloatTensorType([None, 4]))],
                           target_opset={"": 15, "ai.onnx.ml": 3})
    os.makedirs(os.path.join(models_dir, "forest", "1"))
    with open(os.path.join(models_dir, "forest", "1", "model.onnx"), "wb") as f:
        f.write(onnx.SerializeToString())


def pandas_pipeline(model, src, dst, chunk):
    """The Python job swerve is compared with (run as its own process)."""
    import numpy as np
    import onnxruntime as ort
    import pandas as pd
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    first = True
    for frame in pd.read_csv(src, chunksize=chunk):
        x = frame[["a", "b", "c", "d"]].to_numpy(dtype=np.float32)
        label, probabilities = session.run(None, {name: x})
        out = pd.DataFrame({"id": frame["id"], "label": label})
        probs = pd.DataFrame(probabilities).add_prefix("probabilities:")
        out = pd.concat([out.reset_index(drop=True), probs], axis=1)
        out.to_csv(dst, mode="w" if first else "a", header=first, index=False)
        first = False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def table_runs(swerve, models, rows, work):
    rng = random.Random(2)
    data = [(i, rng.uniform(4, 8), rng.uniform(2, 4.5), rng.uniform(1, 7), rng.uniform(0.1, 2.5)) for i in range(1, rows + 1)]
    db = os.path.join(work, "items.db")
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, a REAL, b REAL, c REAL, d REAL)")
        c.executemany("INSERT INTO items VALUES (?,?,?,?,?)", data)
    seconds, rss, _ = run_measured([swerve, "batch", "run", "--db", "sqlite:///" + db, "--table", "items",
                                    "--model", "iris", "--models", models, "--no-progress"])
    print(f"batch run  SQLite   iris  {rows:>9} rows  {rows / seconds:>10.0f} rows/s  {rss:6.0f} MiB peak")

    data_dir, sock, port = os.path.join(work, "mariadb"), os.path.join(work, "mariadb.sock"), free_port()
    user = "root" if os.getuid() == 0 else os.environ.get("USER", "nobody")
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data_dir}", f"--user={user}",
                    "--auth-root-authentication-method=normal", "--skip-test-db"], check=True, capture_output=True)
    server = subprocess.Popen(["mariadbd", "--no-defaults", f"--datadir={data_dir}", f"--port={port}",
                               "--bind-address=127.0.0.1", f"--socket={sock}", f"--user={user}", "--skip-log-bin",
                               "--skip-name-resolve", f"--log-error={work}/mariadb.log"])
    try:
        client = ["mariadb", "--no-defaults", f"--socket={sock}", "-uroot"]
        deadline = time.time() + 60
        while subprocess.run(client + ["-e", "SELECT 1"], capture_output=True).returncode != 0:
            if time.time() > deadline:
                sys.exit("mariadbd did not start")
            time.sleep(0.1)
        values = ",".join("(%d,%r,%r,%r,%r)" % row for row in data)
        sql = ("CREATE DATABASE bench; CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY 'bench';"
               "GRANT ALL ON bench.* TO 'bench'@'127.0.0.1'; USE bench;"
               "CREATE TABLE items (id BIGINT PRIMARY KEY, a DOUBLE, b DOUBLE, c DOUBLE, d DOUBLE);"
               f"INSERT INTO items VALUES {values};")
        subprocess.run(client + ["--max-allowed-packet=1G"], input=sql.encode(), check=True)
        seconds, rss, _ = run_measured([swerve, "batch", "run", "--db", f"mysql://bench:bench@127.0.0.1:{port}/bench",
                                        "--table", "items", "--model", "iris", "--models", models, "--no-progress"])
        print(f"batch run  MariaDB  iris  {rows:>9} rows  {rows / seconds:>10.0f} rows/s  {rss:6.0f} MiB peak")
    finally:
        server.kill()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--swerve", default=".build/release/swerve")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--table-rows", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=4096)
    parser.add_argument("--pandas", nargs=3, metavar=("MODEL", "IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pandas:
        pandas_pipeline(*args.pandas, args.chunk)
        print(f"peak RSS {own_peak_mib()} MiB", file=sys.stderr)
        return
    work = tempfile.mkdtemp(prefix="swerve-bench-batch-")
    try:
        models = os.path.join(work, "models")
        shutil.copytree("models/iris", os.path.join(models, "iris"))
        make_forest(models)
        src = os.path.join(work, "in.csv")
        write_csv(src, args.rows)
        print(f"CSV -> CSV, {args.rows} rows, chunks of {args.chunk}, {os.cpu_count()} cores")
        for model in ["iris", "forest"]:
            onnx = os.path.join(models, model, "1", "model.onnx")
            s, rss, _ = run_measured([args.swerve, "batch", "predict", "--models", models, "--model", model,
                                      "--input", src, "--output", os.path.join(work, "swerve.csv"),
                                      "--id-column", "id", "--batch-size", str(args.chunk), "--no-progress"])
            p, prss, _ = run_measured([sys.executable, __file__, "--chunk", str(args.chunk),
                                       "--pandas", onnx, src, os.path.join(work, "pandas.csv")])
            print(f"batch predict  {model:6}  swerve {args.rows / s:>10.0f} rows/s {rss:6.0f} MiB peak   "
                  f"pandas+onnxruntime {args.rows / p:>10.0f} rows/s {prss:6.0f} MiB peak   ({p / s:.1f}x)")
        table_runs(args.swerve, models, args.table_rows, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
