#!/bin/sh
# Stage 4: the shipped w32 net (runs/w32-balanced epoch 4) grown to 32/96/192 filters with
# `fer widen` (same outputs at the start; new units start silent), then trained on with
# class-balanced sampling (P 0.5) and a decaying rate. Resumable: rerunning continues from the
# latest checkpoint in runs/wide-32-96-192/checkpoints/.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
set -e
FER=${FER:-.build/release/fer}
START=runs/wide-32-96-192/widened-start.ckpt
[ -f "$START" ] || "$FER" widen --spec config/models/fast48-32-96-192.spec --seed 5 --output "$START" \
  runs/w32-balanced/checkpoints/epoch-004.ckpt
exec "$FER" train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192.spec --loss crossentropy --flip --balanced-sampling 0.5 \
  --init-from "$START" \
  --epochs 24 --batch 64 --lr 0.0003 --decay 0.8 --decay-every 3 \
  --metric accuracy --seed 6 --threads 2 --run runs/wide-32-96-192
