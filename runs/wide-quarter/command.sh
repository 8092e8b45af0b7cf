#!/bin/sh
# Stage 5 variant: quarter-strength augmentation instead of half, from the same start as runs/wide-mild.
# Resumable.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.25 \
  --init-from runs/wide-32-96-192/checkpoints/epoch-018.ckpt \
  --epochs 4 --batch 64 --lr 0.00003 --decay 1 --decay-every 1 \
  --metric accuracy --seed 9 --threads ${THREADS:-2} --run runs/wide-quarter
