// Daemon: see README.md, Architecture.
