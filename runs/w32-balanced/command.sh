#!/bin/sh
# Stage 3 experiment: class-balanced sampling (square-root, P 0.5) instead of materialised rare-class
# copies, fine-tuning the end of stage 2 (runs/w32-restart epoch 36) at a low constant rate.
# Resumable: rerunning continues from the latest checkpoint in runs/w32-balanced/checkpoints/.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-w32.spec --loss crossentropy --flip --balanced-sampling 0.5 \
  --init-from runs/w32-restart/checkpoints/epoch-036.ckpt \
  --epochs 10 --batch 64 --lr 0.00005 --decay 1 --decay-every 1 \
  --metric accuracy --seed 3 --threads 2 --run runs/w32-balanced
