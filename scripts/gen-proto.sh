#!/usr/bin/env bash
# Regenerates the protoc-c output committed under Sources/C*Proto from proto/.
#   scripts/gen-proto.sh          rewrite the generated files
#   scripts/gen-proto.sh --check  fail if the committed files differ from a fresh run
# Each group of protos maps to one C target, imported by exactly one Swift module:
#   proto/onnx/*.proto       -> Sources/CONNXProto        (ModelRuntime)
#   proto/swerve/v1/*.proto  -> Sources/CSwerveProto      (Wire)
#   the vendored gRPC services and their import closure -> Sources/CGRPCServiceProto (GRPCServices):
#     proto/inference/*.proto (Triton's KServe V2 service), proto/grpc/ (grpc.health.v1),
#     proto/tensorflow_serving/ + proto/tensorflow/ (TF Serving 2.14.1 over TensorFlow 2.14.1),
#     proto/google/protobuf/ (the well-known types they import).
# Generated headers keep their proto path under the target's include/ and sources the same path
# under the target, so the generated #include lines resolve through include/.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc-c >/dev/null || { echo "protoc-c missing: apt-get install protobuf-c-compiler" >&2; exit 1; }

check=0
[ "${1:-}" = "--check" ] && check=1

targets=(CONNXProto CSwerveProto CGRPCServiceProto)

generate() { # generate TARGET DEST_ROOT INCLUDE_ROOT PROTO_FILE...
    local target=$1 dest=$2 root=$3 tmp rel
    shift 3
    tmp=$(mktemp -d)
    for f in "$@"; do
        protoc-c --c_out="$tmp" -I"$root" "$f"
    done
    while IFS= read -r -d '' rel; do
        rel=${rel#./}
        case $rel in
            *.pb-c.h) mkdir -p "$dest/$target/include/$(dirname "$rel")"; cp "$tmp/$rel" "$dest/$target/include/$rel" ;;
            *.pb-c.c) mkdir -p "$dest/$target/$(dirname "$rel")"; cp "$tmp/$rel" "$dest/$target/$rel" ;;
        esac
    done < <(cd "$tmp" && find . -type f -print0)
    rm -rf "$tmp"
}

run_all() { # run_all DEST_ROOT
    generate CONNXProto "$1" proto proto/onnx/*.proto
    generate CSwerveProto "$1" proto proto/swerve/v1/*.proto
    local closure=()
    mapfile -t closure < <(find proto/google proto/grpc proto/tensorflow proto/tensorflow_serving -name '*.proto' | LC_ALL=C sort)
    generate CGRPCServiceProto "$1" proto "${closure[@]}"
    # Triton imports "model_config.proto" by bare name, so proto/inference is its own include root
    # (its headers land at the top of include/).
    generate CGRPCServiceProto "$1" proto/inference proto/inference/*.proto
}

if [ $check = 1 ]; then
    out=$(mktemp -d)
    run_all "$out"
    status=0
    for target in "${targets[@]}"; do
        while IFS= read -r -d '' f; do
            rel=${f#"$out/"}
            if ! cmp -s "$f" "Sources/$rel"; then
                echo "out of date: Sources/$rel (run scripts/gen-proto.sh)" >&2
                status=1
            fi
        done < <(find "$out/$target" -type f -print0)
        # A generated file whose proto was removed would otherwise linger and still compile.
        while IFS= read -r -d '' f; do
            rel=${f#Sources/}
            if [ ! -e "$out/$rel" ]; then
                echo "stale: $f has no proto under proto/ (delete it or run scripts/gen-proto.sh)" >&2
                status=1
            fi
        done < <(find "Sources/$target" -name '*.pb-c.[ch]' -print0)
    done
    rm -rf "$out"
    [ $status = 0 ] && echo "generated protobuf-c code is up to date"
    exit $status
fi
for target in "${targets[@]}"; do
    [ -d "Sources/$target" ] && find "Sources/$target" -name '*.pb-c.[ch]' -delete
done
run_all Sources
echo "regenerated protobuf-c code under Sources/{$(IFS=,; echo "${targets[*]}")}"
