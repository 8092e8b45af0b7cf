#!/usr/bin/env bash
# Whole-path benchmark of ferd (MJPEG file source at 640x480 with 1 and 4 faces → detect →
# recognize → track) against the seed-equivalent Python path (OpenCV Haar + LiteRT, installed
# into the git-ignored .venv), then ferd's resident memory while it runs the 4-face frame.
# Stage times are wall-clock: run it on an otherwise idle machine (pause other jobs) for fps/p99.
# Usage: scripts/bench_pipeline.sh [extra `fer bench pipeline` options]
# env: MODEL (default: the shipped model in firmware-models/, else seed64 from the shared data),
#      REFERENCE_MODEL (default: firmware-models/reference/*.tflite, the reference recipe's export,
#      else the reference project's seed64.tflite from the shared conformance set),
#      RSS_SECONDS (how long ferd runs for the memory measurement, default 8),
#      PACED_FRAMES (frames of the 60-fps latency pass, default 600),
#      RSS_ONLY=1 (only the memory measurement: no timing passes, no Python anchor).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
model=${MODEL:-}
if [ -z "$model" ]; then
  if ls firmware-models/*.tflite >/dev/null 2>&1; then model=$(ls firmware-models/*.tflite | head -1)
  else model=${EDGEFER_SHARED:-$root/../shared}/conformance/tflite/seed64.tflite; fi
fi
if [ "${RSS_ONLY:-0}" = 1 ]; then
  swift build -c release --product ferd >&2
else
  python=$(scripts/venv.sh 'opencv-python-headless<5' ai-edge-litert numpy)
  swift build -c release --product fer >&2
  swift build -c release --product ferd >&2
  .build/release/fer bench pipeline --model "$model" --python "$python" "$@" 2> >(grep -v ' info ' >&2)
  # Frame-to-decision latency at a camera's pace: the same frames played at 60 fps, defaults otherwise.
  echo
  .build/release/fer bench pipeline --model "$model" --python "" --threads 2 --full-scan-every 1,5 --pace 60 \
    --frames "${PACED_FRAMES:-600}" 2> >(grep -v ' info ' >&2) | grep -v '^model \|^fer bench process'
fi

# Resident memory of ferd itself on the 4-face frame at 30 fps, publishing to a local mosquitto
# (when installed), for the shipped model and the reference-recipe model when one is exported.
work=$(mktemp -d /tmp/edgefer-rss.XXXXXX)
broker_pid=
trap '[ -n "$broker_pid" ] && kill "$broker_pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/four" && cp samples/faces/frame06.jpg "$work/four/"
mqtt=(--set mqtt.enabled=false)
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
if [ -x "$mosquitto" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" > "$work/mosquitto.conf"
  "$mosquitto" -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
  broker_pid=$!
  mqtt=(--set mqtt.host=127.0.0.1 --set "mqtt.port=$port")
fi
reference=${REFERENCE_MODEL:-$(ls firmware-models/reference/*.tflite 2>/dev/null | head -1 || true)}
seed64=${EDGEFER_SHARED:-$root/../shared}/conformance/tflite/seed64.tflite   # the reference project's own model
[ -z "$reference" ] && [ -f "$seed64" ] && reference=$seed64
for m in "$model" ${reference:+"$reference"}; do
  .build/release/ferd --config config/ferd.toml "${mqtt[@]}" --set "model.path=$m" \
    --set "camera.source=folder:$work/four" --set camera.fps=30 2> "$work/ferd.log" &
  pid=$!
  sleep "${RSS_SECONDS:-8}"
  rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status") hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || { echo "bench_pipeline: ferd failed:" >&2; cat "$work/ferd.log" >&2; exit 1; }
  published=$(grep -c "mqtt: connected" "$work/ferd.log" || true)
  echo "ferd on the 4-face frame at 30 fps for ${RSS_SECONDS:-8} s ($([ "$published" -gt 0 ] && echo "publishing to mosquitto" || echo "MQTT off")), model $(basename "$m"): VmRSS $((rss / 1024)) MiB, peak VmHWM $((hwm / 1024)) MiB ($hwm kB)"
done
