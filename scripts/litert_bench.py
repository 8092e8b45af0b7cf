#!/usr/bin/env python3
"""LiteRT side of `fer bench infer`: writes LiteRT's outputs on the given inputs (reference
kernels and the default XNNPACK path) so that the Swift side can check bit-exactness, then times
the default interpreter (XNNPACK delegate) on request. One JSON object per line on stdout."""
import argparse
import json
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def outputs(model, samples, **kwargs):
    it = Interpreter(model_path=model, **kwargs)
    it.allocate_tensors()
    inp, out = it.get_input_details()[0], it.get_output_details()[0]
    result = []
    for x in samples:
        it.set_tensor(inp["index"], x)
        it.invoke()
        result.append(it.get_tensor(out["index"]).copy())
    return np.concatenate(result).tobytes()


class Timer:
    """A prepared interpreter for one (threads, batch); times `iterations` invokes of a batch."""

    def __init__(self, model, threads, batch, samples):
        it = Interpreter(model_path=model, num_threads=threads)
        inp = it.get_input_details()[0]
        self.mode, self.invokes = "batched", 1
        try:
            if batch != 1:
                it.resize_tensor_input(inp["index"], [batch] + list(inp["shape"][1:]), strict=True)
            it.allocate_tensors()
        except (RuntimeError, ValueError):
            # A fixed batch (e.g. RESHAPE to [1, n]) cannot be resized: run the samples one by one.
            it = Interpreter(model_path=model, num_threads=threads)
            it.allocate_tensors()
            self.mode, self.invokes = "sequential", batch
        inp = it.get_input_details()[0]
        x = np.concatenate([samples[i % len(samples)] for i in range(batch)]) if self.invokes == 1 else samples[0]
        it.set_tensor(inp["index"], x)
        self.it = it

    def run(self, iterations, warmup):
        for _ in range(warmup):
            self.it.invoke()
        times = []
        for _ in range(iterations):
            t = time.perf_counter()
            for _ in range(self.invokes):
                self.it.invoke()
            times.append((time.perf_counter() - t) * 1e3)
        return times


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--input", required=True, help="raw input samples, concatenated")
    p.add_argument("--ref-output", required=True)
    p.add_argument("--xnn-output", required=True)
    a = p.parse_args()
    probe = Interpreter(model_path=a.model)
    inp = probe.get_input_details()[0]
    shape = [1] + list(inp["shape"][1:])
    raw = np.fromfile(a.input, dtype=inp["dtype"])
    samples = list(raw.reshape([-1] + shape[1:])[:, None])
    with open(a.ref_output, "wb") as f:
        f.write(outputs(a.model, samples, experimental_op_resolver_type=OpResolverType.BUILTIN_REF))
    with open(a.xnn_output, "wb") as f:
        f.write(outputs(a.model, samples, num_threads=1))
    # Serve timing requests "THREADS BATCH ITERATIONS WARMUP" from stdin, so that the caller can
    # interleave rounds of its own engine with LiteRT's on a machine whose load varies.
    timers = {}
    print(json.dumps({"ready": True}), flush=True)
    while line := sys.stdin.readline():
        t, b, n, w = (int(v) for v in line.split())
        timer = timers.get((t, b)) or timers.setdefault((t, b), Timer(a.model, t, b, samples))
        print(json.dumps({"threads": t, "batch": b, "mode": timer.mode, "ms": timer.run(n, w)}), flush=True)


if __name__ == "__main__":
    main()
