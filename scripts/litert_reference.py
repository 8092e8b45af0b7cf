"""Runs a TFLite model with LiteRT's reference kernels on raw inputs: the oracle for `fer infer`.

Usage: python scripts/litert_reference.py MODEL.tflite IN.bin OUT.bin
IN.bin holds N input tensors of the model's input dtype, concatenated; OUT.bin gets the N
outputs, concatenated. Needs ai-edge-litert and numpy (scripts/venv.sh ai-edge-litert numpy).
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def main(model_path, input_path, output_path):
    interpreter = Interpreter(model_path=model_path,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    each = int(np.prod(inp["shape"]))
    data = np.fromfile(input_path, dtype=inp["dtype"])
    if data.size == 0 or data.size % each:
        sys.exit(f"{input_path}: {data.size} values is not a multiple of {each}")
    results = []
    for k in range(data.size // each):
        interpreter.set_tensor(inp["index"], data[k * each:(k + 1) * each].reshape(inp["shape"]))
        interpreter.invoke()
        results.append(interpreter.get_tensor(out["index"]).copy())
    np.concatenate([r.ravel() for r in results]).tofile(output_path)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
