#!/usr/bin/env bash
# Regenerates the protoc-c output committed under Sources/C*Proto from proto/.
#   scripts/gen-proto.sh          rewrite the generated files
#   scripts/gen-proto.sh --check  fail if the committed files differ from a fresh run
# Each proto directory maps to one C target, imported by exactly one Swift module:
#   proto/onnx/*.proto       -> Sources/CONNXProto   (ModelRuntime)
#   proto/swerve/v1/*.proto  -> Sources/CSwerveProto (Wire)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v protoc-c >/dev/null || { echo "protoc-c missing: apt-get install protobuf-c-compiler" >&2; exit 1; }

check=0
[ "${1:-}" = "--check" ] && check=1

generate() { # generate PROTO_SUBDIR TARGET DEST_ROOT
    local sub=$1 target=$2 dest=$3 tmp
    tmp=$(mktemp -d)
    for f in proto/"$sub"/*.proto; do
        protoc-c --c_out="$tmp" -Iproto "$f"
    done
    mkdir -p "$dest/$target/include/$sub" "$dest/$target/$sub"
    for h in "$tmp/$sub"/*.pb-c.h; do cp "$h" "$dest/$target/include/$sub/"; done
    for c in "$tmp/$sub"/*.pb-c.c; do cp "$c" "$dest/$target/$sub/"; done
    rm -rf "$tmp"
}

run_all() { # run_all DEST_ROOT
    [ -d proto/onnx ] && ls proto/onnx/*.proto >/dev/null 2>&1 && generate onnx CONNXProto "$1"
    [ -d proto/swerve/v1 ] && ls proto/swerve/v1/*.proto >/dev/null 2>&1 && generate swerve/v1 CSwerveProto "$1"
    return 0
}

if [ $check = 1 ]; then
    out=$(mktemp -d)
    run_all "$out"
    status=0
    for target in CONNXProto CSwerveProto; do
        [ -d "$out/$target" ] || continue
        while IFS= read -r -d '' f; do
            rel=${f#"$out/"}
            if ! cmp -s "$f" "Sources/$rel"; then
                echo "out of date: Sources/$rel (run scripts/gen-proto.sh)" >&2
                status=1
            fi
        done < <(find "$out/$target" -type f -print0)
    done
    rm -rf "$out"
    [ $status = 0 ] && echo "generated protobuf-c code is up to date"
    exit $status
fi
run_all Sources
echo "regenerated protobuf-c code under Sources/CONNXProto and Sources/CSwerveProto"
