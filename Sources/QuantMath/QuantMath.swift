// QuantMath: see README.md, Architecture.
