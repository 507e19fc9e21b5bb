#!/usr/bin/env bash
# Builds swerve-runtime-bench in release and runs it and scripts/ort_bench.py
# (onnxruntime, one thread) on the same fixtures, then prints per-row times
# and the swerve/ORT ratio per fixture and batch size (< 1 means swerve is faster).
#   scripts/bench-runtime.sh [--model NAME ...] [--batches 1,10000] [--seconds 0.5]
# Arguments are passed to both benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product swerve-runtime-bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== swerve ModelRuntime"
.build/release/swerve-runtime-bench --json "$out/swerve.json" "$@"
echo "== onnxruntime $(python3 -c 'import onnxruntime; print(onnxruntime.__version__)') (intra_op=1, inter_op=1, sequential)"
python3 scripts/ort_bench.py --json "$out/ort.json" "$@"

python3 - "$out/swerve.json" "$out/ort.json" <<'PY'
import json, sys
swerve, ort = (json.load(open(p)) for p in sys.argv[1:3])
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
