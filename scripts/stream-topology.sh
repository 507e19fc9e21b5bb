#!/usr/bin/env bash
# The streaming pipeline of docker-compose.yml as local processes, with a
# local RabbitMQ started without systemd, in a run folder of its own:
#   scripts/topology.sh stream up       broker, model, metrics, plot, then features
#   scripts/topology.sh stream status   what runs, queue-side progress (rows in the CSV)
#   scripts/topology.sh stream down     stop exactly what `up` started (features first, broker last)
#
# Settings: SWERVE_BIN (default .build/release/swerve, built if missing),
# SWERVE_MODELS (./models), SWERVE_STREAM_RUN_DIR (.run/stream),
# SWERVE_BROKER_PORT (5672; Erlang distribution on port + 20000),
# SWERVE_STREAM_RATE (observations per second, default 10),
# SWERVE_STREAM_COUNT (default: until stopped), SWERVE_METRICS_PORT_BASE
# (Prometheus endpoints on base+0 features, +1 model, +2 metrics; default 9200).
# Logs, pids, the broker's data and logs/metrics.csv + logs/errors.png live in the run folder.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=${SWERVE_STREAM_RUN_DIR:-.run/stream}
BIN=${SWERVE_BIN:-.build/release/swerve}
MODELS=${SWERVE_MODELS:-./models}
BROKER_PORT=${SWERVE_BROKER_PORT:-5672}
RATE=${SWERVE_STREAM_RATE:-10}
COUNT=${SWERVE_STREAM_COUNT:-}
METRICS_BASE=${SWERVE_METRICS_PORT_BASE:-9200}
HOST=127.0.0.1
BROKER_URL="amqp://guest:guest@$HOST:$BROKER_PORT/"

log() { printf 'stream topology: %s\n' "$*"; }
die() { printf 'stream topology: %s\n' "$*" >&2; exit 1; }

# shellcheck source=scripts/rabbitmq-local.sh
. scripts/rabbitmq-local.sh

# shellcheck source=scripts/local-processes.sh
. scripts/local-processes.sh

up() {
    [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || die "rabbitmq-server is not installed (make test-deps installs it)"
    [ -x "$BIN" ] || { log "building $BIN"; swift build -c release >/dev/null; }
    mkdir -p "$RUN_DIR/logs"
    rabbitmq_env "$RUN_DIR/rabbitmq"
    start rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
    wait_for rabbitmq 90 amqp_ok
    local common=(--broker "$BROKER_URL" --retry-seconds 2)
    start model "$BIN" stream model "${common[@]}" --models "$MODELS" --model diabetes --metrics-port $((METRICS_BASE + 1)) --metrics-host $HOST
    start metrics "$BIN" stream metrics "${common[@]}" --csv "$RUN_DIR/logs/metrics.csv" --metrics-port $((METRICS_BASE + 2)) --metrics-host $HOST
    start plot "$BIN" stream plot --csv "$RUN_DIR/logs/metrics.csv" --png "$RUN_DIR/logs/errors.png" --every-seconds 5
    wait_for model 60 grep -q "consuming" "$RUN_DIR/model.log"
    wait_for metrics 60 grep -q "joining" "$RUN_DIR/metrics.log"
    start features "$BIN" stream features "${common[@]}" --data "$MODELS/diabetes/data.csv" --rate "$RATE" \
        ${COUNT:+--count "$COUNT"} --metrics-port "$METRICS_BASE" --metrics-host $HOST
    wait_for features 30 grep -q "publishing to" "$RUN_DIR/features.log"
    log "up: broker $BROKER_URL, CSV $RUN_DIR/logs/metrics.csv, PNG $RUN_DIR/logs/errors.png (logs in $RUN_DIR/)"
}

status() {
    local name pid any=0
    for name in rabbitmq features model metrics plot; do
        [ -e "$RUN_DIR/$name.pid" ] || continue
        any=1
        pid=$(cat "$RUN_DIR/$name.pid")
        if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: NOT running (pid $pid)"; fi
    done
    [ $any = 1 ] || { echo "nothing started from $RUN_DIR"; return 0; }
    if [ -f "$RUN_DIR/logs/metrics.csv" ]; then
        echo "rows in $RUN_DIR/logs/metrics.csv: $(( $(wc -l <"$RUN_DIR/logs/metrics.csv") - 1 ))"
    fi
}

stop_pid() {
    local name=$1 pid=$2
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name did not stop in 30s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name"
}

down() {
    local name
    # Producer first, broker last, so consumers ack what they hold.
    for name in features model metrics plot; do
        [ -e "$RUN_DIR/$name.pid" ] || continue
        stop_pid "$name" "$(cat "$RUN_DIR/$name.pid")"
        rm -f "$RUN_DIR/$name.pid"
    done
    if [ -e "$RUN_DIR/rabbitmq.pid" ]; then
        # The start script forks the Erlang VM; its pid file names the VM.
        local vm="$RUN_DIR/rabbitmq/broker.pid"
        [ -e "$vm" ] && stop_pid rabbitmq "$(cat "$vm")"
        stop_pid rabbitmq-script "$(cat "$RUN_DIR/rabbitmq.pid")"
        rm -f "$RUN_DIR/rabbitmq.pid" "$vm"
    fi
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: scripts/topology.sh stream up|down|status" >&2; exit 2 ;;
esac
