#!/usr/bin/env bash
# profile.sh: where a loaded swerve server spends its CPU, and how often it
# allocates.
#
#   scripts/profile.sh [binary|rest] [--seconds 10] [--connections 32] [--allocations]
#
# Builds the release binaries (as bench-compare.sh does) and
# scripts/malloc-counter.so, starts `swerve serve` on the shipped models with
# the counter preloaded, and puts it under closed-loop load from swerve-bench
# (iris, batch 1: binary Predict, or REST :predict) while `perf record`
# samples the server. Prints
#   - swerve-bench's report, with the server's heap allocations per request;
#   - the share of samples per shared object (kernel, swerve, libswiftCore,
#     libc, ...), and libswiftCore's share on its own line;
#   - the top symbols;
#   - with --allocations, who allocates: after the load, a uprobe on the
#     counter's malloc records the call chain of every allocation for 2 s
#     more of the same load, printed as a caller tree (share of allocations).
# perf.data and the reports stay in OUT (default .build/profile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WORKLOAD=binary
SECONDS_MEASURED=10
CONNECTIONS=32
ALLOCATIONS=0
while [ $# -gt 0 ]; do
    case "$1" in
        binary|rest) WORKLOAD=$1; shift ;;
        --seconds) SECONDS_MEASURED=${2:?--seconds needs a number}; shift 2 ;;
        --connections) CONNECTIONS=${2:?--connections needs a number}; shift 2 ;;
        --allocations) ALLOCATIONS=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "profile: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
OUT=${OUT:-$ROOT/.build/profile}
mkdir -p "$OUT"

command -v perf >/dev/null || { echo "profile: perf is missing: apt-get install linux-perf" >&2; exit 1; }
command -v cc >/dev/null || { echo "profile: a C compiler is missing: apt-get install gcc" >&2; exit 1; }

# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh
bench_build release
COUNTER=$ROOT/.build/malloc-counter.so
cc -O2 -shared -fPIC -o "$COUNTER" scripts/malloc-counter.c
bench_scratch profile

SERVE_ARGS=(--models "$ROOT/models" --host 127.0.0.1 --port 0 --log-level warning)
if [ "$WORKLOAD" = rest ]; then REST_PORT=$(free_port); SERVE_ARGS+=(--rest-port "$REST_PORT"); fi
LD_PRELOAD=$COUNTER bench_serve swerve "${SERVE_ARGS[@]}"
[ -e "/dev/shm/swerve-mallocs.$SWERVE_PID" ] || { echo "profile: the malloc counter did not load into swerve" >&2; exit 1; }

case "$WORKLOAD" in
    binary) LOAD=(--target "127.0.0.1:$BINARY_PORT" --model iris) ;;
    rest) wait_for_port "$REST_PORT" "swerve REST"
          LOAD=(--http "http://127.0.0.1:$REST_PORT/v1/models/iris:predict" --features 4) ;;
esac

# perf samples the whole load, its warm-up included: both are the same
# steady closed loop, and the allocation count covers the measured part only.
perf record -F 2999 -g -p "$SWERVE_PID" -o "$OUT/perf.data" >"$OUT/perf-record.log" 2>&1 &
PERF_PID=$!
"$BENCH" "${LOAD[@]}" --batch 1 --connections "$CONNECTIONS" --duration "$SECONDS_MEASURED" --warmup 2 \
    --quiet --server-pid "$SWERVE_PID" --json "$OUT/$WORKLOAD.json" | tee "$OUT/$WORKLOAD.txt"
kill -INT "$PERF_PID"
wait "$PERF_PID" || true

echo
echo "== samples per shared object (server $WORKLOAD load)"
perf report -i "$OUT/perf.data" --stdio --no-children --sort dso 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | sed -n '1,15p' | tee "$OUT/dso.txt"
core=$(awk '/libswiftCore/ { sub(/%/, "", $1); print $1; exit }' "$OUT/dso.txt")
echo "libswiftCore: ${core:-0}% of server samples"
echo
echo "== top symbols"
# Swift names demangled (swift demangle ships with the toolchain).
demangle() { if command -v swift >/dev/null; then swift demangle --simplified; else cat; fi; }
perf report -i "$OUT/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | sed -n '1,40p' | demangle | cut -c1-160 | tee "$OUT/symbols.txt"

if [ "$ALLOCATIONS" = 1 ]; then
    echo
    echo "== who allocates (call chains of the server's mallocs, share of all of them)"
    perf probe -q -d probe_malloc:malloc 2>/dev/null || true
    perf probe -q -x "$COUNTER" --add malloc
    perf record -e probe_malloc:malloc -g -p "$SWERVE_PID" -o "$OUT/allocations.data" >"$OUT/perf-allocations.log" 2>&1 &
    PERF_PID=$!
    "$BENCH" "${LOAD[@]}" --batch 1 --connections "$CONNECTIONS" --duration 2 --warmup 0 --quiet \
        --server-pid "$SWERVE_PID" | grep 'heap allocations'
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
    perf probe -q -d probe_malloc:malloc
    perf report -i "$OUT/allocations.data" --stdio --no-children -G --percent-limit 1 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | demangle | tee "$OUT/allocations.txt"
fi

echo
echo "perf data and reports: $OUT (perf report -i $OUT/perf.data)"
