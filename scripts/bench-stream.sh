#!/usr/bin/env bash
# The streaming pipeline at full speed: swerve's services beside the same
# pipeline written the seed's way in Python (pika, JSON, onnxruntime, one
# message at a time), on one local broker in the same run.
#   scripts/bench-stream.sh [N]        (N observations per side, default 20000)
# Prints records/s end to end, p50/p99 end-to-end latency (X's ts -> row
# written) and CPU per record of each side's services and of rabbitmq-server.
# The Python peer is installed (pinned, scripts/stream_python/requirements.txt)
# into .build/bench-stream-venv. Settings: SWERVE_BIN (.build/release/swerve),
# SWERVE_BROKER_PORT (5690), SWERVE_BENCH_DIR (.build/bench-stream).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-20000}
BIN=${SWERVE_BIN:-.build/release/swerve}
HOST=127.0.0.1
BROKER_PORT=${SWERVE_BROKER_PORT:-5690}
DIR=${SWERVE_BENCH_DIR:-.build/bench-stream}
VENV=.build/bench-stream-venv
URL="amqp://guest:guest@$HOST:$BROKER_PORT/"
TICKS=$(getconf CLK_TCK)
# shellcheck source=scripts/rabbitmq-local.sh
. scripts/rabbitmq-local.sh

log() { printf 'bench-stream: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq-server is not installed (make test-deps)"
[ -x "$BIN" ] || { log "building $BIN"; swift build -c release >/dev/null; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pika, onnxruntime" 2>/dev/null; then
    log "installing the Python peer into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r scripts/stream_python/requirements.txt
fi

rm -rf "$DIR"; mkdir -p "$DIR"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    [ -f "$DIR/rabbitmq/broker.pid" ] && kill -TERM "$(cat "$DIR/rabbitmq/broker.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
(rabbitmq_env "$DIR/rabbitmq"; exec /usr/lib/rabbitmq/bin/rabbitmq-server >"$DIR/rabbitmq.log" 2>&1) &
PIDS+=($!)
deadline=$((SECONDS + 90))
until amqp_ok 2>/dev/null; do [ $SECONDS -lt $deadline ] || die "broker not ready (log $DIR/rabbitmq.log)"; sleep 0.2; done
BROKER_VM=$(cat "$DIR/rabbitmq/broker.pid")

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_sum() { local t=0 p; for p in "$@"; do t=$((t + $(cpu "$p"))); done; echo $t; }
now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

# --- swerve ---
"$BIN" stream model --broker "$URL" --models models --model diabetes --x-queue sw/X --y-pred-queue sw/Y_pred >"$DIR/sw-model.log" 2>&1 &
SW_MODEL=$!; PIDS+=($!)
"$BIN" stream metrics --broker "$URL" --csv "$DIR/sw.csv" --y-true-queue sw/Y_true --y-pred-queue sw/Y_pred \
    --metrics-port 0 --metrics-host $HOST >"$DIR/sw-metrics.log" 2>&1 &
SW_METRICS=$!; PIDS+=($!)
until grep -q joining "$DIR/sw-metrics.log" && grep -q consuming "$DIR/sw-model.log"; do sleep 0.1; done
METRICS_PORT=$(grep -o "metrics on $HOST:[0-9]*" "$DIR/sw-metrics.log" | cut -d: -f2)
b0=$(cpu "$BROKER_VM"); s0=$(cpu_sum $SW_MODEL $SW_METRICS); t0=$(now)
"$BIN" stream features --broker "$URL" --count "$N" --rate 0 --x-queue sw/X --y-true-queue sw/Y_true >"$DIR/sw-features.log" 2>&1 &
SW_FEATURES=$!; PIDS+=($!)
sf=0
while [ "$(($(wc -l <"$DIR/sw.csv") - 1))" -lt "$N" ]; do
    # It may exit between the check and the read: keep the last reading then.
    sf=$(cpu $SW_FEATURES 2>/dev/null || echo $sf)
    sleep 0.05
done
t1=$(now); b1=$(cpu "$BROKER_VM"); s1=$(cpu_sum $SW_MODEL $SW_METRICS)
wait $SW_FEATURES || true
SW_SECONDS=$(calc "$t1 - $t0")
SW_CPU=$((s1 - s0 + sf)); SW_BROKER_CPU=$((b1 - b0))
# p50/p99 from the latency histogram's buckets (upper bounds).
read -r SW_P50 SW_P99 < <(curl -s "http://$HOST:$METRICS_PORT/metrics" | awk -F'[{}" ]+' '
    /_latency_seconds_bucket/ { le[n] = $3; c[n++] = $NF }
    END { total = c[n-1]; for (i = 0; i < n; i++) { if (!p50 && c[i] >= total * 0.5) p50 = le[i]; if (!p99 && c[i] >= total * 0.99) p99 = le[i] }
          printf "<=%sms <=%sms\n", p50 * 1000, p99 * 1000 }')

# --- Python, the seed's way ---
PY="$VENV/bin/python scripts/stream_python/pipeline.py --url $URL --prefix py/"
$PY model --model models/diabetes/1/model.onnx >"$DIR/py-model.log" 2>&1 &
PY_MODEL=$!; PIDS+=($!)
$PY metrics --csv "$DIR/py.csv" --count "$N" >"$DIR/py-metrics.out" 2>"$DIR/py-metrics.log" &
PY_METRICS=$!; PIDS+=($!)
sleep 2  # interpreter start-up; both consumers declare their queues before any message matters
b0=$(cpu "$BROKER_VM"); p0=$(cpu_sum $PY_MODEL $PY_METRICS); t0=$(now)
$PY features --data models/diabetes/data.csv --count "$N" >"$DIR/py-features.log" 2>&1 &
PY_FEATURES=$!; PIDS+=($!)
pf=0; pm=0
while kill -0 $PY_METRICS 2>/dev/null; do
    pf=$(cpu $PY_FEATURES 2>/dev/null || echo $pf)
    pm=$(cpu $PY_METRICS 2>/dev/null || echo $pm)
    sleep 0.05
done
t1=$(now); b1=$(cpu "$BROKER_VM"); p1=$(cpu $PY_MODEL)
PY_LINE=$(cat "$DIR/py-metrics.out")
PY_SECONDS=$(calc "$t1 - $t0")
PY_CPU=$((p1 + pm + pf - p0)); PY_BROKER_CPU=$((b1 - b0))

per() { calc "$1 * 1000000 / $TICKS / $N"; }
printf '%-8s %10s %12s %12s %14s %14s\n' side records/s p50 p99 "cpu us/rec" "broker us/rec"
printf '%-8s %10.0f %12s %12s %14s %14s\n' swerve "$(calc "$N / $SW_SECONDS")" "$SW_P50" "$SW_P99" "$(per $SW_CPU)" "$(per $SW_BROKER_CPU)"
printf '%-8s %10.0f %12s %12s %14s %14s\n' python "$(calc "$N / $PY_SECONDS")" \
    "$(sed -n 's/.*p50_ms=\([0-9.]*\).*/\1ms/p' <<<"$PY_LINE")" "$(sed -n 's/.*p99_ms=\([0-9.]*\).*/\1ms/p' <<<"$PY_LINE")" \
    "$(per $PY_CPU)" "$(per $PY_BROKER_CPU)"
