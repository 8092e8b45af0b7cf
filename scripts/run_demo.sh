#!/usr/bin/env bash
# `make run`: a local mosquitto on 127.0.0.1 (a free port, its own temp config), ferd (release
# build) on the default source — /dev/video0 when there is one, else the committed sample frames —
# publishing to it, and mosquitto_sub printing the events as they arrive. Stops everything after
# DURATION seconds (default 20; 0 = until Ctrl-C) and prints a summary.
# env: DURATION, PORT (default: a free port), MODEL (default: the shipped model in firmware-models/,
#      else the random-weight seed64 from the shared conformance data), FERD_ARGS (extra ferd options).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${DURATION:-20}
ferd=$root/.build/release/ferd
[ -x "$ferd" ] || swift build -c release --product ferd >&2
for tool in mosquitto mosquitto_sub; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "run_demo: $tool is missing (make deps)" >&2; exit 1; }
done
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)

port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
work=$(mktemp -d /tmp/edgefer-demo.XXXXXX)
broker_pid="" ferd_pid="" sub_pid="" tail_pid=""
stop_all() {
  # ferd first: on SIGTERM it ends its tracks and publishes `offline` while the broker is still up.
  if [ -n "$ferd_pid" ] && kill -0 "$ferd_pid" 2>/dev/null; then
    kill -TERM "$ferd_pid"
    for _ in $(seq 50); do kill -0 "$ferd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$ferd_pid" 2>/dev/null || true
  fi
  sleep 0.3   # let the subscriber print the last messages
  for pid in $sub_pid $tail_pid $broker_pid; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  ferd_pid="" sub_pid="" tail_pid="" broker_pid=""
}
trap 'stop_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

cat > "$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
log_dest stderr
EOF
"$mosquitto" -c "$work/mosquitto.conf" 2> "$work/mosquitto.log" &
broker_pid=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
echo "run_demo: mosquitto on 127.0.0.1:$port (pid $broker_pid)"

args=(--config config/ferd.toml --set mqtt.host=127.0.0.1 --set "mqtt.port=$port" --set mqtt.device=demo
      --set stats.interval=5 --set camera.source=auto)
model=${MODEL:-}
if [ -z "$model" ] && ! ls firmware-models/*.tflite >/dev/null 2>&1; then
  model=${EDGEFER_SHARED:-$root/../shared}/conformance/tflite/seed64.tflite
  echo "run_demo: no model in firmware-models/ yet: using $model (random weights: the emotions mean nothing)"
fi
[ -z "$model" ] || args+=(--set "model.path=$model")
if [ -e /dev/video0 ]; then
  echo "run_demo: camera /dev/video0"
else
  # The sample face jumps ~58 px between frames: a lower IoU threshold keeps it one track.
  echo "run_demo: no camera: playing samples/faces at 10 fps"
  args+=(--set camera.fps=10 --set tracker.iou_threshold=0.1 --set tracker.update_interval=2)
fi
# shellcheck disable=SC2206
args+=(${FERD_ARGS:-})

: > "$work/events.txt"
mosquitto_sub -h 127.0.0.1 -p "$port" -v -t 'edgefer/#' >> "$work/events.txt" &
sub_pid=$!
tail -n +1 -f "$work/events.txt" &
tail_pid=$!
sleep 0.3
"$ferd" "${args[@]}" 2> >(sed -u 's/^/ferd| /' >&2) &
ferd_pid=$!
echo "run_demo: ferd pid $ferd_pid; showing events for ${duration} s (DURATION=0: until Ctrl-C)"

start=$SECONDS rss=""
while kill -0 "$ferd_pid" 2>/dev/null; do
  if [ "$duration" -gt 0 ] && [ $((SECONDS - start)) -ge "$duration" ]; then break; fi
  rss=$(awk '/^VmHWM/ { print $2 " " $3 }' "/proc/$ferd_pid/status" 2>/dev/null || echo "$rss")
  sleep 0.5
done
if ! kill -0 "$ferd_pid" 2>/dev/null; then
  wait "$ferd_pid" && rc=0 || rc=$?
  ferd_pid=""
  echo "run_demo: ferd exited early with status $rc" >&2
  exit 1
fi
stop_all
count() { grep -c "$1" "$work/events.txt" 2>/dev/null || true; }
events=$(count '/events ')
echo "run_demo: $(wc -l < "$work/events.txt") messages: $events face events" \
  "($(count '"type":"new"') new, $(count '"type":"update"') update, $(count '"type":"end"') end)," \
  "$(count '/stats ') stats; ferd peak RSS ${rss:-?}"
[ "$events" -gt 0 ] || { echo "run_demo: no face events arrived" >&2; exit 1; }
