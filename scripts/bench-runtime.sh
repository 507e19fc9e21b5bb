#!/usr/bin/env bash
# Builds swerve-runtime-bench in release, then for each fixture runs it and
# scripts/ort_bench.py (onnxruntime, one thread) back to back, so both see the
# same machine load, and prints per-row times with the swerve/ORT ratio per
# fixture and batch size (< 1 means swerve is faster).
#   scripts/bench-runtime.sh [--model NAME ...] [--batches 1,10000] [--seconds 0.5]
# --batches and --seconds are passed to both benchmarks; without --model every
# fixture in models/fixtures is measured.
set -euo pipefail
cd "$(dirname "$0")/.."

models=()
options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --model) models+=("$2"); shift 2 ;;
        --batches|--seconds) options+=("$1" "$2"); shift 2 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [ ${#models[@]} -eq 0 ]; then
    for f in models/fixtures/*.json; do models+=("$(basename "$f" .json)"); done
fi

swift build -c release --product swerve-runtime-bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "onnxruntime $(python3 -c 'import onnxruntime; print(onnxruntime.__version__)') (intra_op=1, inter_op=1, sequential); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
for model in "${models[@]}"; do
    .build/release/swerve-runtime-bench --model "$model" --json "$out/swerve-$model.json" ${options[@]+"${options[@]}"} | tail -n 1
    python3 scripts/ort_bench.py --model "$model" --json "$out/ort-$model.json" ${options[@]+"${options[@]}"} | tail -n 1 | sed 's/^/ort: /'
done

python3 - "$out" <<'PY'
import glob, json, os, sys
def load(prefix):
    merged = {}
    for path in glob.glob(os.path.join(sys.argv[1], prefix + "-*.json")):
        merged.update(json.load(open(path)))
    return merged
swerve, ort = load("swerve"), load("ort")
batches = sorted({b for r in ort.values() for b in r}, key=int)
print()
print("| fixture | " + " | ".join(f"batch {b}: swerve ns/row | ORT ns/row | ratio" for b in batches) + " |")
print("|---|" + "---|---|---|" * len(batches))
for name in sorted(ort):
    cells = []
    for b in batches:
        s, o = swerve.get(name, {}).get(b), ort[name].get(b)
        if s is None or o is None:
            cells += ["n/a", f"{o:.1f}" if o else "n/a", "n/a"]
        else:
            cells += [f"{s:.1f}", f"{o:.1f}", f"{s / o:.2f}"]
    print(f"| {name} | " + " | ".join(cells) + " |")
PY
