#!/bin/sh
# Fuzz the TFLite reader, writer round trip and interpreter prepare for SECONDS (default 60),
# seeding the corpus with the small conformance models. Usage: scripts/fuzz_tflite.sh [SECONDS]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${EDGEFER_SHARED:-$root/../shared}
corpus=$root/Fuzz/corpus/tflite
mkdir -p "$corpus"
for model in "$shared"/conformance/tflite/*.tflite; do
    case $(basename "$model") in seed64*) ;; *) cp "$model" "$corpus/" ;; esac  # 1.2 MB seeds slow every mutation
done
cd "$root/Fuzz"
swift build -Xswiftc -sanitize=fuzzer,address --product FuzzTFLite
"$(swift build --show-bin-path)/FuzzTFLite" -max_total_time="${1:-60}" -rss_limit_mb=2048 -timeout=10 "$corpus"
