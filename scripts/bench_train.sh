#!/usr/bin/env bash
# Training-throughput benchmark: the reference model for a fixed number of steps in our trainer and
# in TensorFlow/Keras (tensorflow-cpu in the git-ignored .venv), same batch and threads; prints
# images/s for both and the ratio. Usage: scripts/bench_train.sh [--steps N] [--batch B] [--threads T]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
py=$(scripts/venv.sh tensorflow-cpu)
swift build -c release --product fer >&2
exec .build/release/fer bench train --keras-python "$py" "$@"
