#!/usr/bin/env bash
# bench-tls.sh: what TLS costs. One run, same machine, same load generator
# (swerve-bench, keep-alive connections opened before measuring, so the
# handshakes are not counted):
#
#   binary Predict    plain  vs  TLS + token   (swerve serve, --target)
#   REST predict      plain  vs  TLS + token   (swerve serve's REST port, --http / https)
#   nginx fixed 200   over TLS, same certificate (a reference for the REST figure)
#
# Goals (issue 18): TLS costs <= 25% of plain throughput; swerve REST over
# TLS >= 0.5x nginx's fixed 200 over TLS. Certificates are made here with
# the openssl CLI (EC P-256, TLS 1.3 is negotiated).
#
# Usage: scripts/bench-tls.sh           (about 1 minute after the build)
# Environment: DURATION (s per run, default 10), WARMUP (s, default 2),
#              CONNECTIONS (default 32), PIPELINE (default 8),
#              CONFIG (release|debug, default release), OUT (default .build/bench-tls)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
PIPELINE=${PIPELINE:-8}
CONFIG=${CONFIG:-release}
OUT=${OUT:-$ROOT/.build/bench-tls}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

log() { printf '\n== %s\n' "$*" >&2; }

log "building $CONFIG (swerve, swerve-bench)"
# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
bench_build "$CONFIG"
bench_scratch bench-tls

# ---------------------------------------------------------------- certificates
log "certificates (openssl)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=bench CA" \
    -keyout "$TMP/ca.key" -out "$TMP/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$TMP/server.key" -out "$TMP/server.csr" 2>/dev/null
openssl x509 -req -in "$TMP/server.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" -CAcreateserial -days 2 \
    -copy_extensions copy -out "$TMP/server.pem" 2>/dev/null
chmod 600 "$TMP/server.key"

# ---------------------------------------------------------------- servers
start_swerve() { # NAME EXTRA-ARGS... ; sets PORT, REST_PORT and SERVER_PID
    local name=$1; shift
    REST_PORT=""
    bench_serve "$name" --models "$ROOT/models" --host 127.0.0.1 --port 0 --rest-port=-1 --log-level warning "$@"
    [ -n "$REST_PORT" ] || { echo "swerve ($name) did not report its REST port" >&2; cat "$TMP/$name.err" >&2; exit 1; }
    PORT=$BINARY_PORT
    SERVER_PID=$SWERVE_PID
    log "swerve ($name) pid $SERVER_PID: binary 127.0.0.1:$PORT, REST 127.0.0.1:$REST_PORT"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.txt
run_bench() { # NAME ARGS...
    local name=$1; shift
    log "swerve-bench $name: $*"
    "$BENCH" "$@" --connections "$CONNECTIONS" --pipeline "$PIPELINE" --duration "$DURATION" --warmup "$WARMUP" --quiet \
        --json "$OUT/$name.json" >"$OUT/$name.txt"
}

start_swerve plain
run_bench binary-plain --target "127.0.0.1:$PORT" --server-pid "$SERVER_PID"
run_bench rest-plain --http "http://127.0.0.1:$REST_PORT/v1/models/iris:predict" --features 4 --server-pid "$SERVER_PID"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

# The secured server checks a bearer token on every call too, as a server
# exposed beyond loopback would.
printf 'bench-token predict\n' >"$TMP/tokens"
chmod 600 "$TMP/tokens"
start_swerve tls --tls-cert "$TMP/server.pem" --tls-key "$TMP/server.key" --auth-tokens "$TMP/tokens"
run_bench binary-tls --target "127.0.0.1:$PORT" --tls-ca "$TMP/ca.pem" --token bench-token --server-pid "$SERVER_PID"
run_bench rest-tls --http "https://127.0.0.1:$REST_PORT/v1/models/iris:predict" --features 4 --tls-ca "$TMP/ca.pem" \
    --token bench-token --server-pid "$SERVER_PID"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

if [ -x "$NGINX" ]; then
    NGINX_PORT=$(free_port)
    # shellcheck source=scripts/nginx-fixed-200.sh
    . scripts/nginx-fixed-200.sh
    nginx_fixed_200_conf "$TMP/nginx" "$NGINX_PORT" "$TMP/server.pem" "$TMP/server.key"
    "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' &
    NGINX_PID=$!
    PIDS+=("$NGINX_PID")
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
        sleep 0.05 # polling the port, bounded
    done
    log "nginx (fixed JSON 200 over TLS) on 127.0.0.1:$NGINX_PORT"
    run_bench nginx-tls --http "https://127.0.0.1:$NGINX_PORT/v1/models/iris:predict" --features 4 --tls-ca "$TMP/ca.pem"
    kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
else
    log "no nginx: the nginx reference row is skipped (apt-get install nginx-light)"
fi

# ---------------------------------------------------------------- table
json_number() { sed -n "s/.*\"$2\": \([0-9.eE+-]*\).*/\1/p" "$1" | head -1; }
json_latency() { tr -d '\n' <"$1" | sed -n "s/.*\"latency_us\": {[^}]*\"$2\": \([0-9.]*\).*/\1/p"; }
rps() { json_number "$OUT/$1.json" requests_per_second; }
printf '\n%-22s %12s %10s %10s %8s\n' run "requests/s" "p50 µs" "p99 µs" failed
for name in binary-plain binary-tls rest-plain rest-tls nginx-tls; do
    f="$OUT/$name.json"
    [ -f "$f" ] || continue
    printf '%-22s %12s %10s %10s %8s\n' "$name" "$(rps "$name")" "$(json_latency "$f" p50)" "$(json_latency "$f" p99)" \
        "$(json_number "$f" requests_failed)"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "binary: TLS / plain = $(ratio "$(rps binary-tls)" "$(rps binary-plain)")   (goal >= 0.75)"
echo "REST:   TLS / plain = $(ratio "$(rps rest-tls)" "$(rps rest-plain)")   (goal >= 0.75)"
if [ -f "$OUT/nginx-tls.json" ]; then
    echo "REST over TLS / nginx 200 over TLS = $(ratio "$(rps rest-tls)" "$(rps nginx-tls)")   (goal >= 0.5)"
fi
echo "(JSON per run in $OUT; $CONNECTIONS connections x $PIPELINE in flight, ${DURATION} s each)"
