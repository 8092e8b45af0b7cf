// Inference: see README.md, Architecture.
