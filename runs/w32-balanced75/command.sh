#!/bin/sh
# Ablation of stage 3: class-balanced sampling at power 0.75 instead of 0.5, from the same start
# (runs/w32-restart epoch 36), rate and seed as runs/w32-balanced. Resumable.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-w32.spec --loss crossentropy --flip --balanced-sampling 0.75 \
  --init-from runs/w32-restart/checkpoints/epoch-036.ckpt \
  --epochs 8 --batch 64 --lr 0.00005 --decay 1 --decay-every 1 \
  --metric accuracy --seed 3 --threads ${THREADS:-2} --run runs/w32-balanced75
