#!/usr/bin/env python3
"""Compares `fer detect --json` on the shared Haar conformance photos with OpenCV 4.14's reference
detections and with the ground truth. Usage: detect_conformance.py FER_BINARY [SHARED_DIR [THREADS]]
Prints, per parameter set: images where every OpenCV box is matched by one of ours at IoU >= 0.9
with no extra boxes, exact box agreement, and recall/precision (IoU >= 0.5) of both detectors."""
import json, os, subprocess, sys

fer = sys.argv[1]
shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared')
threads = sys.argv[3] if len(sys.argv) > 3 else '1'
haar = os.path.join(shared, 'conformance', 'haar')
ref = json.load(open(os.path.join(haar, 'opencv_reference.json')))
truth = {g['image']: g['faces'] for g in json.load(open(os.path.join(haar, 'groundtruth.json')))}

def iou(a, b):
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0

def matches(want, got, thr):
    """Greedy one-to-one matching by IoU; returns the number of matched pairs."""
    pairs = sorted(((iou(w, g), i, j) for i, w in enumerate(want) for j, g in enumerate(got)), reverse=True)
    used_w, used_g, n = set(), set(), 0
    for v, i, j in pairs:
        if v < thr: break
        if i in used_w or j in used_g: continue
        used_w.add(i); used_g.add(j); n += 1
    return n

failed = False
for cascade, params in sorted({(r['cascade'], json.dumps(r['params'], sort_keys=True)) for r in ref}):
    p = json.loads(params)
    rows = [r for r in ref if r['cascade'] == cascade and json.dumps(r['params'], sort_keys=True) == params]
    images = [os.path.join(haar, r['image']) for r in rows]
    cmd = [fer, 'detect', '--json', '--cascade', '/usr/share/opencv4/haarcascades/' + cascade,
           '--scale-factor', str(p['scaleFactor']), '--min-neighbors', str(p['minNeighbors']),
           '--min-size', str(p['minSize'][0]), '--threads', threads] + images
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    ours = {os.path.relpath(json.loads(l)['image'], haar): json.loads(l) for l in out}
    agree = exact = 0
    ms = 0.0
    stats = {'opencv': [0, 0, 0], 'ours': [0, 0, 0]}  # matched, detections, faces
    for r in rows:
        o = ours[r['image']]
        ms += o['ms']
        mine, theirs = o['boxes'], r['boxes']
        if len(mine) == len(theirs) and matches(theirs, mine, 0.9) == len(theirs): agree += 1
        else: print(f'  differs: {r["image"]} opencv={theirs} ours={mine}')
        if sorted(mine) == sorted(theirs): exact += 1
        faces = truth[r['image']]
        for name, boxes in (('opencv', theirs), ('ours', mine)):
            s = stats[name]
            s[0] += matches(faces, boxes, 0.5); s[1] += len(boxes); s[2] += len(faces)
    n = len(rows)
    print(f'{cascade} {p}: {agree}/{n} images agree at IoU>=0.9 ({100*agree/n:.1f}%), {exact}/{n} identical; '
          f'detect time {ms:.0f} ms total')
    for name, (m, d, f) in stats.items():
        print(f'  {name:6s} vs ground truth (IoU>=0.5): recall {m}/{f} = {m/f:.3f}, precision {m}/{d} = {m/max(d,1):.3f}')
    failed |= agree < 0.98 * n
sys.exit(1 if failed else 0)
