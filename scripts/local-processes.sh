# Sourced by the scripts that run services as local processes. Needs RUN_DIR
# and functions log and die.

# start NAME COMMAND...: runs COMMAND in the background with its own log and
# pid file. The service keeps no descriptor of ours beyond its log: an
# inherited pipe (a caller capturing this script's output) would otherwise
# stay open for as long as the service runs, and the caller would never see
# this script finish.
start() {
    local name=$1; shift
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null
        done
        exec "$@" </dev/null >"$RUN_DIR/$name.log" 2>&1
    ) &
    echo $! >"$RUN_DIR/$name.pid"
    log "started $name (pid $!)"
}

# wait_for NAME SECONDS COMMAND...: polls COMMAND until it succeeds, failing if
# the service's process died or the time ran out.
wait_for() {
    local name=$1 seconds=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ -f "$RUN_DIR/$name.pid" ] && ! kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
            tail -20 "$RUN_DIR/$name.log" >&2 || true
            die "$name exited before it was ready (log: $RUN_DIR/$name.log)"
        fi
        [ $SECONDS -lt $deadline ] || die "$name not ready after ${seconds}s (log: $RUN_DIR/$name.log)"
        sleep 0.2
    done
    log "$name ready"
}
