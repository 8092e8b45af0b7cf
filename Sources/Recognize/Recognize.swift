// Recognize: see README.md, Architecture.
