#!/bin/sh
# Stage 6: a warm restart of the shipped wide net (runs/wide-mild epoch 7) at half-strength
# augmentation with a decaying rate, to leave the flat 3e-5 plateau of stage 5. Resumable.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/wide-mild/checkpoints/epoch-007.ckpt \
  --epochs 14 --batch 64 --lr 0.0001 --decay 0.8 --decay-every 2 \
  --metric accuracy --seed 10 --threads ${THREADS:-2} --run runs/wide-restart
