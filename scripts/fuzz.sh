#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/) and runs each for FUZZ_SECONDS (default 60):
# first its regression inputs (Tests/Fuzz/regressions/<target>/, every crash
# ever fixed), then libFuzzer from the seed corpus (Tests/Fuzz/corpus/<target>/).
# Fails on any crash, leak, timeout (> 1 s per input) or out-of-memory
# (> 2 GB); the input that did it is written to Tests/Fuzz/crashes/.
#
#   scripts/fuzz.sh [target ...]        targets: frame http onnx config redis stream
#   FUZZ_SECONDS=3600 scripts/fuzz.sh http     one target for an hour
#   FUZZ_BUILD=0 scripts/fuzz.sh        run what is built (FUZZ_BIN: from elsewhere)
#   FUZZ_SEED=1 scripts/fuzz.sh         the same inputs every run (CI: a pass that
#                                       fails only on a real finding, reproducibly)
#
# New inputs libFuzzer finds go to .build-fuzz/corpus/<target>/ (kept between
# runs, never committed); the final stats of each run go to
# .build-fuzz/logs/<target>.log and a one-line summary per target is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(frame http onnx config redis stream)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
SECONDS_EACH=${FUZZ_SECONDS:-60}
SCRATCH=.build-fuzz
BIN=${FUZZ_BIN:-$SCRATCH/release}
# Seconds one input may take; raise it only on a machine too loaded for 1 s
# to mean anything (and check what times out again at 1 s on a quiet one).
TIMEOUT=${FUZZ_TIMEOUT:-1}

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    start=$(date +%s)
    swift build -c release --package-path Fuzz --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
    echo "fuzz build: $(( $(date +%s) - start )) s"
fi

# Leaks are checked per input (libFuzzer re-runs an input that allocates
# more than it frees under LeakSanitizer) and at exit; what a target sets up
# once for every input is exempt (FuzzDriver.run's `prepare`).

# libFuzzer and ASan report crashes; Swift's own backtracer would only
# trip over ASan's poisoned memory while it reads the stacks.
export SWIFT_BACKTRACE=enable=no

mkdir -p Tests/Fuzz/crashes "$SCRATCH/logs"
failed=()
for target in "${TARGETS[@]}"; do
    binary=$BIN/fuzz-$target
    [ -x "$binary" ] || { echo "no fuzz target '$target' (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
    options=(-timeout="$TIMEOUT" -rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=1
             -artifact_prefix="Tests/Fuzz/crashes/$target-" -print_final_stats=1)
    [ -n "${FUZZ_SEED:-}" ] && options+=(-seed="$FUZZ_SEED")
    dict=Tests/Fuzz/dict/$target.dict
    [ -f "$dict" ] && options+=(-dict="$dict")
    log=$SCRATCH/logs/$target.log

    regressions=(Tests/Fuzz/regressions/$target/*)
    if [ -e "${regressions[0]}" ]; then
        if ! "$binary" "${options[@]}" "${regressions[@]}" >"$log.regressions" 2>&1; then
            echo "FAIL $target: a regression input fails again (see $log.regressions)"
            tail -30 "$log.regressions"
            failed+=("$target")
            continue
        fi
    fi

    mkdir -p "$SCRATCH/corpus/$target"
    if "$binary" "${options[@]}" -max_total_time="$SECONDS_EACH" \
        "$SCRATCH/corpus/$target" "Tests/Fuzz/corpus/$target" >"$log" 2>&1; then
        last=$(grep -E '^#[0-9]+' "$log" | tail -1)
        rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
        echo "ok   $target: ${SECONDS_EACH} s, ${rate:-?} exec/s, ${last}"
    else
        echo "FAIL $target (see $log):"
        grep -E 'ERROR|SUMMARY|Test unit written|^#[0-9]+' "$log" | tail -8
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#TARGETS[@]} target(s) ran ${SECONDS_EACH} s each without a finding"
