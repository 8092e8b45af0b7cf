#!/usr/bin/env bash
# Runs the capture tests against real kernel video drivers: vivid (YUYV/GREY, fault injection,
# unplug) and v4l2loopback fed MJPEG by scripts/lb_producer.c, each scenario in its own boot of the
# qemu bed (../shared/v4l2bed/make_bed.sh). Prints one PASS/FAIL line per scenario; exits non-zero
# if any fails or was skipped.
#   scripts/test_v4l2.sh                    all scenarios
#   scripts/test_v4l2.sh NAME...            only these (names as in the table below)
#   scripts/test_v4l2.sh --filter F [-l]    any Swift Testing filter in one boot (-l: with loopback +
#                                           producer), e.g. an end-to-end daemon test
# env: EDGEFER_SHARED (default ../shared next to the repo), BED_CACHE (make_bed's kernel cache).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${EDGEFER_SHARED:-$root/../shared}
bed=$shared/v4l2bed/make_bed.sh
[ -x "$bed" ] || { echo "test_v4l2: no $bed (set EDGEFER_SHARED)" >&2; exit 2; }
LOOP="video_nr=10 exclusive_caps=1"

# name | Swift Testing filter | needs loopback
scenarios=(
  "yuyv|CaptureTests.VividBedTests/capturesYUYVAtTheRequestedSizeAndRate|"
  "grey|CaptureTests.VividBedTests/capturesGREYAtTheRequestedSizeAndRate|"
  "disconnect|CaptureTests.VividBedTests/disconnectControlIsRecovered|"
  "buf_flag_error|CaptureTests.VividBedTests/bufferFlaggedErrorIsDroppedAndCounted|"
  "fatal_streaming_error|CaptureTests.VividBedTests/fatalStreamingErrorIsRecovered|"
  "unbind_bind|CaptureTests.VividBedTests/unbindAndBindIsRecovered|"
  "mjpeg_loopback|CaptureTests.LoopbackBedTests|loop"
)
if [ "${1:-}" = --filter ]; then
  scenarios=("custom|$2|${3:+loop}")
  shift $#
fi
if (($#)); then
  picked=()
  for want in "$@"; do
    for s in "${scenarios[@]}"; do [ "${s%%|*}" = "$want" ] && picked+=("$s"); done
  done
  ((${#picked[@]})) || { echo "test_v4l2: no scenario named $*" >&2; exit 2; }
  scenarios=("${picked[@]}")
fi

t0=$EPOCHREALTIME
cd "$root"
echo "test_v4l2: building the test bundle and the producer" >&2
swift build --build-tests >&2
bundle=$(ls -d "$root"/.build/debug/*PackageTests.xctest | head -1)
work=$(mktemp -d /tmp/edgefer-v4l2.XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -o "$work/lb_producer" scripts/lb_producer.c

fails=0
summary=()
for s in "${scenarios[@]}"; do
  IFS='|' read -r name filter loop <<< "$s"
  out=$work/$name
  mkdir -p "$out/samples"
  cp -r samples/faces "$out/samples/"
  opts=(-m 1536 -t 240 -o "$out" -f "$work/lb_producer")
  [ -z "$loop" ] || opts+=(-l "$LOOP")
  s0=$EPOCHREALTIME
  rc=0
  "$bed" "${opts[@]}" "$bundle" --testing-library swift-testing --filter "$filter" > "$out/log.txt" 2>&1 || rc=$?
  secs=$(awk -v a="$EPOCHREALTIME" -v b="$s0" 'BEGIN { printf "%.1f", a - b }')
  result=$(grep -aE 'Test run with [0-9]+ tests?' "$out/log.txt" | tail -1 | sed 's/\x1b\[[0-9;]*m//g; s/^[^T]*//' || true)
  if [ "$rc" -eq 0 ] && grep -aq 'passed' <<< "$result" && ! grep -aqE 'skipped|0 tests' <<< "$result$(grep -a ' skipped' "$out/log.txt" || true)"; then
    summary+=("PASS $name (${secs} s): $result")
  else
    fails=$((fails + 1))
    summary+=("FAIL $name (${secs} s, rc=$rc): ${result:-no test result}")
    echo "----- $name: log tail -----" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$out/log.txt" | grep -avE '^\[ *[0-9.]+\] ' | tail -40 >&2
  fi
  echo "${summary[-1]}"
done
total=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.0f", a - b }')
echo "test_v4l2: $((${#scenarios[@]} - fails))/${#scenarios[@]} scenarios passed in ${total} s"
((fails == 0))
