#!/usr/bin/env bash
# bench-compare.sh: swerve beside the fastest references on this machine, in
# one run, with the same connection count, so every claim is a ratio:
#
#   swerve binary Predict (iris, batch 1)   vs  redis-benchmark PING   (event-loop reference)
#   swerve REST :predict (wrk)              vs  wrk against nginx 200, one worker (HTTP reference)
#   swerve REST /predict (wrk)              vs  the seeds' FastAPI pattern (wrk, same command)
#   swerve at 50% of its peak, open loop    ->  p99
#   swerve pipelined Predict (depth 16)     ->  requests/s
#   swerve gRPC ModelInfer                  vs  C++ gRPC, Python grpcio, the swerve protocol
#                                               (scripts/bench-grpc.sh, h2load; BENCH_GRPC=0 skips it)
#
# Every load generator runs with ONE thread (redis-benchmark's default), so
# the server under test gets the same share of the 2 cores in every row.
#
# Usage: scripts/bench-compare.sh            (about 2 minutes after the build)
# Environment: DURATION (s per run, default 10), WARMUP (s, default 2),
#              CONNECTIONS (default 32), OUT (result directory, default .build/bench-results),
#              PEER_DIR (the FastAPI pattern, default ../shared/peers/web_single_pattern;
#              its Python packages go to .build/peer-venv, `make bench-peer-deps`)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-$ROOT/.build/bench-results}
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- install
# Build libraries (as `make deps`) plus the references. nginx-light is
# Debian's smallest nginx; its packaged service is not used (we start our own).
PACKAGES="libuv1-dev libprotobuf-c-dev protobuf-c-compiler libhttp-parser-dev libhiredis-dev pkg-config redis-server redis-tools wrk nginx-light"
missing=$(for p in $PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
    log "installing: $missing"
    $SUDO apt-get update -qq
    # policy-rc.d 101 keeps the packages' services from starting (port 80/6379).
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        REMOVE_POLICY=1
    fi
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    if [ "${REMOVE_POLICY:-}" = 1 ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---------------------------------------------------------------- build
log "building release (swerve, swerve-bench)"
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
bench_build release

# ---------------------------------------------------------------- processes
bench_scratch bench-compare

# CPU seconds (user + system) a process and its threads used so far.
cpu_seconds() {
    local total=0 pid
    for pid in "$@"; do
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print t + ($12 + $13) / hz }' "/proc/$pid/stat")
    done
    echo "$total"
}

# bash `time` output (TIMEFORMAT below) -> cores the timed command used.
TIMEFORMAT='%3U %3S %3R'
client_cores() { awk '{ if ($3 > 0) printf "%.2f", ($1 + $2) / $3 }' "$1"; }

# "busy total" clock ticks of the whole machine (all CPUs) from /proc/stat.
machine_ticks() { awk 'NR == 1 { t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
idle_percent() { # "busy0 total0" "busy1 total1"
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); if (y[2] > x[2]) printf "%.0f", 100 * (1 - (y[1] - x[1]) / (y[2] - x[2])); else print "-" }'
}

json_number() { # FILE KEY -> the first "KEY": NUMBER in FILE
    sed -n "s/.*\"$2\": \([0-9.eE+-]*\).*/\1/p" "$1" | head -1
}
json_latency() { # FILE PERCENTILE -> latency_us.PERCENTILE
    tr -d '\n' <"$1" | sed -n "s/.*\"latency_us\": {[^}]*\"$2\": \([0-9.]*\).*/\1/p"
}
json_errors() {
    tr -d '\n' <"$1" | sed -n 's/.*"errors": {\([^}]*\)}.*/\1/p'
}

# One wrk command for every HTTP row: one thread, CONNECTIONS connections,
# the body POSTed as JSON (scripts/wrk-post.lua).
# wrk_measure NAME URL BODY PID... -> OUT/wrk-NAME.txt and OUT/wrk-NAME.row
# ("rps p50_us p99_us server_cores client_cores idle%"); PIDs are the server's processes.
to_us() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); print v } else if (v ~ /ms$/) { sub(/ms$/, "", v); print v * 1000 } else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000000 } }'; }
wrk_measure() {
    local name=$1 url=$2 body=$3 cpu0 cpu1 t0 t1 m0 idle rps p50 p99 server client; shift 3
    log "wrk $name: POST $url"
    wrk -t1 -c "$CONNECTIONS" -d "${WARMUP}s" -s scripts/wrk-post.lua "$url" -- "$body" >/dev/null
    cpu0=$(cpu_seconds "$@"); t0=$(date +%s.%N); m0=$(machine_ticks)
    { time wrk -t1 -c "$CONNECTIONS" -d "${DURATION}s" --latency -s scripts/wrk-post.lua "$url" -- "$body" \
        >"$OUT/wrk-$name.txt"; } 2>"$TMP/wrk-$name.time"
    cpu1=$(cpu_seconds "$@"); t1=$(date +%s.%N); idle=$(idle_percent "$m0" "$(machine_ticks)")
    cat "$OUT/wrk-$name.txt"
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$OUT/wrk-$name.txt")
    p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk-$name.txt" | to_us)
    p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk-$name.txt" | to_us)
    server=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
    client=$(client_cores "$TMP/wrk-$name.time")
    echo "$rps $p50 $p99 $server $client $idle" >"$OUT/wrk-$name.row"
}
wrk_rps() { [ -f "$OUT/wrk-$1.row" ] && cut -d' ' -f1 "$OUT/wrk-$1.row" || echo 0; }
# Requests wrk counted as failed: non-2xx answers and socket errors.
wrk_failures() {
    awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }' "$OUT/wrk-$1.txt"
}
IRIS_ROW='[5.1, 3.5, 1.4, 0.2]'

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.html "$OUT"/*.txt "$OUT"/*.csv

# ---------------------------------------------------------------- swerve
REST_PORT=""
SERVE_ARGS=(--models "$ROOT/models" --host 127.0.0.1 --port 0 --log-level warning)
# Not `grep -q`: it stops reading early, and with pipefail the help's SIGPIPE fails the test.
if "$SWERVE" serve --help 2>&1 | grep -- '--rest-port' >/dev/null; then
    REST_PORT=$(free_port)
    SERVE_ARGS+=(--rest-port "$REST_PORT")
fi
log "starting swerve serve ${SERVE_ARGS[*]}"
bench_serve swerve "${SERVE_ARGS[@]}"
TARGET=127.0.0.1:$BINARY_PORT
log "swerve pid $SWERVE_PID on $TARGET${REST_PORT:+, REST on $REST_PORT}"

run_bench() { # NAME ARGS... -> OUT/NAME.json, OUT/NAME.html
    local name=$1; shift
    log "swerve-bench $name: $*"
    "$BENCH" "$@" --duration "$DURATION" --warmup "$WARMUP" --quiet \
        --server-pid "$SWERVE_PID" --json "$OUT/$name.json" --html "$OUT/$name.html" | tee "$OUT/$name.txt"
}

run_bench binary --target "$TARGET" --model iris --batch 1 --connections "$CONNECTIONS" --pipeline 1
PEAK=$(json_number "$OUT/binary.json" requests_per_second)
HALF=$(awk -v p="$PEAK" 'BEGIN { printf "%d", p / 2 }')
run_bench open50 --target "$TARGET" --model iris --batch 1 --connections "$CONNECTIONS" --rate "$HALF"
run_bench pipelined --target "$TARGET" --model iris --batch 1 --connections "$CONNECTIONS" --pipeline 16

# Fan-out beside direct Predict (issue 5), when the repository has the fan-out model.
if [ -f "$ROOT/models/iris-ovr/config.json" ] && grep -q fan_out "$ROOT/models/iris-ovr/config.json"; then
    run_bench fanout --target "$TARGET" --workload fanout --model iris-ovr --batch 1 --connections "$CONNECTIONS" --pipeline 1
fi

if [ -n "$REST_PORT" ]; then
    wait_for_port "$REST_PORT" "swerve REST"
    run_bench rest --http "http://127.0.0.1:$REST_PORT/v1/models/iris:predict" --features 4 --batch 1 --connections "$CONNECTIONS" --pipeline 1
    wrk_measure swerve-tf "http://127.0.0.1:$REST_PORT/v1/models/iris:predict" "{\"instances\": [$IRIS_ROW]}" "$SWERVE_PID"
    wrk_measure swerve-classic "http://127.0.0.1:$REST_PORT/predict" "{\"data\": [$IRIS_ROW]}" "$SWERVE_PID"
else
    log "swerve REST predict: SKIPPED: this build of 'swerve serve' has no --rest-port (the REST adapter is not merged yet)"
fi
kill "$SWERVE_PID"; wait "$SWERVE_PID" 2>/dev/null || true

# ---------------------------------------------------------------- redis
REDIS_PORT=$(free_port)
log "redis-server on $REDIS_PORT; redis-benchmark PING, $CONNECTIONS clients"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$TMP" --logfile "$TMP/redis.log" &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_for_port "$REDIS_PORT" redis-server
# About DURATION seconds at a typical 2-core rate; the rate, not the count, is compared.
REDIS_REQUESTS=${REDIS_REQUESTS:-$((DURATION * 100000))}
redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CONNECTIONS" -n 20000 -t ping -q >/dev/null # warm-up
redis_cpu0=$(cpu_seconds "$REDIS_PID"); t0=$(date +%s.%N); m0=$(machine_ticks)
{ time redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$CONNECTIONS" -n "$REDIS_REQUESTS" -t ping --csv >"$OUT/redis.csv"; } 2>"$TMP/redis.time"
redis_cpu1=$(cpu_seconds "$REDIS_PID"); t1=$(date +%s.%N); REDIS_IDLE=$(idle_percent "$m0" "$(machine_ticks)")
cat "$OUT/redis.csv"
REDIS_CLIENT_CPU=$(client_cores "$TMP/redis.time")
REDIS_RPS=$(grep -i '"PING_MBULK"' "$OUT/redis.csv" | cut -d, -f2 | tr -d '"')
REDIS_P50=$(grep -i '"PING_MBULK"' "$OUT/redis.csv" | cut -d, -f5 | tr -d '"')
REDIS_P99=$(grep -i '"PING_MBULK"' "$OUT/redis.csv" | cut -d, -f7 | tr -d '"')
REDIS_CPU=$(awk -v a="$redis_cpu0" -v b="$redis_cpu1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (b - a) / (e - s) }')
kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true

# ---------------------------------------------------------------- nginx
NGINX_PORT=$(free_port)
# shellcheck source=scripts/nginx-fixed-200.sh
. scripts/nginx-fixed-200.sh
NGINX_WORKER_PROCESSES=1 nginx_fixed_200_conf "$TMP/nginx" "$NGINX_PORT"
log "nginx (fixed JSON 200, one worker) on $NGINX_PORT"
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_for_port "$NGINX_PORT" nginx
# shellcheck disable=SC2046
wrk_measure nginx "http://127.0.0.1:$NGINX_PORT/v1/models/iris:predict" "{\"instances\": [$IRIS_ROW]}" $(pgrep -P "$NGINX_PID")
# The same nginx through swerve-bench's own HTTP client: shows what the
# load generator itself costs compared with wrk.
log "swerve-bench --http against the same nginx"
"$BENCH" --http "http://127.0.0.1:$NGINX_PORT/v1/models/iris:predict" --features 4 --connections "$CONNECTIONS" \
    --duration "$DURATION" --warmup "$WARMUP" --quiet --json "$OUT/bench-nginx.json" | tee "$OUT/bench-nginx.txt"
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true

# ---------------------------------------------------------------- the seeds' FastAPI pattern
# As its README runs it: gunicorn with uvicorn workers (one per core) and
# onnxruntime, from a copy (the peer's directory is read-only).
PEER_DIR=${PEER_DIR:-$ROOT/../shared/peers/web_single_pattern}
if [ -d "$PEER_DIR" ]; then
    make --no-print-directory bench-peer-deps
    cp -r "$PEER_DIR" "$TMP/peer"
    PEER_PORT=$(free_port)
    log "the seeds' FastAPI pattern on $PEER_PORT ($(nproc) gunicorn workers)"
    (cd "$TMP/peer" && PLATFORM=docker MODEL_FILEPATH=models/iris_svc.onnx LABEL_FILEPATH=models/label.json \
        exec "$ROOT/.build/peer-venv/bin/gunicorn" src.app.app:app -b "127.0.0.1:$PEER_PORT" -w "$(nproc)" \
        -k uvicorn.workers.UvicornWorker --log-level warning) >"$TMP/peer.log" 2>&1 &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    # The workers import onnxruntime after the port is bound: ready when /health answers.
    for _ in $(seq 1 600); do
        curl -fs "http://127.0.0.1:$PEER_PORT/health" >/dev/null 2>&1 && break
        kill -0 "$PEER_PID" 2>/dev/null || { cat "$TMP/peer.log" >&2; exit 1; }
        sleep 0.1 # the pace of a poll with a deadline
    done
    curl -fs "http://127.0.0.1:$PEER_PORT/health" >/dev/null || { echo "the FastAPI pattern did not start" >&2; cat "$TMP/peer.log" >&2; exit 1; }
    # shellcheck disable=SC2046
    wrk_measure fastapi "http://127.0.0.1:$PEER_PORT/predict" "{\"data\": [$IRIS_ROW]}" "$PEER_PID" $(pgrep -P "$PEER_PID")
    kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true
else
    log "the seeds' FastAPI pattern: SKIPPED: no $PEER_DIR (set PEER_DIR)"
fi

# ---------------------------------------------------------------- table
row() { # NAME RPS P50 P99 SERVER_CPU CLIENT_CPU -> adds CPU µs per request (noise-robust: a busy machine slows
         # a run down but hardly changes what each request costs)
    local per_server per_client
    per_server=$(awk -v c="$5" -v r="$2" 'BEGIN { if (r > 0 && c != "-" && c != "") printf "%.1f", c / r * 1e6; else print "-" }')
    per_client=$(awk -v c="$6" -v r="$2" 'BEGIN { if (r > 0 && c != "-" && c != "") printf "%.1f", c / r * 1e6; else print "-" }')
    printf '| %-44s | %9s | %9s | %9s | %7s | %7s | %9s | %9s | %6s |\n' "$1" "$2" "$3" "$4" "$5" "$6" "$per_server" "$per_client" "${7:--}"
}
wrk_row() { # LABEL NAME
    # shellcheck disable=SC2046
    row "$1" $(cat "$OUT/wrk-$2.row")
}
cpu_of() { local v; v=$(tr -d '\n' <"$1" | sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p"); echo "${v:--}"; }
swerve_row() { # NAME FILE
    row "$1" "$(printf '%.0f' "$(json_number "$2" requests_per_second)")" "$(printf '%.1f' "$(json_latency "$2" p50)")" \
        "$(printf '%.1f' "$(json_latency "$2" p99)")" "$(cpu_of "$2" server_cores)" "$(cpu_of "$2" bench_cores)" \
        "$(cpu_of "$2" machine_idle_percent)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

{
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(uname -r)"
    echo "Connections: $CONNECTIONS; $DURATION s per run after $WARMUP s warm-up; one load-generator thread everywhere."
    echo
    printf '| %-44s | %9s | %9s | %9s | %7s | %7s | %9s | %9s | %6s |\n' "run" "req/s" "p50 µs" "p99 µs" "server cores" "client cores" "server CPU µs/req" "client CPU µs/req" "machine idle %"
    printf '| %-44s | %9s | %9s | %9s | %7s | %7s | %9s | %9s | %6s |\n' "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
    swerve_row "swerve binary Predict iris b1 (closed)" "$OUT/binary.json"
    row "redis-benchmark PING_MBULK" "$(printf '%.0f' "$REDIS_RPS")" "$(awk -v v="$REDIS_P50" 'BEGIN{print v*1000}')" "$(awk -v v="$REDIS_P99" 'BEGIN{print v*1000}')" "$REDIS_CPU" "$REDIS_CLIENT_CPU" "$REDIS_IDLE"
    if [ -n "$REST_PORT" ]; then
        swerve_row "swerve REST :predict iris b1 (swerve-bench)" "$OUT/rest.json"
        wrk_row "wrk -> swerve REST :predict iris b1" swerve-tf
        wrk_row "wrk -> swerve REST /predict iris b1" swerve-classic
    else
        row "swerve REST predict" "skipped" "-" "-" "-" "-"
    fi
    wrk_row "wrk -> nginx fixed JSON 200 (1 worker)" nginx
    [ -f "$OUT/wrk-fastapi.row" ] && wrk_row "wrk -> seeds' FastAPI pattern /predict" fastapi
    swerve_row "swerve-bench --http -> nginx (client check)" "$OUT/bench-nginx.json"
    swerve_row "swerve binary open loop at 50% of peak" "$OUT/open50.json"
    swerve_row "swerve binary pipelined depth 16" "$OUT/pipelined.json"
    if [ -f "$OUT/fanout.json" ]; then swerve_row "swerve fan-out Predict iris-ovr (3 members)" "$OUT/fanout.json"; fi
    echo
    BIN_RPS=$(json_number "$OUT/binary.json" requests_per_second)
    PIPE_RPS=$(json_number "$OUT/pipelined.json" requests_per_second)
    OPEN_P99=$(json_latency "$OUT/open50.json" p99)
    echo "Targets:"
    r=$(ratio "$BIN_RPS" "$REDIS_RPS")
    echo "  binary Predict / redis PING          = $r   (target >= 1.00: $(awk -v r="$r" 'BEGIN { print (r >= 1.0) ? "met" : "NOT met" }'))"
    if [ -n "$REST_PORT" ]; then
        r=$(ratio "$(wrk_rps swerve-tf)" "$(wrk_rps nginx)")
        echo "  REST :predict / nginx (wrk)          = $r   (target >= 0.80: $(awk -v r="$r" 'BEGIN { print (r >= 0.8) ? "met" : "NOT met" }'))"
        if [ -f "$OUT/wrk-fastapi.row" ]; then
            r=$(ratio "$(wrk_rps swerve-classic)" "$(wrk_rps fastapi)")
            echo "  REST /predict / FastAPI (wrk)        = $r   (target >= 30: $(awk -v r="$r" 'BEGIN { print (r >= 30) ? "met" : "NOT met" }'))"
        fi
    else
        echo "  REST predict / nginx                 = skipped (no REST adapter in this build)"
    fi
    echo "  p99 at 50% of peak ($HALF req/s)  = $(printf '%.1f' "$OPEN_P99") µs   (target < 1000: $(awk -v v="$OPEN_P99" 'BEGIN { print (v < 1000) ? "met" : "NOT met" }'))"
    echo "  pipelined depth 16                   = $(printf '%.0f' "$PIPE_RPS") req/s   (target >= 300000: $(awk -v v="$PIPE_RPS" 'BEGIN { print (v >= 300000) ? "met" : "NOT met" }'))"
    for f in binary open50 pipelined fanout rest; do
        [ -f "$OUT/$f.json" ] || continue
        e=$(json_errors "$OUT/$f.json")
        [ -z "$e" ] || echo "  errors in $f: $e"
    done
    for f in swerve-tf swerve-classic nginx fastapi; do
        [ -f "$OUT/wrk-$f.txt" ] || continue
        n=$(wrk_failures "$f")
        [ "$n" = 0 ] || echo "  failed requests in wrk-$f: $n (see $OUT/wrk-$f.txt)"
    done
    echo
    echo "JSON and HTML reports: $OUT/"
} | tee "$OUT/summary.md"

# gRPC (issue 16): h2load against swerve's gRPC and its references, after the
# rows above so the two never share the machine.
if [ "${BENCH_GRPC:-1}" != 0 ]; then
    if command -v h2load >/dev/null && [ -x .build/grpc-venv/bin/python ]; then
        DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS OUT=$OUT/grpc scripts/bench-grpc.sh | tee -a "$OUT/summary.md"
    else
        echo "gRPC rows skipped: run make bench-grpc once (it installs h2load, libgrpc++ and the gRPC venv)" | tee -a "$OUT/summary.md"
    fi
fi
