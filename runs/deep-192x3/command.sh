#!/bin/sh
# Stage 7: the shipped wide net (runs/wide-restart epoch 12) deepened by a third conv + BN in its
# 12x12 block (`fer deepen`: the new pair starts as the identity), trained on at half-strength
# augmentation with a decaying rate. Resumable. FER may name a copy of the binary.
[ -f runs/deep-192x3/deepened-start.ckpt ] || ${FER:-.build/release/fer} deepen --spec config/models/fast48-32-96-192x3.spec \
  --output runs/deep-192x3/deepened-start.ckpt runs/wide-restart/checkpoints/epoch-012.ckpt
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192x3.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/deep-192x3/deepened-start.ckpt \
  --epochs 24 --batch 64 --lr 0.00015 --decay 0.8 --decay-every 2 \
  --metric accuracy --seed 13 --threads ${THREADS:-2} --run runs/deep-192x3
