#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/) and runs each for FUZZ_SECONDS (default 60),
# FUZZ_JOBS targets side by side (default: one per core, `nproc`; libFuzzer
# runs a target on one core). Each target first runs its regression inputs
# (Tests/Fuzz/regressions/<target>/, every crash ever fixed), then libFuzzer
# from the seed corpus (Tests/Fuzz/corpus/<target>/) for its full time.
# Fails on any crash, leak, timeout (> 1 s per input) or out-of-memory
# (> 2 GB); the input that did it is written to Tests/Fuzz/crashes/.
#
#   scripts/fuzz.sh [target ...]        targets: frame http grpc onnx config redis stream
#   FUZZ_SECONDS=3600 scripts/fuzz.sh http     one target for an hour
#   FUZZ_JOBS=1 scripts/fuzz.sh         one target at a time
#   FUZZ_BUILD=0 scripts/fuzz.sh        run what is built (FUZZ_BIN: from elsewhere)
#   FUZZ_CONFIG=debug scripts/fuzz.sh   an unoptimised build (.build-fuzz/debug): a
#                                       third of the release build's compile time
#                                       for about half its executions per second
#                                       (CI's short pass, where the build dominates)
#   FUZZ_SEED=1 scripts/fuzz.sh         the same inputs every run (CI: a pass that
#                                       fails only on a real finding, reproducibly)
#
# New inputs libFuzzer finds go to .build-fuzz/corpus/<target>/ (kept between
# runs, never committed); each target's output goes to
# .build-fuzz/logs/<target>.log (its regression run: <target>.log.regressions),
# and a one-line summary per target is printed once all have ended, in the
# order the targets were named.
set -euo pipefail
cd "$(dirname "$0")/.."
began=$(date +%s)

ALL_TARGETS=(frame http grpc onnx config redis stream)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(nproc)}
SCRATCH=.build-fuzz
CONFIG=${FUZZ_CONFIG:-release}
BIN=${FUZZ_BIN:-$SCRATCH/$CONFIG}
# Seconds one input may take; raise it only on a machine too loaded for 1 s
# to mean anything (and check what times out again at 1 s on a quiet one).
TIMEOUT=${FUZZ_TIMEOUT:-1}

[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "FUZZ_JOBS must be a positive integer, got '$JOBS'" >&2; exit 2; }
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]] || { echo "FUZZ_SECONDS must be a positive integer, got '$SECONDS_EACH'" >&2; exit 2; }
[[ "$CONFIG" = release || "$CONFIG" = debug ]] || { echo "FUZZ_CONFIG must be release or debug, got '$CONFIG'" >&2; exit 2; }

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    start=$(date +%s)
    swift build -c "$CONFIG" --package-path Fuzz --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
    echo "fuzz build ($CONFIG): $(( $(date +%s) - start )) s"
fi

for target in "${TARGETS[@]}"; do
    [ -x "$BIN/fuzz-$target" ] || { echo "no fuzz target '$target' (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Leaks are checked per input (libFuzzer re-runs an input that allocates
# more than it frees under LeakSanitizer) and at exit; what a target sets up
# once for every input is exempt (FuzzDriver.run's `prepare`).

# libFuzzer and ASan report crashes; Swift's own backtracer would only
# trip over ASan's poisoned memory while it reads the stacks.
export SWIFT_BACKTRACE=enable=no

mkdir -p Tests/Fuzz/crashes "$SCRATCH/logs"

# One target, start to end: its regression inputs, then libFuzzer. Writes
# its summary to $SCRATCH/logs/<target>.summary, first word "ok" or "FAIL".
fuzz_target() {
    local target=$1
    local binary=$BIN/fuzz-$target
    local log=$SCRATCH/logs/$target.log
    local summary=$SCRATCH/logs/$target.summary
    local options=(-timeout="$TIMEOUT" -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=1
                   -artifact_prefix="Tests/Fuzz/crashes/$target-" -print_final_stats=1)
    [ -n "${FUZZ_SEED:-}" ] && options+=(-seed="$FUZZ_SEED")
    local dict=Tests/Fuzz/dict/$target.dict
    [ -f "$dict" ] && options+=(-dict="$dict")

    local regressions=(Tests/Fuzz/regressions/$target/*)
    if [ -e "${regressions[0]}" ]; then
        if ! "$binary" "${options[@]}" "${regressions[@]}" >"$log.regressions" 2>&1; then
            { echo "FAIL $target: a regression input fails again (see $log.regressions)"
              tail -30 "$log.regressions"; } >"$summary"
            return
        fi
    fi

    mkdir -p "$SCRATCH/corpus/$target"
    if "$binary" "${options[@]}" -max_total_time="$SECONDS_EACH" \
        "$SCRATCH/corpus/$target" "Tests/Fuzz/corpus/$target" >"$log" 2>&1; then
        local last rate
        last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
        rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
        echo "ok   $target: ${SECONDS_EACH} s, ${rate:-?} exec/s, ${last}" >"$summary"
    else
        { echo "FAIL $target (see $log):"
          grep -E 'ERROR|SUMMARY|Test unit written|^#[0-9]+' "$log" | tail -8 || true; } >"$summary"
    fi
}

# Interrupted: stop the targets still running (each background subshell
# and the fuzzer it has started), then leave.
stop_running() {
    for pid in $(jobs -rp); do
        pkill -TERM -P "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
    done
    exit 130
}
trap stop_running INT TERM

# Runs at most JOBS targets at once; each as soon as a slot is free.
for target in "${TARGETS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n || true
    done
    rm -f "$SCRATCH/logs/$target.summary"
    echo "fuzzing $target for ${SECONDS_EACH} s (log: $SCRATCH/logs/$target.log)"
    fuzz_target "$target" &
done
wait

failed=()
for target in "${TARGETS[@]}"; do
    summary=$SCRATCH/logs/$target.summary
    if [ -f "$summary" ]; then
        cat "$summary"
        read -r verdict _ <"$summary"
        [ "$verdict" = ok ] || failed+=("$target")
    else
        echo "FAIL $target: it ended without a summary (see $SCRATCH/logs/$target.log)"
        failed+=("$target")
    fi
done

elapsed="$(( $(date +%s) - began )) s in all"
[ "${FUZZ_BUILD:-1}" = 0 ] || elapsed+=", build included"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]} ($elapsed)" >&2
    exit 1
fi
echo "fuzz: ${#TARGETS[@]} target(s) ran ${SECONDS_EACH} s each, ${JOBS} at a time, without a finding ($elapsed)"
