#!/usr/bin/env python3
"""OpenCV side of `fer bench detect`: times CascadeClassifier.detectMultiScale on PGM frames.
argv: cascade scaleFactor minNeighbors minSize threads iterations frame.pgm...
Prints one JSON object per frame: {frame, ms_median, ms_min, cpu_ms_median, boxes}."""
import json, statistics, sys, time
import cv2

cascade, sf, mn, ms, threads, iters = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
cv2.setNumThreads(threads)
c = cv2.CascadeClassifier(cascade)
for path in sys.argv[7:]:
    g = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    boxes = c.detectMultiScale(g, scaleFactor=sf, minNeighbors=mn, minSize=(ms, ms))  # warm-up
    times, cpu = [], []
    for _ in range(iters):
        t, u = time.perf_counter(), time.thread_time()
        c.detectMultiScale(g, scaleFactor=sf, minNeighbors=mn, minSize=(ms, ms))
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - u) * 1000)
    # With one thread OpenCV runs on the calling thread, so its CPU time is the detector's.
    print(json.dumps({'frame': path, 'ms_median': statistics.median(times), 'ms_min': min(times),
                      'cpu_ms_median': statistics.median(cpu),
                      'boxes': sorted([list(map(int, b)) for b in boxes])}))
