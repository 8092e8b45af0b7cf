#!/usr/bin/env bash
# Detection benchmark: our Haar detector vs OpenCV's CascadeClassifier (opencv-python-headless<5,
# installed into .venv by scripts/venv.sh; OpenCV 5 dropped CascadeClassifier), same frames,
# cascade and parameters, 1 and 2 threads. Extra arguments go to `fer bench detect`.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/venv.sh 'opencv-python-headless<5')
swift build -c release --product fer >&2
.build/release/fer bench detect --python "$py" "$@"
