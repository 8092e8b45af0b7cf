#!/usr/bin/env python3
"""Prints the model card's PublicTest tables (float vs int8, per-class F1, int8 confusion) as Markdown from
firmware-models/report/metrics-{float,int8}.json, written by scripts/ship_model.sh. Run from the repo root."""
import json, sys
names = ["anger","contempt","disgust","fear","happiness","neutral","sadness","surprise"]
f = json.load(open("firmware-models/report/metrics-float.json"))
q = json.load(open("firmware-models/report/metrics-int8.json"))
print("| | float (checkpoint) | int8 (shipped .tflite) |\n|---|---|---|")
print(f"| accuracy | {100*f['accuracy']:.2f}% | {100*q['accuracy']:.2f}% |")
print(f"| macro-F1 | {f['macroF1']:.4f} | {q['macroF1']:.4f} |")
print(f"| weighted-F1 | {f['weightedF1']:.4f} | {q['weightedF1']:.4f} |")
print()
print("| class | support | F1 float | F1 int8 | precision int8 | recall int8 |\n|---|---|---|---|---|---|")
for i,n in enumerate(names):
    print(f"| {n} | {q['support'][i]} | {f['f1'][i]:.3f} | {q['f1'][i]:.3f} | {q['precision'][i]:.3f} | {q['recall'][i]:.3f} |")
print()
print("int8 confusion (rows true, columns predicted):\n")
print("| true \\ predicted | " + " | ".join(n[:4] for n in names) + " |")
print("|---" * 9 + "|")
for i,n in enumerate(names):
    print(f"| {n} | " + " | ".join(str(x) for x in q['confusion'][i]) + " |")
