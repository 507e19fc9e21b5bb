#!/usr/bin/env bash
# bench-cache-batching.sh: the prediction cache and adaptive batching, each
# on and off, in one run, on three models:
#
#   iris      the served iris model (StandardScaler + SVC rbf)
#   forest100 RandomForestClassifier(100 trees, depth 8) on iris (generated here)
#   mlp       StandardScaler + MLPClassifier(64, 64) on iris (generated here)
#
#   batching: random rows (64 batches cycled), 32 and 256 connections, batch 1
#   cache:    90% of requests repeat 10 hot rows (swerve-bench --repeat-percent 90),
#             32 connections; the cache holds 1000 entries, so fresh rows miss
#
# Each variant gets its own server (config.json per model: {} / "cache" /
# "batching"). Prints one table (predictions/s, p50, p99) and keeps every
# swerve-bench JSON in OUT.
#
# Needs scikit-learn and skl2onnx as pinned in models/requirements.txt
# (`make bench-cache-batching` installs them).
#
# Usage: scripts/bench-cache-batching.sh     (about 4 minutes after the build)
# Environment: DURATION (s per run, default 10), WARMUP (s, default 2),
#              CONFIG (release|debug, default release), OUT (default .build/bench-cache-batching),
#              MAX_DELAY_US (batching, default 200), MAX_ROWS (batching, default 64)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONFIG=${CONFIG:-release}
OUT=${OUT:-$ROOT/.build/bench-cache-batching}
MAX_DELAY_US=${MAX_DELAY_US:-200}
MAX_ROWS=${MAX_ROWS:-64}

log() { printf '\n== %s\n' "$*" >&2; }

log "building $CONFIG (swerve, swerve-bench)"
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
bench_build "$CONFIG"
bench_scratch bench-cache-batching
SWERVE_PID=""

# ---------------------------------------------------------------- models
REPO=$TMP/models
mkdir -p "$REPO/iris/1" "$REPO/forest100/1" "$REPO/mlp/1"
cp "$ROOT/models/iris/1/model.onnx" "$REPO/iris/1/model.onnx"
log "generating forest100 and mlp (scikit-learn + skl2onnx, as in models/requirements.txt)"
python3 - "$REPO" <<'PY'
import sys
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skl2onnx import to_onnx
import numpy as np

repo = sys.argv[1]
x, y = load_iris(return_X_y=True)
x = x.astype(np.float32)
models = {
    "forest100": RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0),
    "mlp": make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64, 64), max_iter=2000, random_state=0)),
}
for name, model in models.items():
    model.fit(x, y)
    onx = to_onnx(model, x[:1], target_opset=17, options={"zipmap": False},
                  initial_types=None)
    # The served models take input "input"; rename the graph input to match.
    old = onx.graph.input[0].name
    onx.graph.input[0].name = "input"
    for node in onx.graph.node:
        node.input[:] = ["input" if i == old else i for i in node.input]
    with open(f"{repo}/{name}/1/model.onnx", "wb") as f:
        f.write(onx.SerializeToString())
PY

# ---------------------------------------------------------------- server
start_server() { # VARIANT: off | cache | batching
    local variant=$1 config
    case $variant in
        off) config='{}' ;;
        cache) config='{"cache": {"max_entries": 1000}}' ;;
        batching) config="{\"batching\": {\"max_rows\": $MAX_ROWS, \"max_delay_us\": $MAX_DELAY_US}}" ;;
    esac
    for m in iris forest100 mlp; do printf '%s\n' "$config" >"$REPO/$m/config.json"; done
    bench_serve "swerve-$variant" --models "$REPO" --host 127.0.0.1 --port 0 --rest-port 0 --log-level warning
    PORT=$BINARY_PORT
    log "swerve ($variant) pid $SWERVE_PID on 127.0.0.1:$PORT"
}

stop_server() {
    kill "$SWERVE_PID" 2>/dev/null || true
    wait "$SWERVE_PID" 2>/dev/null || true
    SWERVE_PID=""
}

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.txt
run_bench() { # NAME ARGS...
    local name=$1; shift
    log "swerve-bench $name: $*"
    "$BENCH" --target "127.0.0.1:$PORT" "$@" --duration "$DURATION" --warmup "$WARMUP" --quiet \
        --server-pid "$SWERVE_PID" --json "$OUT/$name.json" >"$OUT/$name.txt"
}

for variant in off batching cache; do
    start_server "$variant"
    for m in iris forest100 mlp; do
        if [ "$variant" != cache ]; then
            for c in 32 256; do run_bench "$m-batching-$variant-c$c" --model "$m" --batch 1 --connections "$c"; done
        fi
        if [ "$variant" != batching ]; then
            run_bench "$m-cache-$variant-c32" --model "$m" --batch 1 --connections 32 --repeat-percent 90
        fi
    done
    stop_server
done

# ---------------------------------------------------------------- table
json_number() { sed -n "s/.*\"$2\": \([0-9.eE+-]*\).*/\1/p" "$1" | head -1; }
json_latency() { tr -d '\n' <"$1" | sed -n "s/.*\"latency_us\": {[^}]*\"$2\": \([0-9.]*\).*/\1/p"; }
json_failed() { json_number "$1" requests_failed; }
printf '\n%-10s %-9s %-6s %5s %12s %10s %10s %8s\n' model feature state conns "predictions/s" "p50 µs" "p99 µs" failed
for m in iris forest100 mlp; do
    for row in "batching off 32" "batching batching 32" "batching off 256" "batching batching 256" "cache off 32" "cache cache 32"; do
        set -- $row
        f="$OUT/$m-$1-$2-c$3.json"
        [ -f "$f" ] || continue
        state=$([ "$2" = off ] && echo off || echo on)
        printf '%-10s %-9s %-6s %5s %12s %10s %10s %8s\n' "$m" "$1" "$state" "$3" \
            "$(json_number "$f" predictions_per_second)" "$(json_latency "$f" p50)" "$(json_latency "$f" p99)" "$(json_failed "$f")"
    done
done
echo "(cache rows: 90% repeated inputs; JSON per run in $OUT)"
