#!/usr/bin/env bash
# Runs docker-compose.yml's topology as local processes on loopback:
#   scripts/topology.sh up       start everything, wait until each part is ready
#   scripts/topology.sh status   show what runs and whether it answers
#   scripts/topology.sh down     stop exactly what `up` started
#   scripts/topology.sh stream up|down|status
#                                the streaming pipeline on RabbitMQ (scripts/stream-topology.sh)
#
# Services (default ports; each can be moved with its variable):
#   redis                      SWERVE_REDIS_PORT=6379 (append-only file under .run/redis)
#   member-setosa/-versicolor/-virginica
#                              SWERVE_MEMBER_PORTS=8601,8602,8603
#   aggregator (binary)        SWERVE_PORT=8500  (iris-ovr fans out to the members; jobs on Redis)
#   worker x SWERVE_WORKER_COUNT=2, metrics on SWERVE_WORKER_METRICS_PORTS=9101,9102
#   rest                       SWERVE_REST_PORT=8501 (in front of the aggregator)
# Other settings: SWERVE_BIN (default .build/release/swerve, built if missing),
# SWERVE_MODELS (default ./models), SWERVE_RUN_DIR (default .run),
# SWERVE_WORKERS (threads per worker process, default 2).
# TLS: every swerve flag reads its SWERVE_* variable, so exporting
# SWERVE_TLS_CERT/_KEY (+ _CLIENT_CA), SWERVE_TLS_CA (+ _CLIENT_CERT/_KEY),
# SWERVE_MEMBER_TLS_* and SWERVE_UPSTREAM_TLS_* runs every hop over TLS; the
# REST adapter is then https:// (Redis and the worker metrics stay plain).
# Tokens: SWERVE_AUTH_TOKENS (a token file every service reads), SWERVE_MEMBER_TOKEN
# (what the aggregator and workers send to the members), SWERVE_TOKEN (what this script sends).
# Logs and pids go to $SWERVE_RUN_DIR/<service>.log and .pid.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR=${SWERVE_RUN_DIR:-.run}
BIN=${SWERVE_BIN:-.build/release/swerve}
MODELS=${SWERVE_MODELS:-./models}
REDIS_PORT=${SWERVE_REDIS_PORT:-6379}
PORT=${SWERVE_PORT:-8500}
REST_PORT=${SWERVE_REST_PORT:-8501}
IFS=, read -r -a MEMBER_PORTS <<< "${SWERVE_MEMBER_PORTS:-8601,8602,8603}"
WORKER_COUNT=${SWERVE_WORKER_COUNT:-2}
IFS=, read -r -a WORKER_METRICS_PORTS <<< "${SWERVE_WORKER_METRICS_PORTS:-9101,9102}"
WORKER_THREADS=${SWERVE_WORKERS:-2}
MEMBERS=(setosa versicolor virginica)
HOST=127.0.0.1

log() { printf 'topology: %s\n' "$*"; }
die() { printf 'topology: %s\n' "$*" >&2; exit 1; }

member_list() {
    local list="" i
    for i in "${!MEMBERS[@]}"; do
        list+="${list:+,}${MEMBERS[$i]}=$HOST:${MEMBER_PORTS[$i]}"
    done
    printf '%s' "$list"
}

# shellcheck source=scripts/local-processes.sh
. scripts/local-processes.sh

# With SWERVE_TLS_CA set, curl trusts that CA (and presents SWERVE_TLS_CLIENT_CERT if set).
CURL_TLS=()
[ -n "${SWERVE_TLS_CA:-}" ] && CURL_TLS+=(--cacert "$SWERVE_TLS_CA")
[ -n "${SWERVE_TLS_CLIENT_CERT:-}" ] && CURL_TLS+=(--cert "$SWERVE_TLS_CLIENT_CERT" --key "$SWERVE_TLS_CLIENT_KEY")
REST_SCHEME=http
[ -n "${SWERVE_TLS_CERT:-}" ] && REST_SCHEME=https
# With SWERVE_AUTH_TOKENS every service checks tokens (worker metrics need
# scope metrics); SWERVE_TOKEN is then the token this script and the CLI send.
http_ok() { curl -fsS -o /dev/null --max-time 2 "${CURL_TLS[@]}" ${SWERVE_TOKEN:+-H "Authorization: Bearer $SWERVE_TOKEN"} "$1"; }

up() {
    command -v redis-server >/dev/null || die "redis-server missing: apt-get install redis-server"
    command -v curl >/dev/null || die "curl missing: apt-get install curl"
    if [ ! -x "$BIN" ]; then
        log "building $BIN"
        make release >/dev/null
    fi
    if ls "$RUN_DIR"/*.pid >/dev/null 2>&1; then
        die "$RUN_DIR already has pid files: run '$0 down' first"
    fi
    mkdir -p "$RUN_DIR/redis"

    start redis redis-server --bind "$HOST" --port "$REDIS_PORT" --dir "$RUN_DIR/redis" \
        --appendonly yes --appendfsync everysec --save ''
    wait_for redis 20 redis-cli -h "$HOST" -p "$REDIS_PORT" ping

    local i
    for i in "${!MEMBERS[@]}"; do
        local m=${MEMBERS[$i]} repo="$RUN_DIR/members/iris-${MEMBERS[$i]}"
        rm -rf "$repo" && mkdir -p "$repo" && cp -r "$MODELS/iris-$m" "$repo/"
        start "member-$m" "$BIN" serve --models "$repo" --host "$HOST" --port "${MEMBER_PORTS[$i]}" --rest-port 0
    done
    for i in "${!MEMBERS[@]}"; do
        wait_for "member-${MEMBERS[$i]}" 60 "$BIN" health --server "$HOST:${MEMBER_PORTS[$i]}" --timeout-seconds 2
    done

    local members
    members=$(member_list)
    start aggregator env SWERVE_MEMBERS="$members" "$BIN" serve --models "$MODELS" --host "$HOST" --port "$PORT" \
        --rest-port 0 --queue "redis://$HOST:$REDIS_PORT" --workers 0
    wait_for aggregator 60 "$BIN" health --server "$HOST:$PORT" --timeout-seconds 2

    for ((i = 0; i < WORKER_COUNT; i++)); do
        start "worker-$((i + 1))" env SWERVE_MEMBERS="$members" "$BIN" worker --queue "redis://$HOST:$REDIS_PORT" \
            --models "$MODELS" --workers "$WORKER_THREADS" --metrics-port "${WORKER_METRICS_PORTS[$i]:-0}"
    done
    for ((i = 0; i < WORKER_COUNT; i++)); do
        if [ "${WORKER_METRICS_PORTS[$i]:-0}" != 0 ]; then
            wait_for "worker-$((i + 1))" 60 http_ok "http://$HOST:${WORKER_METRICS_PORTS[$i]}/metrics"
        fi
    done

    start rest "$BIN" rest --upstream "$HOST:$PORT" --host "$HOST" --port "$REST_PORT"
    wait_for rest 60 http_ok "$REST_SCHEME://$HOST:$REST_PORT/v2/health/ready"

    log "up: binary $HOST:$PORT, REST $REST_SCHEME://$HOST:$REST_PORT, redis $HOST:$REDIS_PORT (logs in $RUN_DIR/)"
}

status() {
    local pidfile name pid any=0
    for pidfile in "$RUN_DIR"/*.pid; do
        [ -e "$pidfile" ] || continue
        any=1
        name=$(basename "$pidfile" .pid)
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then echo "$name: running (pid $pid)"; else echo "$name: NOT running (pid $pid)"; fi
    done
    [ $any = 1 ] || echo "nothing started from $RUN_DIR"
}

down() {
    local pidfile name pid
    # Front first, Redis last, so nothing loses its queue mid-job.
    for name in rest aggregator $(for f in "$RUN_DIR"/worker-*.pid; do [ -e "$f" ] && basename "$f" .pid; done) \
                member-setosa member-versicolor member-virginica redis; do
        pidfile="$RUN_DIR/$name.pid"
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            local deadline=$((SECONDS + 20))
            while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
            if kill -0 "$pid" 2>/dev/null; then
                log "$name did not stop in 20s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
            fi
            log "stopped $name"
        fi
        rm -f "$pidfile"
    done
}

case "${1:-}" in
    stream) shift; exec scripts/stream-topology.sh "$@" ;;
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status|stream up|down|status" >&2; exit 2 ;;
esac
