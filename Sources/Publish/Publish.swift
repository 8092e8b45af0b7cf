// Publish: see README.md, Architecture.
