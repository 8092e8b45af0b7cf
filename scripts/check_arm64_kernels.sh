#!/usr/bin/env bash
# Cross-builds CInt8Kernels for arm64 and checks every kernel kind against the scalar reference
# under qemu: `-cpu max` has the dot product (neon_dot), `-cpu cortex-a72` (Pi 4) has not (neon).
# Needs clang (the Swift toolchain's) and: apt-get install qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
src="$root/Sources/CInt8Kernels"
clang --target=aarch64-linux-gnu -fuse-ld=lld -O2 -static -pthread -I"$src/include" -I"$src" "$src"/*.c "$root/scripts/kernel_check.c" -o "$out/kernel_check"
for cpu in max cortex-a72; do
  echo "== qemu-aarch64 -cpu $cpu"
  qemu-aarch64 -cpu "$cpu" "$out/kernel_check"
done
