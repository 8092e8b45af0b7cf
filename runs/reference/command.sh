#!/bin/sh
# The reference recipe (issue 5's project): reference architecture at 64x64, focal loss, majority
# labels, its oversampling (x9 x96 x96 x36 x3 x3 x6 x6: 145,959 images per epoch), batch 256,
# Adam 1e-3 x0.75 every 5 epochs, 50 epochs planned. Resumable: rerunning continues from the
# latest checkpoint in runs/reference/checkpoints/. FER may name a copy of the binary.
exec ${FER:-.build/release/fer} train --fer2013 ../shared/datasets/fer2013/fer2013.csv.gz --ferplus ../shared/datasets/fer2013/fer2013new.csv \
  --labels majority --split usage \
  --spec config/models/reference.spec --loss focal --oversample reference \
  --epochs 50 --batch 256 --lr 0.001 --decay 0.75 --decay-every 5 \
  --metric accuracy --seed 1 --threads 2 --run runs/reference
