#!/usr/bin/env python3
"""Writes enhance_golden.txt: Pillow's ImageEnhance.Contrast / Sharpness and ImageFilter.SMOOTH on
mode "L" images, for DatasetEnhanceTests.swift to compare with byte for byte.

Run from the repo root:  $(scripts/venv.sh pillow) Tests/TrainTests/Golden/make_enhance_golden.py

Inputs are synthetic (no dataset pixels are committed) and come from a fixed LCG, so the file is
reproducible. Each line is one record:
    image <name> <width> <height> <hex pixels>
    smooth <name> <hex>
    contrast|sharpness <name> <factor> <hex>
"""
import os

import PIL
from PIL import Image, ImageEnhance, ImageFilter


def lcg(seed):
    state = seed
    while True:
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield state >> 56


def noise(w, h, seed, lo=0, hi=255):
    g = lcg(seed)
    return bytes(lo + next(g) % (hi - lo + 1) for _ in range(w * h))


def face_like(w, h):
    # Smooth shading plus a few hard edges, like a low-contrast face crop.
    out = bytearray()
    for y in range(h):
        for x in range(w):
            v = 90 + (x * 37 + y * 23) % 60 + (40 if (x - w // 2) ** 2 + (y - h // 3) ** 2 < 30 else 0)
            out.append(min(v, 255))
    return bytes(out)


images = [
    ("noise48", 48, 48, noise(48, 48, 1)),
    ("face48", 48, 48, face_like(48, 48)),
    ("bright32", 32, 32, noise(32, 32, 2, 200, 255)),
    ("dark32", 32, 32, noise(32, 32, 3, 0, 30)),
    ("px1x1", 1, 1, bytes([200])),
    ("px2x2", 2, 2, noise(2, 2, 4)),
    ("px3x3", 3, 3, noise(3, 3, 5)),
    ("px5x2", 5, 2, noise(5, 2, 6)),
    ("px2x5", 2, 5, noise(2, 5, 7)),
    ("px7x4", 7, 4, noise(7, 4, 8)),
    ("px16x11", 16, 11, noise(16, 11, 9)),
    ("flat8x8", 8, 8, bytes([77] * 64)),
    ("half4x4", 4, 4, bytes([0, 1] * 8)),  # mean exactly 0.5: int(0.5 + 0.5) = 1
]
big_factors = {"contrast": [1.5], "sharpness": [1.75]}
small_factors = [0.0, 0.3, 0.5, 1.0, 1.5, 1.75, 2.3, -0.7, 3.1]

lines = [f"# Pillow {PIL.__version__}; regenerate with make_enhance_golden.py"]
for name, w, h, px in images:
    im = Image.frombytes("L", (w, h), px)
    lines.append(f"image {name} {w} {h} {px.hex()}")
    lines.append(f"smooth {name} {im.filter(ImageFilter.SMOOTH).tobytes().hex()}")
    for op, cls in (("contrast", ImageEnhance.Contrast), ("sharpness", ImageEnhance.Sharpness)):
        for f in big_factors[op] if w * h > 400 else small_factors:
            lines.append(f"{op} {name} {f!r} {cls(im).enhance(f).tobytes().hex()}")

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "enhance_golden.txt")
with open(path, "w") as fh:
    fh.write("\n".join(lines) + "\n")
print(f"wrote {path}: {len(lines)} records")
