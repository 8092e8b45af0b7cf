#!/bin/sh
# The widened net (runs/wide-32-96-192/widened-start.ckpt, = the w32 model) trained at half-strength
# augmentation from the start, with stage 4's decaying schedule: does milder augmentation pay more
# when it is not only a last stage? Resumable. FER may name a copy of the binary.
[ -f runs/wide-32-96-192/widened-start.ckpt ] || ${FER:-.build/release/fer} widen --spec config/models/fast48-32-96-192.spec --seed 5 \
  --output runs/wide-32-96-192/widened-start.ckpt runs/w32-balanced/checkpoints/epoch-004.ckpt
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/wide-32-96-192/widened-start.ckpt \
  --epochs 24 --batch 64 --lr 0.0003 --decay 0.8 --decay-every 3 \
  --metric accuracy --seed 12 --threads ${THREADS:-2} --run runs/wide-half
