#!/usr/bin/env bash
# bench-grpc.sh: gRPC ModelInfer (iris, batch 1) on swerve beside its references,
# in one run, with the same load generator and connection counts, so every
# claim is a ratio (issue 16's goals in brackets):
#
#   swerve gRPC (its shared port)                      h2load, 32 conns x 1 stream and 32 x 16
#   (b) C++ gRPC, fixed answer (grpc-fixed-server.cc)  same           [swerve >= 0.8x]
#   (c) Python grpcio + onnxruntime (grpc_python_server.py) same      [swerve >= 20x]
#   (a) swerve's own protocol (swerve-bench)           32 conns, pipeline 1 and 16 [gRPC >= 0.7x]
#
# h2load sends one prepared body: the 5-byte gRPC prefix + a serialized
# ModelInferRequest (iris row 0, raw contents, as tritonclient sends it). h2load
# does not read grpc-status trailers, so every server first answers the same
# request through grpcio and its outputs are checked; a server that does not
# answer correctly is not measured. A swerve build without gRPC is reported as
# SKIPPED and the references still run.
#
# Usage: make bench-grpc       (installs nghttp2-client, libgrpc++-dev, protobuf-compiler-grpc,
#                               the gRPC venv and onnxruntime; then runs this)
# Environment: DURATION (s per run, default 10), WARMUP (s, default 2), CONNECTIONS (default 32),
#              STREAMS (the multi-stream row, default 16), OUT (default .build/bench-results/grpc),
#              CONFIG (swift build configuration, default release; debug only to try the script)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
STREAMS=${STREAMS:-16}
OUT=${OUT:-$ROOT/.build/bench-results/grpc}
CONFIG=${CONFIG:-release}
PY=$ROOT/.build/grpc-venv/bin/python
CXX_DIR=$ROOT/.build/grpc-bench

log() { printf '\n== %s\n' "$*" >&2; }

for tool in h2load protoc grpc_cpp_plugin pkg-config g++; do
    command -v "$tool" >/dev/null || { echo "$tool missing: run make bench-grpc (it installs the bench packages)" >&2; exit 1; }
done
"$PY" -c 'import grpc, onnxruntime, tritonclient.grpc' 2>/dev/null \
    || { echo "$PY lacks grpcio/onnxruntime/tritonclient: run make bench-grpc" >&2; exit 1; }

# shellcheck source=scripts/bench-common.sh
. scripts/bench-common.sh

# ---------------------------------------------------------------- build
log "building $CONFIG (swerve, swerve-bench)"
bench_build "$CONFIG"

# The C++ reference, rebuilt only when its source or the proto changed (model_config.pb.cc takes minutes).
CXX_SERVER=$CXX_DIR/grpc-fixed-server
if [ ! -x "$CXX_SERVER" ] || [ scripts/grpc-fixed-server.cc -nt "$CXX_SERVER" ] \
    || [ proto/inference/grpc_service.proto -nt "$CXX_SERVER" ] || [ proto/inference/model_config.proto -nt "$CXX_SERVER" ]; then
    log "building the C++ gRPC reference into $CXX_DIR"
    rm -rf "$CXX_DIR/gen" && mkdir -p "$CXX_DIR/gen"
    protoc -Iproto/inference --cpp_out="$CXX_DIR/gen" --grpc_out="$CXX_DIR/gen" \
        --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" proto/inference/grpc_service.proto proto/inference/model_config.proto
    # shellcheck disable=SC2046
    g++ -O2 -std=c++17 -I"$CXX_DIR/gen" scripts/grpc-fixed-server.cc "$CXX_DIR"/gen/*.cc \
        $(pkg-config --cflags --libs grpc++ protobuf) -o "$CXX_SERVER"
fi

# ---------------------------------------------------------------- body and answer check
bench_scratch bench-grpc
mkdir -p "$OUT"
rm -f "$OUT"/*.txt "$OUT"/*.json
BODY=$TMP/model-infer-iris.bin
# Writes the h2load body; with a target, instead sends the same request through
# grpcio and checks the answer (status OK, iris outputs of the right shape, label 0).
grpc_request() { # [HOST:PORT]
    "$PY" - "$BODY" "$@" <<'EOF'
import sys
import grpc
import numpy as np
from tritonclient.grpc import service_pb2, service_pb2_grpc

request = service_pb2.ModelInferRequest(model_name="iris")
request.inputs.add(name="input", datatype="FP32", shape=[1, 4])
request.raw_input_contents.append(np.array([5.1, 3.5, 1.4, 0.2], dtype="<f4").tobytes())
if len(sys.argv) == 2:
    message = request.SerializeToString()
    with open(sys.argv[1], "wb") as f:
        f.write(b"\x00" + len(message).to_bytes(4, "big") + message)  # uncompressed, length big-endian
    sys.exit(0)
try:
    with grpc.insecure_channel(sys.argv[2]) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        response = service_pb2_grpc.GRPCInferenceServiceStub(channel).ModelInfer(request, timeout=10)
except Exception as error:
    print(f"no ModelInfer answer from {sys.argv[2]}: {error}", file=sys.stderr)
    sys.exit(1)
outputs = {o.name: (o, raw) for o, raw in zip(response.outputs, response.raw_output_contents)}
label = outputs.get("label")
probabilities = outputs.get("probabilities")
if not label or not probabilities or list(probabilities[0].shape) != [1, 3] \
        or np.frombuffer(label[1], "<i8").tolist() != [0]:
    print(f"{sys.argv[2]} answered ModelInfer unexpectedly: {response}", file=sys.stderr)
    sys.exit(1)
EOF
}
grpc_request

H2LOAD_URL_PATH=/inference.GRPCInferenceService/ModelInfer
# h2load NAME PORT STREAMS -> OUT/NAME.txt; prints req/s (fails the run on any failed request).
run_h2load() {
    local name=$1 port=$2 streams=$3 rps
    log "h2load $name: $CONNECTIONS connections x $streams stream(s), ${DURATION}s (+${WARMUP}s warm-up), 1 thread"
    h2load -t 1 -c "$CONNECTIONS" -m "$streams" -D "$DURATION" --warm-up-time="$WARMUP" \
        -H 'content-type: application/grpc' -H 'te: trailers' -d "$BODY" \
        "http://127.0.0.1:$port$H2LOAD_URL_PATH" >"$OUT/$name.txt" 2>&1 || { cat "$OUT/$name.txt" >&2; exit 1; }
    grep -E "^(finished|requests|status codes|time for request)" "$OUT/$name.txt" >&2
    if ! grep -Eq "requests: .* 0 failed, 0 errored, 0 timeout" "$OUT/$name.txt" \
        || ! grep -Eq "status codes: [0-9]+ 2xx, 0 3xx, 0 4xx, 0 5xx" "$OUT/$name.txt"; then
        echo "$name: h2load saw failed requests (see $OUT/$name.txt)" >&2; exit 1
    fi
    rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$OUT/$name.txt")
    echo "${rps:-0}"
}

declare -A RPS

# ---------------------------------------------------------------- swerve
log "starting swerve serve (gRPC on the swerve port)"
bench_serve swerve --models "$ROOT/models" --host 127.0.0.1 --port 0 --log-level warning
if grpc_request "127.0.0.1:$BINARY_PORT"; then
    RPS[swerve_grpc_1]=$(run_h2load swerve-grpc-m1 "$BINARY_PORT" 1)
    RPS[swerve_grpc_n]=$(run_h2load swerve-grpc-m"$STREAMS" "$BINARY_PORT" "$STREAMS")
else
    log "swerve gRPC: SKIPPED: this build of swerve does not answer gRPC on its port"
fi
for pipeline in 1 "$STREAMS"; do
    log "swerve-bench (swerve protocol): $CONNECTIONS connections, pipeline $pipeline"
    "$BENCH" --target "127.0.0.1:$BINARY_PORT" --model iris --batch 1 --connections "$CONNECTIONS" --pipeline "$pipeline" \
        --duration "$DURATION" --warmup "$WARMUP" --quiet --server-pid "$SWERVE_PID" --json "$OUT/swerve-protocol-p$pipeline.json" \
        | tee "$OUT/swerve-protocol-p$pipeline.txt" >&2
    RPS[swerve_protocol_$([ "$pipeline" = 1 ] && echo 1 || echo n)]=$(sed -n 's/.*"requests_per_second": \([0-9.eE+-]*\).*/\1/p' "$OUT/swerve-protocol-p$pipeline.json" | head -1)
done
kill "$SWERVE_PID"; wait "$SWERVE_PID" 2>/dev/null || true

# ---------------------------------------------------------------- references
# start_reference NAME PORT COMMAND... : in the background, bounded wait for its port, answer checked.
start_reference() {
    local name=$1 port=$2; shift 2
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    REFERENCE_PID=$!
    PIDS+=("$REFERENCE_PID")
    wait_for_port "$port" "$name"
    grpc_request "127.0.0.1:$port" || { cat "$TMP/$name.err" >&2; exit 1; }
}

CXX_PORT=$(free_port)
start_reference cxx "$CXX_PORT" "$CXX_SERVER" --port "$CXX_PORT" --threads "$(nproc)"
RPS[cxx_1]=$(run_h2load cxx-m1 "$CXX_PORT" 1)
RPS[cxx_n]=$(run_h2load cxx-m"$STREAMS" "$CXX_PORT" "$STREAMS")
kill "$REFERENCE_PID"; wait "$REFERENCE_PID" 2>/dev/null || true

PY_PORT=$(free_port)
start_reference python "$PY_PORT" "$PY" scripts/grpc_python_server.py --model "$ROOT/models/iris/1/model.onnx" --port "$PY_PORT"
RPS[python_1]=$(run_h2load python-m1 "$PY_PORT" 1)
RPS[python_n]=$(run_h2load python-m"$STREAMS" "$PY_PORT" "$STREAMS")
kill "$REFERENCE_PID"; wait "$REFERENCE_PID" 2>/dev/null || true

# ---------------------------------------------------------------- table
ratio() { # A B -> A/B, or "-" when either is missing
    awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "-" }'
}
{
    printf '\ngRPC ModelInfer, iris batch 1, %s connections, %ss per row (h2load -t1; swerve protocol: swerve-bench)\n\n' "$CONNECTIONS" "$DURATION"
    printf '| server | req/s x1 stream | req/s x%s streams |\n|---|---:|---:|\n' "$STREAMS"
    printf '| swerve gRPC | %s | %s |\n' "${RPS[swerve_grpc_1]:-skipped}" "${RPS[swerve_grpc_n]:-skipped}"
    printf '| (a) swerve protocol (pipeline 1 / %s) | %s | %s |\n' "$STREAMS" "${RPS[swerve_protocol_1]:--}" "${RPS[swerve_protocol_n]:--}"
    printf '| (b) C++ gRPC, fixed answer | %s | %s |\n' "${RPS[cxx_1]}" "${RPS[cxx_n]}"
    printf '| (c) Python grpcio + onnxruntime | %s | %s |\n' "${RPS[python_1]}" "${RPS[python_n]}"
    printf '\n| ratio | x1 stream | x%s streams | goal |\n|---|---:|---:|---|\n' "$STREAMS"
    printf '| swerve gRPC / C++ fixed | %s | %s | >= 0.8x |\n' "$(ratio "${RPS[swerve_grpc_1]:-}" "${RPS[cxx_1]}")" "$(ratio "${RPS[swerve_grpc_n]:-}" "${RPS[cxx_n]}")"
    printf '| swerve gRPC / swerve protocol | %s | %s | >= 0.7x |\n' "$(ratio "${RPS[swerve_grpc_1]:-}" "${RPS[swerve_protocol_1]:-}")" "$(ratio "${RPS[swerve_grpc_n]:-}" "${RPS[swerve_protocol_n]:-}")"
    printf '| swerve gRPC / Python | %s | %s | >= 20x |\n' "$(ratio "${RPS[swerve_grpc_1]:-}" "${RPS[python_1]}")" "$(ratio "${RPS[swerve_grpc_n]:-}" "${RPS[python_n]}")"
    printf '| C++ fixed / Python (the references themselves) | %s | %s | |\n' "$(ratio "${RPS[cxx_1]}" "${RPS[python_1]}")" "$(ratio "${RPS[cxx_n]}" "${RPS[python_n]}")"
} | tee "$OUT/summary.txt"
