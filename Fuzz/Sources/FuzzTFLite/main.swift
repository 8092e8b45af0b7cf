// Filled in with the parser it exercises.
runFuzzer { _ in }
