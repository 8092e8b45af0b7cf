#!/bin/sh
# Stage 8 with quantization-aware training: the stage-7 model imported back to float with
# `fer import` (BN statistics measured on augmented, class-balanced batches like the training's),
# trained on while every forward pass rounds kernels and activations as the int8 export does.
# Resumable. FER may name a copy of the binary.
D=../shared/datasets/fer2013
# The start is the stage-7 model (shipped in c83d9ef; firmware-models/ now holds stage 8b's).
[ -f runs/deep-qat/stage7.tflite ] || git show c83d9ef:firmware-models/edgefer-fer8.tflite > runs/deep-qat/stage7.tflite
[ -f runs/deep-qat/imported-start.ckpt ] || ${FER:-.build/release/fer} import --fer2013 $D/fer2013.csv.gz --ferplus $D/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage --spec config/models/fast48-32-96-192x3.spec \
  --flip --augment-strength 0.5 --balanced-sampling 0.5 --batch 64 --statistics-images 4096 \
  --output runs/deep-qat/imported-start.ckpt runs/deep-qat/stage7.tflite
exec ${FER:-.build/release/fer} train --fer2013 $D/fer2013.csv.gz --ferplus $D/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-32-96-192x3.spec --loss crossentropy --flip --balanced-sampling 0.5 --augment-strength 0.5 \
  --init-from runs/deep-qat/imported-start.ckpt --quantization-aware --qat-calibration 300 \
  --epochs 8 --batch 64 --lr 0.000007 --decay 0.8 --decay-every 2 \
  --metric accuracy --seed 15 --threads ${THREADS:-2} --run runs/deep-qat
