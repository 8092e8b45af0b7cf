#!/usr/bin/env bash
# Ships the best checkpoint of a training run as the default model:
#   scripts/ship_model.sh RUN_DIR [NAME]        (NAME defaults to edgefer-fer8)
# 1. picks the epoch with the highest PublicTest accuracy (FERPlus majority labels) in
#    RUN_DIR/metrics.jsonl (earliest on ties) — the selection metric of the shipped model;
# 2. exports it to firmware-models/NAME.tflite (int8, calibrated on 1000 PublicTest images) and
#    evaluates float and int8 on PublicTest (fer export --evaluate);
# 3. re-scores the shipped file with fer eval-model, records fer inspect and the latency per face
#    (fer bench infer: our engine and LiteRT XNNPACK when .venv has ai-edge-litert);
# everything goes to firmware-models/report/ for the model card. Needs release fer
# (swift build -c release --product fer) and ../shared/datasets/fer2013 (or EDGEFER_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${1:?usage: scripts/ship_model.sh RUN_DIR [NAME]}
name=${2:-edgefer-fer8}
shared=${EDGEFER_SHARED:-../shared}
data="--fer2013 $shared/datasets/fer2013/fer2013.csv.gz --ferplus $shared/datasets/fer2013/fer2013new.csv"
fer=.build/release/fer
[ -x "$fer" ] || { echo "build first: swift build -c release --product fer" >&2; exit 1; }

epoch=$(python3 - "$run/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if r.get("validation")]
best = max(rows, key=lambda r: (r["validation"]["accuracy"], -r["epoch"]))
print(best["epoch"])
PY
)
ckpt=$(printf '%s/checkpoints/epoch-%03d.ckpt' "$run" "$epoch")
[ -f "$ckpt" ] || { echo "missing $ckpt" >&2; exit 1; }
out=firmware-models/report
mkdir -p "$out"
# The daemon loads the one .tflite in firmware-models/: replace any earlier one.
find firmware-models -maxdepth 1 -name '*.tflite' ! -name "$name.tflite" -delete

set -x
"$fer" export $data --labels majority --split usage --checkpoint "$ckpt" --output "firmware-models/$name.tflite" \
  --calibration 1000 --evaluate --report-dir "$out" | tee "$out/export.txt"
"$fer" eval-model --model "firmware-models/$name.tflite" $data --labels majority --usage PublicTest \
  | tee "$out/eval-model-PublicTest.txt"
"$fer" inspect "firmware-models/$name.tflite" > "$out/inspect.txt"
if [ -x .venv/bin/python ] && .venv/bin/python -c 'import ai_edge_litert' 2>/dev/null; then
  "$fer" bench infer "firmware-models/$name.tflite" --threads 1,2 --batch 1,8 --iterations 200 --rounds 3 | tee "$out/bench-infer.txt"
else
  "$fer" bench infer "firmware-models/$name.tflite" --threads 1,2 --batch 1,8 --iterations 200 --rounds 3 --ours-only | tee "$out/bench-infer.txt"
fi
set +x
{
  echo "run: $run"
  echo "checkpoint: $ckpt (epoch $epoch, best PublicTest accuracy in $run/metrics.jsonl)"
  echo "checkpoint sha256: $(sha256sum "$ckpt" | cut -d' ' -f1)"
  echo "model: firmware-models/$name.tflite, $(stat -c %s "firmware-models/$name.tflite") bytes, sha256 $(sha256sum "firmware-models/$name.tflite" | cut -d' ' -f1)"
  echo "shipped: $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
  echo "git: $(git rev-parse --short HEAD)"
} | tee "$out/shipped.txt"
cp "$run/plots/curves.svg" "$out/training-curves.svg" 2>/dev/null || true
# The trainer's PNGs are ~1 MB each (stored, not compressed): the card uses the SVGs; PNGs stay untracked.
rm -f "$out"/*.png
