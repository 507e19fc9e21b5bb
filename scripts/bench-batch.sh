#!/bin/bash
# Batch scoring benchmark (BENCHMARKS.md): `swerve batch predict` CSV -> CSV
# on ROWS rows for the iris SVC and a 100-tree random forest, beside pandas
# read_csv -> onnxruntime InferenceSession.run in chunks -> to_csv, in the
# same run; rows/s and peak RSS of each. Then `swerve batch run` rows/s on
# SQLite and on a throwaway MariaDB (mariadbd on a free loopback port).
#
#   scripts/bench-batch.sh [--rows 1000000] [--table-rows 200000]
#
# Needs a release build (make release), mariadb-server, and the pinned Python
# packages (installed here when missing: models/requirements.txt + pandas).
# Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import onnxruntime, pandas, sklearn, skl2onnx" >/dev/null 2>&1; then
  pip install -q -r models/requirements.txt 'pandas==2.3.3'
fi
exec python3 scripts/bench_batch.py --swerve "${SWERVE:-.build/release/swerve}" "$@"
