#!/bin/sh
# Stage 8: the shipped model (deep-192x3 epoch 18, whose checkpoint is not in git) imported back
# to float with `fer import` (dequantized weights, BN statistics re-measured on 4096 training
# images), trained on at a low rate. Resumable. FER may name a copy of the binary.
D=../shared/datasets/fer2013
[ -f runs/deep-import/imported-start.ckpt ] || ${FER:-.build/release/fer} import --fer2013 $D/fer2013.csv.gz --ferplus $D/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage --spec config/models/fast48-32-96-192x3.spec \
  --output runs/deep-import/imported-start.ckpt firmware-models/edgefer-fer8.tflite
exec ${FER:-.build/release/fer} train --fer2013 $D/fer2013.csv.gz --ferplus $D/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192x3.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/deep-import/imported-start.ckpt \
  --epochs 10 --batch 64 --lr 0.00003 --decay 0.8 --decay-every 2 \
  --metric accuracy --seed 14 --threads ${THREADS:-2} --run runs/deep-import
