// TFLiteModel: see README.md, Architecture.
