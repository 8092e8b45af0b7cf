#!/bin/sh
# Warm restart of runs/w32-dist-flip-os: its epoch-45 weights, a fresh Adam and a new schedule
# (2.5e-4 x0.8 every 3 epochs, 36 epochs), same data recipe, seed 2 for new shuffles.
# Resumable: rerunning continues from the latest checkpoint in runs/w32-restart/checkpoints/.
# FER may name a copy of the binary so rebuilding .build/ does not disturb a running job.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48-w32.spec --loss crossentropy --flip --oversample 1,6,4,2,1,1,1,1 \
  --init-from runs/w32-dist-flip-os/checkpoints/epoch-045.ckpt \
  --epochs 36 --batch 64 --lr 0.00025 --decay 0.8 --decay-every 3 \
  --metric accuracy --seed 2 --threads 2 --run runs/w32-restart
