import FuzzSupport
import Daemon

// Any bytes must parse-and-validate or throw a ConfigError, never crash or hang.
runFuzzer { bytes in
    guard let doc = try? TOMLParser.parse(bytes, file: "fuzz.toml") else { return }
    _ = try? ConfigLoader.decode(doc, file: "fuzz.toml", environment: ["FERD_HOSTNAME": "fuzz"])
}
