#!/bin/sh
# Resumable: rerunning continues from the latest checkpoint in runs/w16-dist-flip/checkpoints/.
exec .build/release/fer train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels distribution --validation-labels majority --split usage \
  --spec config/models/fast48.spec --loss crossentropy --flip \
  --epochs 30 --batch 64 --lr 0.001 --decay 0.75 --decay-every 4 \
  --metric accuracy --seed 1 --threads 2 --run runs/w16-dist-flip
