// Track: see README.md, Architecture.
