// Capture: see README.md, Architecture.
