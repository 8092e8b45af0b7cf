#!/usr/bin/env python3
"""Prints the model card's Markdown tables. Run from the repo root.
  scripts/model_card_tables.py [REPORT_DIR]   PublicTest tables (float vs int8, per-class F1, int8 confusion) from
                                              REPORT_DIR/metrics-{float,int8}.json (default firmware-models/report),
                                              written by scripts/ship_model.sh
  scripts/model_card_tables.py --run RUN_DIR  one row per epoch of RUN_DIR/metrics.jsonl (fer train)"""
import json, sys
names = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]

def report_tables(folder):
    f = json.load(open(f"{folder}/metrics-float.json"))
    q = json.load(open(f"{folder}/metrics-int8.json"))
    print("| | float (checkpoint) | int8 (shipped .tflite) |\n|---|---|---|")
    print(f"| accuracy | {100*f['accuracy']:.2f}% | {100*q['accuracy']:.2f}% |")
    print(f"| macro-F1 | {f['macroF1']:.4f} | {q['macroF1']:.4f} |")
    print(f"| weighted-F1 | {f['weightedF1']:.4f} | {q['weightedF1']:.4f} |")
    print()
    print("| class | support | F1 float | F1 int8 | precision int8 | recall int8 |\n|---|---|---|---|---|---|")
    for i, n in enumerate(names):
        print(f"| {n} | {q['support'][i]} | {f['f1'][i]:.3f} | {q['f1'][i]:.3f} | {q['precision'][i]:.3f} | {q['recall'][i]:.3f} |")
    print()
    print("int8 confusion (rows true, columns predicted):\n")
    print("| true \\ predicted | " + " | ".join(n[:4] for n in names) + " |")
    print("|---" * 9 + "|")
    for i, n in enumerate(names):
        print(f"| {n} | " + " | ".join(str(x) for x in q['confusion'][i]) + " |")

def run_table(folder):
    rows = [json.loads(l) for l in open(f"{folder}/metrics.jsonl") if l.strip()]
    print("| epoch | lr | train loss | train acc | PublicTest acc (float) | macro-F1 | s |\n|---|---|---|---|---|---|---|")
    for r in rows:
        v = r.get("validation") or {}
        print(f"| {r['epoch']} | {r['learningRate']:.2e} | {r['loss']:.3f} | {r['accuracy']:.3f} | "
              f"{100*v.get('accuracy', float('nan')):.2f}% | {v.get('macroF1', float('nan')):.3f} | {r['seconds']:.0f} |")

if len(sys.argv) > 2 and sys.argv[1] == "--run":
    run_table(sys.argv[2])
else:
    report_tables(sys.argv[1] if len(sys.argv) > 1 else "firmware-models/report")
