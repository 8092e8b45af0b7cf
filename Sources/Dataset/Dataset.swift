// Dataset: see README.md, Architecture.
