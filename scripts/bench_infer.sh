#!/usr/bin/env bash
# Our int8 engine against LiteRT (XNNPACK delegate, same threads) on the reference FER model:
# installs ai-edge-litert into the git-ignored venv, builds fer in release, runs `fer bench infer`.
# Usage: scripts/bench_infer.sh [MODEL.tflite] [extra fer bench infer options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model=${1:-${EDGEFER_SHARED:-../shared}/conformance/tflite/seed64.tflite}
shift || true
python=$(scripts/venv.sh ai-edge-litert numpy)
swift build -c release --product fer >&2
exec .build/release/fer bench infer "$model" --python "$python" --litert-script scripts/litert_bench.py \
  --threads 1,2 --batch 1,8 "$@"
