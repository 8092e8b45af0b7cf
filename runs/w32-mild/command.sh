#!/bin/sh
# Stage 4 experiment on the shipped w32 net: a short fine-tune on milder augmentation (half the
# reference's rotation, shift, zoom and brightness ranges), class-balanced sampling as stage 3.
# Resumable: rerunning continues from the latest checkpoint in runs/w32-mild/checkpoints/.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-w32.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/w32-balanced/checkpoints/epoch-004.ckpt \
  --epochs 6 --batch 64 --lr 0.00003 --decay 1 --decay-every 1 \
  --metric accuracy --seed 7 --threads ${THREADS:-2} --run runs/w32-mild
