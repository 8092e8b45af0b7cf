"""Builds samples/faces/*.jpg: 640x480 frames made from scikit-image's public-domain NASA photo
of astronaut Eileen Collins (skimage.data.astronaut()). Deterministic; run with the repo venv:
    scripts/venv.sh scikit-image 'opencv-python-headless<5' && .venv/bin/python samples/make_samples.py
It also prints what OpenCV's frontal-face Haar cascade finds in each frame (a sanity check)."""
import os
import cv2
import numpy as np
from PIL import Image, ImageFilter
from skimage import data

W, H = 640, 480
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "faces")
photo = Image.fromarray(data.astronaut())  # 512x512 RGB; face around x 170-250, y 60-140


def canvas():
    # A plain gray-blue backdrop with a soft gradient, so the frames are not flat.
    y = np.linspace(90, 150, H, dtype=np.float32)[:, None, None]
    return Image.fromarray(np.broadcast_to(y * np.array([1.45, 1.4, 1.35]), (H, W, 3)).astype(np.uint8))


def paste_soft(img, c, xy):
    # Feathered edges: a hard photo border on the backdrop makes the cascade fire on the edge.
    mask = Image.new("L", c.size, 0)
    m = max(8, c.width // 10)
    mask.paste(255, (m, m, c.width - m, c.height - m))
    img.paste(c, xy, mask.filter(ImageFilter.GaussianBlur(m / 2)))


def frame_single(i):
    # The head-and-shoulders crop, scaled 0.9x-1.2x and drifting left to right across 6 frames.
    crop = photo.crop((60, 0, 380, 320))
    s = 0.9 + 0.06 * i
    c = crop.resize((int(320 * s), int(320 * s)), Image.BILINEAR)
    img = canvas()
    paste_soft(img, c, (20 + 50 * i, (H - c.height) // 2))
    return img


def frame_multi():
    # Four faces: the crop at two sizes, and their mirror images.
    img = canvas()
    crop = photo.crop((60, 0, 380, 320))
    big, small = crop.resize((230, 230), Image.BILINEAR), crop.resize((180, 180), Image.BILINEAR)
    paste_soft(img, big, (20, 10))
    paste_soft(img, big.transpose(Image.FLIP_LEFT_RIGHT), (390, 10))
    paste_soft(img, small, (60, 280))
    paste_soft(img, small.transpose(Image.FLIP_LEFT_RIGHT), (400, 280))
    return img


os.makedirs(out, exist_ok=True)
frames = [frame_single(i) for i in range(6)] + [frame_multi()]
cascade = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
for i, f in enumerate(frames):
    path = os.path.join(out, f"frame{i:02d}.jpg")
    f.save(path, quality=80)
    gray = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)
    boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=3, minSize=(40, 40))
    print(os.path.relpath(path, here), os.path.getsize(path), "bytes, faces:", [list(map(int, b)) for b in boxes])
