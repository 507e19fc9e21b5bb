#!/bin/bash
# Job-queue benchmark: Submit throughput and submit-to-finished latency for the
# memory queue and the Redis queue (no persistence, then appendfsync always).
# Needs a release build (swift build -c release --product swerve) and redis-server;
# uses ports 18601, 18602 and 16601 on 127.0.0.1. Run from the repository root.
set -u
B=${B:-.build/release/swerve}
ROW='[[5.1,3.5,1.4,0.2]]'
bench() {  # $1 label, $2 port
  echo "== $1: burst (20000 submits, window 64)"
  $B submit --server 127.0.0.1:$2 --model iris --data "$ROW" --count 20000 --window 64 --measure
  echo "== $1: one at a time (2000 submits, window 1)"
  $B submit --server 127.0.0.1:$2 --model iris --data "$ROW" --count 2000 --window 1 --measure
}
wait_port() { for i in $(seq 100); do $B health --server 127.0.0.1:$1 >/dev/null 2>&1 && return; sleep 0.1; done; }
# memory
$B serve --models models --port 18601 >/dev/null 2>&1 & S=$!
wait_port 18601; bench "memory (2 workers)" 18601; kill $S; wait $S 2>/dev/null
# redis, no persistence, then appendfsync always
for mode in "no" "always"; do
  D=$(mktemp -d)
  if [ $mode = no ]; then redis-server --port 16601 --bind 127.0.0.1 --dir $D --save '' --appendonly no >/dev/null & R=$!
  else redis-server --port 16601 --bind 127.0.0.1 --dir $D --save '' --appendonly yes --appendfsync always >/dev/null & R=$!; fi
  sleep 0.3
  $B serve --models models --port 18602 --queue redis://127.0.0.1:16601 >/dev/null 2>&1 & S=$!
  $B worker --models models --queue redis://127.0.0.1:16601 --workers 2 >/dev/null 2>&1 & W=$!
  wait_port 18602; bench "redis appendonly=$mode (front + 1 worker process, 2 threads)" 18602
  kill $S $W; wait $S $W 2>/dev/null; kill $R; wait $R 2>/dev/null; rm -rf $D
done
