#!/usr/bin/env bash
# Soak test: swerve under a long mixed load while its world changes.
#   scripts/soak.sh [--minutes 10] [--load-percent 80] [--out DIR]
#
# Runs, all on loopback with free ports and directories of their own:
#   redis-server (the job queue), one member server (the three iris-* members
#   of the fan-out model iris-ovr), the front `swerve serve` (binary + REST,
#   jobs on Redis, iris-ovr fanning out to the member server) and two
#   `swerve worker`s.
# Measures the peak of the mixed load first (a few seconds closed loop:
#   binary predict + submit-then-poll + fan-out, and REST predict, at once),
#   then runs the same mix open loop at --load-percent of that peak for
#   --minutes, while
#   - every 10 s the repository gains a version (iris/2, copied in whole and
#     renamed into place) or loses it again, and
#   - every minute one worker (in turn) is SIGKILLed and started again.
# Every second it samples RSS, open descriptors and threads of each swerve
# process (/proc) and the load's throughput and error counts into
# OUT/samples.csv. At the end it waits for the queue to drain and counts the
# jobs accepted and completed (Redis). swerve-soak-report then gives the
# verdict: no errors except UNAVAILABLE within a few seconds of a version
# going away, RSS and descriptors of the long-lived processes flat after the
# warm-up (fitted rise <= 10%), every accepted job completed; and it draws
# OUT/soak.png (RSS, descriptors, throughput over time). Exit status: 0 when
# the verdict passes.
#
# Binaries: SWERVE_BIN_DIR (default .build/release; built when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=10
LOAD_PERCENT=80
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) MINUTES=${2:?--minutes needs a number}; shift 2 ;;
        --load-percent) LOAD_PERCENT=${2:?--load-percent needs a number}; shift 2 ;;
        --out) OUT=${2:?--out needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "soak: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || { echo "soak: --minutes must be a positive whole number, got '$MINUTES'" >&2; exit 2; }
[[ "$LOAD_PERCENT" =~ ^[1-9][0-9]?$|^100$ ]] || { echo "soak: --load-percent must be 1...100, got '$LOAD_PERCENT'" >&2; exit 2; }

log() { printf 'soak: %s\n' "$*"; }
die() { printf 'soak: %s\n' "$*" >&2; exit 1; }
command -v redis-server >/dev/null || die "redis-server missing: apt-get install redis-server"
command -v redis-cli >/dev/null || die "redis-cli missing: apt-get install redis-tools"

BIN_DIR=${SWERVE_BIN_DIR:-.build/release}
for product in swerve swerve-bench swerve-soak-report; do
    if [ ! -x "$BIN_DIR/$product" ]; then
        log "building $product (release)"
        swift build -c release --product "$product" >/dev/null
    fi
done
SWERVE=$BIN_DIR/swerve
BENCH=$BIN_DIR/swerve-bench
REPORT=$BIN_DIR/swerve-soak-report

RUN_DIR=${OUT:-$(mktemp -d "/tmp/swerve-soak.XXXXXX")}
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
log "logs, samples and the plot in $RUN_DIR"
# shellcheck source=scripts/local-processes.sh
. scripts/local-processes.sh

BENCH_PIDS=()
stop_all() {
    local pidfile pid
    for pid in "${BENCH_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pidfile in "$RUN_DIR"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill -TERM "$pid" 2>/dev/null || true
    done
    local deadline=$((SECONDS + 20))
    for pidfile in "$RUN_DIR"/*.pid; do
        [ -e "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
    rm -rf "$RUN_DIR/models" "$RUN_DIR/members" "$RUN_DIR/spare" "$RUN_DIR/redis"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listening_port NAME: the binary port a `swerve serve` started as NAME reported.
listening_port() {
    sed -n 's/.*listening on [^ ]*:\([0-9]*\) .*/\1/p' "$RUN_DIR/$1.log" | head -1
}

# Repositories: the front's (and the workers') with iris and iris-ovr, the
# members' with the three one-vs-rest models, and iris/1 once more as the
# version that comes and goes.
mkdir -p "$RUN_DIR/models" "$RUN_DIR/members" "$RUN_DIR/redis"
cp -r models/iris models/iris-ovr "$RUN_DIR/models/"
cp -r models/iris-setosa models/iris-versicolor models/iris-virginica "$RUN_DIR/members/"
cp -r models/iris/1 "$RUN_DIR/spare"

REDIS_PORT=$(free_port)
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN_DIR/redis" --save '' --appendonly no
wait_for redis 20 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
QUEUE=redis://127.0.0.1:$REDIS_PORT

start member "$SWERVE" serve --models "$RUN_DIR/members" --port 0 --rest-port 0
wait_for member 60 grep -q "listening on" "$RUN_DIR/member.log"
MEMBER_PORT=$(listening_port member)
MEMBERS="setosa=127.0.0.1:$MEMBER_PORT,versicolor=127.0.0.1:$MEMBER_PORT,virginica=127.0.0.1:$MEMBER_PORT"

# A short visibility timeout: a SIGKILLed worker's jobs go to the other one
# within seconds, well inside the load's request timeout.
VISIBILITY=5
start front env SWERVE_MEMBERS="$MEMBERS" "$SWERVE" serve --models "$RUN_DIR/models" --port 0 --rest-port=-1 \
    --queue "$QUEUE" --workers 0 --poll-seconds 1 --visibility-timeout "$VISIBILITY"
wait_for front 60 grep -q "listening on" "$RUN_DIR/front.log"
PORT=$(listening_port front)
REST_PORT=$(sed -n 's/^swerve REST on [^ ]*:\([0-9]*\) .*/\1/p' "$RUN_DIR/front.log" | head -1)
[ -n "$PORT" ] && [ -n "$REST_PORT" ] || die "front did not report its ports (log: $RUN_DIR/front.log)"
wait_for front 60 "$SWERVE" health --server "127.0.0.1:$PORT" --timeout-seconds 2

WORKER_PIDS=()
WORKER_STARTS=(0 0)
# start_worker I: starts worker I (0 or 1); each start logs to its own file.
start_worker() {
    local i=$1
    WORKER_STARTS[$i]=$((WORKER_STARTS[$i] + 1))
    local name="worker-$((i + 1)).${WORKER_STARTS[$i]}"
    start "$name" env SWERVE_MEMBERS="$MEMBERS" "$SWERVE" worker --queue "$QUEUE" --models "$RUN_DIR/models" \
        --workers 2 --poll-seconds 1 --visibility-timeout "$VISIBILITY"
    WORKER_PIDS[$i]=$(cat "$RUN_DIR/$name.pid")
}
start_worker 0
start_worker 1

# Submit-then-poll polls each job every 100 ms: a shorter interval turns a
# backlog (a worker just killed) into a storm of GetJob calls that feeds itself.
BINARY_LOAD=(--target "127.0.0.1:$PORT" --mix predict=6,submit=2,fanout=2 --model iris --fanout-model iris-ovr
             --poll-interval 100 --timeout 60 --connections 8)
REST_LOAD=(--http "http://127.0.0.1:$REST_PORT/v1/models/iris:predict" --features 4 --timeout 60 --connections 8)

# top_level_number FILE FIELD: a number from the first lines of a swerve-bench
# --json result (the top-level fields come one per line before any nesting).
top_level_number() {
    sed -n "s/^  \"$2\": \([0-9.]*\),\{0,1\}\$/\1/p" "$1" | head -1
}

log "measuring the peak (5 s closed loop, binary mix and REST at once)"
"$BENCH" "${BINARY_LOAD[@]}" --pipeline 8 --duration 5 --warmup 1 --quiet --json "$RUN_DIR/peak-binary.json" \
    >"$RUN_DIR/peak-binary.out" 2>&1 &
peak_binary=$!
"$BENCH" "${REST_LOAD[@]}" --duration 5 --warmup 1 --quiet --json "$RUN_DIR/peak-rest.json" >"$RUN_DIR/peak-rest.out" 2>&1 &
peak_rest=$!
wait "$peak_binary" || die "peak run (binary) failed: $(tail -3 "$RUN_DIR/peak-binary.out")"
wait "$peak_rest" || die "peak run (REST) failed: $(tail -3 "$RUN_DIR/peak-rest.out")"
PEAK_BINARY=$(top_level_number "$RUN_DIR/peak-binary.json" requests_per_second)
PEAK_REST=$(top_level_number "$RUN_DIR/peak-rest.json" requests_per_second)
RATE_BINARY=$(awk -v p="$PEAK_BINARY" -v l="$LOAD_PERCENT" 'BEGIN { printf "%.0f", p * l / 100 }')
RATE_REST=$(awk -v p="$PEAK_REST" -v l="$LOAD_PERCENT" 'BEGIN { printf "%.0f", p * l / 100 }')
[ "$RATE_BINARY" -ge 1 ] && [ "$RATE_REST" -ge 1 ] || die "peak too low to load (binary $PEAK_BINARY/s, REST $PEAK_REST/s)"
log "peak: binary mix $PEAK_BINARY req/s, REST $PEAK_REST req/s; soak at $LOAD_PERCENT%: $RATE_BINARY + $RATE_REST req/s"

# The peak run's jobs are accepted jobs too: let them finish, then count the
# soak's own from a clean slate (the peak's are in the same Redis).
drain_queue() {
    local deadline=$((SECONDS + $1)) length
    while :; do
        length=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" XLEN swerve:jobs)
        [ "$length" = 0 ] && return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.5
    done
}
drain_queue 120 || die "the peak run's jobs did not finish within 120 s"

SECONDS_TOTAL=$((MINUTES * 60))
"$BENCH" "${BINARY_LOAD[@]}" --rate "$RATE_BINARY" --duration "$SECONDS_TOTAL" --warmup 0 \
    --json "$RUN_DIR/soak-binary.json" --html "$RUN_DIR/soak-binary.html" >"$RUN_DIR/bench-binary.out" 2>"$RUN_DIR/bench-binary.err" &
BENCH_PIDS+=($!)
"$BENCH" "${REST_LOAD[@]}" --rate "$RATE_REST" --duration "$SECONDS_TOTAL" --warmup 0 \
    --json "$RUN_DIR/soak-rest.json" --html "$RUN_DIR/soak-rest.html" >"$RUN_DIR/bench-rest.out" 2>"$RUN_DIR/bench-rest.err" &
BENCH_PIDS+=($!)

# proc_figures PID...: RSS (kB), open descriptors and threads, summed over the processes.
proc_figures() {
    local rss=0 fds=0 threads=0 pid r t
    for pid in "$@"; do
        read -r r t < <(awk '/^VmRSS:/ { r = $2 } /^Threads:/ { t = $2 } END { print r + 0, t + 0 }' "/proc/$pid/status" 2>/dev/null || echo "0 0")
        rss=$((rss + r))
        threads=$((threads + t))
        fds=$((fds + $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)))
    done
    printf '%s,%s,%s' "$rss" "$fds" "$threads"
}

# bench_progress FILE: "requests per second,errors so far" from swerve-bench's last progress line.
bench_progress() {
    local line
    line=$(tail -n 1 "$1" 2>/dev/null | tr -d ',')
    if [[ "$line" =~ \]\ ([0-9]+)\ req/s.*errors\ ([0-9]+) ]]; then
        printf '%s,%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    else
        printf '0,0'
    fi
}

SAMPLES=$RUN_DIR/samples.csv
echo "second,front_rss_kb,front_fds,front_threads,member_rss_kb,member_fds,member_threads,workers_rss_kb,workers_fds,workers_threads,binary_rps,binary_errors,rest_rps,rest_errors,iris_versions,sampler_lag_ms,event" >"$SAMPLES"
FRONT_PID=$(cat "$RUN_DIR/front.pid")
MEMBER_PID=$(cat "$RUN_DIR/member.pid")
VERSION_DIR=$RUN_DIR/models/iris/2
KILLS=0
log "soaking for $MINUTES min (version change every 10 s, a worker SIGKILLed every minute)"
start_ns=$(date +%s%N)
for ((second = 1; second <= SECONDS_TOTAL; second++)); do
    # The pace of the sampling: the next whole second since the start.
    now_ns=$(date +%s%N)
    wait_ns=$((start_ns + second * 1000000000 - now_ns))
    [ $wait_ns -gt 0 ] && sleep "$(printf '%d.%09d' $((wait_ns / 1000000000)) $((wait_ns % 1000000000)))"
    # How late this sample is: a second or more means the whole machine
    # stalled (every process here is that late), which the verdict reports
    # apart from faults of swerve's own.
    lag_ms=$((($(date +%s%N) - start_ns - second * 1000000000) / 1000000))
    event=""
    if ((second % 10 == 0)); then
        if [ -d "$VERSION_DIR" ]; then
            mv "$VERSION_DIR" "$RUN_DIR/removed-2" && rm -rf "$RUN_DIR/removed-2"
            event="version-removed"
        else
            # Copied beside the repository, then renamed in: a scan never sees half a version.
            cp -r "$RUN_DIR/spare" "$RUN_DIR/incoming-2" && mv "$RUN_DIR/incoming-2" "$VERSION_DIR"
            event="version-added"
        fi
    fi
    if ((second % 60 == 30)); then
        victim=$((KILLS % 2))
        kill -KILL "${WORKER_PIDS[$victim]}" 2>/dev/null || true
        wait "${WORKER_PIDS[$victim]}" 2>/dev/null || true
        rm -f "$RUN_DIR/worker-$((victim + 1)).${WORKER_STARTS[$victim]}.pid"
        start_worker "$victim" >/dev/null
        KILLS=$((KILLS + 1))
        event="${event:+$event }worker-$((victim + 1))-killed"
    fi
    versions=$(find "$RUN_DIR/models/iris" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' | wc -l)
    kill -0 "$FRONT_PID" 2>/dev/null || die "the front server died at second $second (log: $RUN_DIR/front.log)"
    echo "$second,$(proc_figures "$FRONT_PID"),$(proc_figures "$MEMBER_PID"),$(proc_figures "${WORKER_PIDS[@]}"),$(bench_progress "$RUN_DIR/bench-binary.err"),$(bench_progress "$RUN_DIR/bench-rest.err"),$versions,$lag_ms,$event" >>"$SAMPLES"
    ((second % 60 == 0)) && log "$((second / 60)) min: $(tail -n 1 "$RUN_DIR/bench-binary.err"); REST $(tail -n 1 "$RUN_DIR/bench-rest.err")"
done

log "load done; waiting for the load generators and the queue"
for pid in "${BENCH_PIDS[@]}"; do wait "$pid" || log "swerve-bench $pid exited with $?"; done
BENCH_PIDS=()
drain_queue $((VISIBILITY * 6 + 60)) || log "the queue still holds jobs after $((VISIBILITY * 6 + 60)) s"
# Every job hash by state (1 pending, 2 processing, 3 completed, 4 failed).
JOB_COUNTS=$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" --no-raw EVAL "
    local counts = {0, 0, 0, 0, 0}
    for _, key in ipairs(redis.call('KEYS', ARGV[1])) do
        local state = tonumber(redis.call('HGET', key, 'state')) or 0
        counts[1] = counts[1] + 1
        if state >= 1 and state <= 4 then counts[state + 1] = counts[state + 1] + 1 end
    end
    return counts" 0 'swerve:job:*' | sed 's/^[0-9]*) (integer) //' | tr '\n' ' ')
read -r JOBS_TOTAL JOBS_PENDING JOBS_PROCESSING JOBS_COMPLETED JOBS_FAILED <<<"$JOB_COUNTS"
[[ "$JOBS_TOTAL" =~ ^[0-9]+$ ]] || die "could not count the jobs in Redis: $JOB_COUNTS"
log "jobs: $JOBS_TOTAL accepted (peak run included), $JOBS_COMPLETED completed, $JOBS_FAILED failed, $JOBS_PENDING pending, $JOBS_PROCESSING processing"
stop_all
trap - EXIT

WARMUP=$((SECONDS_TOTAL / 10))
((WARMUP < 20)) && WARMUP=20
((WARMUP > 300)) && WARMUP=300
"$REPORT" --samples "$SAMPLES" --bench "$RUN_DIR/soak-binary.json" --bench "$RUN_DIR/soak-rest.json" \
    --jobs-accepted "$JOBS_TOTAL" --jobs-completed "$JOBS_COMPLETED" --warmup-seconds "$WARMUP" \
    --png "$RUN_DIR/soak.png" | tee "$RUN_DIR/verdict.txt"
status=${PIPESTATUS[0]}
log "samples $SAMPLES, plot $RUN_DIR/soak.png, verdict $RUN_DIR/verdict.txt"
exit "$status"
