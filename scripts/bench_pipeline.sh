#!/usr/bin/env bash
# Whole-path benchmark of ferd (MJPEG file source at 640x480 with 1 and 4 faces → detect →
# recognize → track) against the seed-equivalent Python path (OpenCV Haar + LiteRT, installed
# into the git-ignored .venv), then ferd's resident memory while it runs the 4-face frame.
# Usage: scripts/bench_pipeline.sh [extra `fer bench pipeline` options]
# env: MODEL (default: the shipped model in firmware-models/, else seed64 from the shared data),
#      RSS_SECONDS (how long ferd runs for the memory measurement, default 8).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model=${MODEL:-}
if [ -z "$model" ]; then
  if ls firmware-models/*.tflite >/dev/null 2>&1; then model=$(ls firmware-models/*.tflite | head -1)
  else model=${EDGEFER_SHARED:-$root/../shared}/conformance/tflite/seed64.tflite; fi
fi
python=$(scripts/venv.sh 'opencv-python-headless<5' ai-edge-litert numpy)
swift build -c release --product fer >&2
swift build -c release --product ferd >&2
.build/release/fer bench pipeline --model "$model" --python "$python" "$@" 2> >(grep -v ' info ' >&2)

# Resident memory of ferd itself with the model loaded, on the 4-face frame at 30 fps, no broker.
work=$(mktemp -d /tmp/edgefer-rss.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/four" && cp samples/faces/frame06.jpg "$work/four/"
.build/release/ferd --config config/ferd.toml --set mqtt.enabled=false --set "model.path=$model" \
  --set "camera.source=folder:$work/four" --set camera.fps=30 --set detector.full_scan_every=10 2> "$work/ferd.log" &
pid=$!
sleep "${RSS_SECONDS:-8}"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
kill -TERM "$pid"
wait "$pid" || { echo "bench_pipeline: ferd failed:" >&2; cat "$work/ferd.log" >&2; exit 1; }
echo "ferd on the 4-face frame at 30 fps for ${RSS_SECONDS:-8} s, model $(basename "$model"): VmRSS $((rss / 1024)) MiB, peak VmHWM $((hwm / 1024)) MiB ($hwm kB)"
