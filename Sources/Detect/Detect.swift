// Detect: see README.md, Architecture.
