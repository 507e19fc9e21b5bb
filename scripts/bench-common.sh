# Sourced by the benchmark scripts: one way to build the binaries under test,
# and one scratch directory whose background processes stop on exit.

# bench_build CONFIG: builds swerve and swerve-bench (release or debug); sets
# SWERVE and BENCH to their paths.
bench_build() {
    local config=$1 bin
    swift build -c "$config" --product swerve 2>&1 | tail -1
    swift build -c "$config" --product swerve-bench 2>&1 | tail -1
    bin=$(swift build -c "$config" --show-bin-path)
    SWERVE=$bin/swerve
    BENCH=$bin/swerve-bench
}

# bench_scratch NAME: a new temporary directory in TMP, and PIDS for the
# processes started in the background; on exit every one of them is stopped
# and the directory removed.
bench_scratch() {
    TMP=$(mktemp -d "/tmp/swerve-$1.XXXXXX")
    PIDS=()
    trap bench_cleanup EXIT INT TERM
}

bench_cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
