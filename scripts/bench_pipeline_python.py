#!/usr/bin/env python3
"""Python anchor of `fer bench pipeline`: the seed project's path on the same frames, i.e.
cv2.imdecode to gray -> CascadeClassifier.detectMultiScale -> per face: crop with margin,
cv2.resize to the model input, quantize, LiteRT (ai-edge-litert, default XNNPACK) invoke ->
a greedy IoU association standing in for tracking. Prints one JSON object on stdout."""
import argparse
import json
import os
import time

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter


def iou(a, b):
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cascade", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--scale-factor", type=float, default=1.1)
    ap.add_argument("--min-neighbors", type=int, default=3)
    ap.add_argument("--min-size", type=int, default=40)
    ap.add_argument("--margin", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("jpegs", nargs="+")
    a = ap.parse_args()

    cv2.setNumThreads(a.threads)
    cascade = cv2.CascadeClassifier(a.cascade)
    it = Interpreter(model_path=a.model, num_threads=a.threads)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    _, h, w, _ = inp["shape"]
    in_scale, in_zp = inp["quantization"]
    out_scale, out_zp = out["quantization"]
    data = [np.frombuffer(open(p, "rb").read(), np.uint8) for p in a.jpegs]

    stages = {"decode": 0.0, "detect": 0.0, "recognize": 0.0, "track": 0.0}
    latencies, faces_total, tracks = [], 0, []
    cpu0 = wall0 = None
    for n in range(a.warmup + a.frames):
        if n == a.warmup:
            for k in stages:
                stages[k] = 0.0
            latencies, faces_total = [], 0
            cpu0, wall0 = time.process_time(), time.perf_counter()
        t0 = time.perf_counter()
        gray = cv2.imdecode(data[n % len(data)], cv2.IMREAD_GRAYSCALE)
        t1 = time.perf_counter()
        boxes = cascade.detectMultiScale(gray, scaleFactor=a.scale_factor, minNeighbors=a.min_neighbors,
                                         minSize=(a.min_size, a.min_size))
        t2 = time.perf_counter()
        probs = []
        for (x, y, bw, bh) in boxes:
            dx, dy = int(round(bw * a.margin)), int(round(bh * a.margin))
            x0, y0 = max(0, x - dx), max(0, y - dy)
            x1, y1 = min(gray.shape[1], x + bw + dx), min(gray.shape[0], y + bh + dy)
            face = cv2.resize(gray[y0:y1, x0:x1], (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
            q = np.clip(np.round(face / in_scale) + in_zp, -128, 127).astype(np.int8)
            it.set_tensor(inp["index"], q.reshape(1, h, w, 1))
            it.invoke()
            probs.append((it.get_tensor(out["index"]).astype(np.float32) - out_zp) * out_scale)
        t3 = time.perf_counter()
        # Greedy IoU association: every detection joins the best unmatched track or starts one.
        free = list(range(len(tracks)))
        new_tracks = []
        for b in boxes:
            best = max(free, key=lambda i: iou(tracks[i], b), default=None)
            if best is not None and iou(tracks[best], b) >= 0.3:
                free.remove(best)
            new_tracks.append(tuple(int(v) for v in b))
        tracks = new_tracks
        t4 = time.perf_counter()
        if n >= a.warmup:
            stages["decode"] += t1 - t0
            stages["detect"] += t2 - t1
            stages["recognize"] += t3 - t2
            stages["track"] += t4 - t3
            latencies.append(t4 - t0)
            faces_total += len(boxes)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    lat = sorted(latencies)
    print(json.dumps({
        "fps": a.frames / wall,
        "ms": {k: v * 1e3 / a.frames for k, v in stages.items()},
        "p50_ms": lat[len(lat) // 2] * 1e3,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3,
        "max_ms": lat[-1] * 1e3,
        "cpu_percent": 100 * cpu / wall,
        "faces_per_frame": faces_total / a.frames,
        "cv2": cv2.__version__,
        "pid": os.getpid(),
    }))


if __name__ == "__main__":
    main()
