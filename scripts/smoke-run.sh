#!/usr/bin/env bash
# Tries the README's first command as a new user would: `make run`, then a
# Predict with the CLI and one with curl, then SIGTERM. CI runs it from a
# fresh clone so the README's two commands are both exercised.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
# Its own process group, so the server make started stops with it.
setsid make run >"$log" 2>&1 &
group=$!
stop() { kill -TERM -- "-$group" 2>/dev/null || true; }
trap stop EXIT

deadline=$((SECONDS + 900)) # includes the release build on a cold checkout
until grep -q "listening on" "$log"; do
    if ! kill -0 "$group" 2>/dev/null; then cat "$log"; echo "smoke: make run exited" >&2; exit 1; fi
    [ $SECONDS -lt $deadline ] || { cat "$log"; echo "smoke: make run not listening after 900 s" >&2; exit 1; }
    sleep 1
done
grep "listening on" "$log"

out=$(.build/release/swerve predict --server 127.0.0.1:8500 --model iris --data '[[5.1,3.5,1.4,0.2]]')
echo "swerve predict: $out"
grep -q '"probabilities"' <<<"$out" || { echo "smoke: no probabilities in the CLI's answer" >&2; exit 1; }

rest=$(curl -fsS -H 'Content-Type: application/json' -d '{"instances": [[5.1, 3.5, 1.4, 0.2]]}' \
       http://127.0.0.1:8501/v1/models/iris:predict)
echo "curl predict: $rest"
grep -q '"predictions"' <<<"$rest" || { echo "smoke: no predictions in the REST answer" >&2; exit 1; }

stop
trap - EXIT
wait "$group" 2>/dev/null || true
echo "smoke: make run served the CLI and curl, then stopped on SIGTERM"
