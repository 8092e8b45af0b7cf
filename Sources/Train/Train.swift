// Train: see README.md, Architecture.
