#!/usr/bin/env python3
"""Writes the OpenCV goldens the Detect tests compare against (needs opencv-python-headless<5):
  scripts/venv.sh 'opencv-python-headless<5'  # prints the python to run this with
  .venv/bin/python Tests/DetectTests/Golden/make_goldens.py ../shared
resize.json: SHA-256 of cv2.resize(gray, (w, h), INTER_LINEAR and INTER_LINEAR_EXACT) for pyramid-like sizes.
detections.json: raw (minNeighbors=0) and grouped detectMultiScale boxes for cascades the
conformance set does not cover (tilted features, trees, the old XML format)."""
import hashlib, json, os, sys
import cv2

shared = sys.argv[1]
haar = os.path.join(shared, 'conformance', 'haar')
here = os.path.dirname(os.path.abspath(__file__))

def gray(name):
    return cv2.cvtColor(cv2.imread(os.path.join(haar, 'images', name)), cv2.COLOR_BGR2GRAY)

resize = []
for name in ['img_000.jpg', 'img_001.jpg', 'img_059.jpg']:
    g = gray(name)
    h, w = g.shape
    sizes = set()
    for sf in (1.1, 1.2):
        f = 1.0
        for _ in range(12):
            f *= sf
            sizes.add((round(w / f), round(h / f)))
    sizes |= {(w // 2, h // 2), (w - 1, h - 1), (w // 3, h // 3), (7, 5)}
    for (dw, dh) in sorted(sizes):
        for exact, flag in ((False, cv2.INTER_LINEAR), (True, cv2.INTER_LINEAR_EXACT)):
            out = cv2.resize(g, (dw, dh), None, dw / w, dh / h, flag)
            resize.append({'image': 'images/' + name, 'width': dw, 'height': dh, 'exact': exact,
                           'sha256': hashlib.sha256(out.tobytes()).hexdigest()})
json.dump(resize, open(os.path.join(here, 'resize.json'), 'w'), indent=0)

cases = [('haarcascade_eye_tree_eyeglasses.xml', 'img_013.jpg', 1.1, 0),      # trees + tilted
         ('haarcascade_frontalcatface_extended.xml', 'img_008.jpg', 1.1, 0),  # trees + tilted
         ('haarcascade_upperbody.xml', 'img_006.jpg', 1.1, 0),                # tilted stumps
         ('haarcascade_smile.xml', 'img_001.jpg', 1.2, 0),                     # tilted stumps
         ('haarcascade_licence_plate_rus_16stages.xml', 'img_001.jpg', 1.1, 0),  # old format
         ('haarcascade_frontalface_alt.xml', 'img_002.jpg', 1.2, 0)]
detections = []
for casc, name, sf, minsize in cases:
    c = cv2.CascadeClassifier('/usr/share/opencv4/haarcascades/' + casc)
    g = gray(name)
    raw = c.detectMultiScale(g, scaleFactor=sf, minNeighbors=0, minSize=(minsize, minsize))
    grouped = c.detectMultiScale(g, scaleFactor=sf, minNeighbors=3, minSize=(minsize, minsize))
    detections.append({'cascade': casc, 'image': 'images/' + name, 'scaleFactor': sf, 'minSize': minsize,
                       'raw': sorted([list(map(int, r)) for r in raw]),
                       'grouped': sorted([list(map(int, r)) for r in grouped])})
json.dump(detections, open(os.path.join(here, 'detections.json'), 'w'))
print(len(resize), 'resize goldens;', [(d['cascade'], len(d['raw']), len(d['grouped'])) for d in detections])
