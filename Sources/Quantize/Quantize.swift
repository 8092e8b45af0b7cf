// Quantize: see README.md, Architecture.
