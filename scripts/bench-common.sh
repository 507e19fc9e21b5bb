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

# bench_serve NAME ARGS...: starts `swerve serve ARGS` in the background
# (its output in TMP/NAME.out and .err) and waits, bounded, until it
# listens; sets SWERVE_PID, BINARY_PORT and, when it serves REST, REST_PORT.
bench_serve() {
    local name=$1 rest; shift
    "$SWERVE" serve "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    SWERVE_PID=$!
    PIDS+=("$SWERVE_PID")
    for _ in $(seq 1 600); do
        grep -q "listening on" "$TMP/$name.out" 2>/dev/null && break
        kill -0 "$SWERVE_PID" 2>/dev/null || { cat "$TMP/$name.err" >&2; exit 1; }
        sleep 0.05 # the pace of a poll with a deadline
    done
    BINARY_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9]*\) .*/\1/p' "$TMP/$name.out" | head -1)
    [ -n "$BINARY_PORT" ] || { echo "swerve ($name) did not report its port" >&2; cat "$TMP/$name.err" >&2; exit 1; }
    rest=$(sed -n 's/^swerve REST on [^ ]*:\([0-9]*\) .*/\1/p' "$TMP/$name.out" | head -1)
    REST_PORT=${rest:-${REST_PORT:-}}
}

# A loopback port nobody listens on (connect refused) from a random start.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    echo "no free port found" >&2; exit 1
}

# Waits (bounded) until something accepts connections on the port.
wait_for_port() {
    local port=$1 name=$2
    for _ in $(seq 1 200); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.05
    done
    echo "$name did not start listening on $port" >&2; exit 1
}
