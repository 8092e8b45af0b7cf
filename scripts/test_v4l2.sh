#!/usr/bin/env bash
# Runs the capture tests against real kernel video drivers in the qemu bed
# (../shared/v4l2bed/make_bed.sh): one boot with vivid for YUYV/GREY capture, fault injection,
# stall and unplug; one with v4l2loopback fed MJPEG faces by scripts/lb_producer.c; one with the
# same loopback feeding ferd's camera pipeline end to end (faces → tracker decisions). Prints one
# PASS/FAIL line per scenario (test) and exits non-zero if any failed, was skipped or did not run.
#   scripts/test_v4l2.sh                   all scenarios
#   scripts/test_v4l2.sh --filter F [-l]   any Swift Testing filter in one boot (-l: also load
#                                          v4l2loopback at /dev/video10; lb_producer is in /bin and
#                                          samples/faces in the cwd), e.g. an end-to-end daemon test
# env: EDGEFER_SHARED (default ../shared next to the repo), BED_CACHE (make_bed's kernel cache),
#      KEEP_BED_LOGS=1 keeps the guests' logs (path printed at the end).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${EDGEFER_SHARED:-$root/../shared}
bed=$shared/v4l2bed/make_bed.sh
[ -x "$bed" ] || { echo "test_v4l2: no $bed (set EDGEFER_SHARED)" >&2; exit 2; }

# boot name | Swift Testing filter | "loop" to load v4l2loopback | tests expected (0 = any)
boots=(
  "vivid|CaptureTests.VividBedTests||9"
  "loopback|CaptureTests.LoopbackBedTests|loop|1"
  "pipeline|DaemonTests.PipelineBedTests|loop|1"
)
if [ "${1:-}" = --filter ]; then
  loopflag=""
  if [ "${3:-}" = -l ]; then loopflag=loop; fi
  boots=("custom|$2|$loopflag|0")
fi

t0=$EPOCHREALTIME
cd "$root"
echo "test_v4l2: building the test bundle, ferd (release: a debug build is too slow under emulation) and the producer" >&2
swift build --build-tests >&2
swift build -c release --product ferd >&2
bundle=$(ls -d "$root"/.build/debug/*PackageTests.xctest | head -1)
work=$(mktemp -d /tmp/edgefer-v4l2.XXXXXX)
trap '[ -n "${KEEP_BED_LOGS:-}" ] || rm -rf "$work"' EXIT
gcc -O2 -static -o "$work/lb_producer" scripts/lb_producer.c

passed=0 failed=0
for b in "${boots[@]}"; do
  IFS='|' read -r name filter loop want <<< "$b"
  out=$work/$name
  mkdir -p "$out/samples"
  cp -r samples/faces "$out/samples/"
  opts=(-m 1536 -t 300 -o "$out" -f "$work/lb_producer")
  if [ "$name" != vivid ] && [ "$name" != loopback ]; then
    # ferd's scenarios: the release ferd, its fixtures (the guest has no repo, shared data or
    # opencv-data) and a longer timeout (the emulated guest runs ferd's whole path, slower still
    # on a loaded host). The capture boots stay as they were.
    mkdir -p "$out/models"
    cp /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml "$out/"
    cp "$shared/conformance/tflite/seed64.tflite" "$out/models/"
    if ls firmware-models/*.tflite >/dev/null 2>&1; then mkdir -p "$out/firmware-models" && cp firmware-models/*.tflite "$out/firmware-models/"; fi
    opts+=(-f "$root/.build/release/ferd" -t 480)
  fi
  [ -z "$loop" ] || opts+=(-l "video_nr=10 exclusive_caps=1")
  s0=$EPOCHREALTIME rc=0
  "$bed" "${opts[@]}" "$bundle" --testing-library swift-testing --filter "$filter" > "$out/log.txt" 2>&1 || rc=$?
  secs=$(awk -v a="$EPOCHREALTIME" -v b="$s0" 'BEGIN { printf "%.1f", a - b }')
  sed 's/\x1b\[[0-9;]*m//g' "$out/log.txt" > "$out/plain.txt"
  # Swift Testing prints "✔ Test f() passed after 1.2 seconds." / "✘ Test f() failed after ..." /
  # "➜ Test f() skipped: ..." once per test (its per-case lines say "Test case" instead).
  n=0 bad=0 good=0
  while IFS= read -r line; do
    test=$(sed -E 's/^[^T]*Test ([^ (]+)\(.*/\1/' <<< "$line")
    if grep -q ') passed after' <<< "$line"; then
      echo "PASS $name/$test ($(sed -E 's/.*passed after ([0-9.]+) seconds.*/\1/' <<< "$line") s)"
      good=$((good + 1))
    else
      bad=$((bad + 1))
      echo "FAIL $name/$test: $(sed -E 's/^[^T]*Test [^ ]+ //' <<< "$line")"
    fi
    n=$((n + 1))
  done < <(grep -aE '^. Test [^ ]+\(.*\) (passed after|failed after|skipped)' "$out/plain.txt" || true)
  if [ "$rc" -ne 0 ] || [ "$bad" -gt 0 ] || [ "$n" -eq 0 ] || { [ "$want" -gt 0 ] && [ "$n" -ne "$want" ]; }; then
    [ "$bad" -gt 0 ] || bad=1
    expected=""
    if [ "$want" -gt 0 ]; then expected=" (want $want)"; fi
    echo "FAIL $name: boot rc=$rc, $n tests reported$expected in ${secs} s"
    echo "----- $name: log tail (without kernel lines) -----" >&2
    grep -avE '^\[ *[0-9.]+\] ' "$out/plain.txt" | grep -av 'started\.$' | tail -40 >&2
  else
    echo "PASS $name: $n tests in one boot, ${secs} s"
  fi
  passed=$((passed + good)) failed=$((failed + bad))
done
total=$(awk -v a="$EPOCHREALTIME" -v b="$t0" 'BEGIN { printf "%.0f", a - b }')
echo "test_v4l2 took ${total} s${KEEP_BED_LOGS:+ (logs in $work)}"
# The plain closing line CI reads: "N passed, N failed" alone (one word with a colon may lead).
echo "test_v4l2: $passed passed, $failed failed"
((failed == 0))
