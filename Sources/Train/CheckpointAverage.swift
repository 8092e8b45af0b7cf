/// Weight averaging of checkpoints of one run (Izmailov et al., 2018, "SWA" over saved epochs):
/// the mean of several late epochs usually sits in a flatter, better-generalising spot than any
/// single one, at no inference cost.
extension Checkpoint {
    /// The element-wise mean of the parameters and BN moving statistics of `checkpoints` (same
    /// model spec, same tensors); optimizer state is dropped, epoch and random state come from the
    /// last one. `paths` name the inputs in errors.
    public static func averaged(_ checkpoints: [Checkpoint], paths: [String]) throws(CheckpointError) -> Checkpoint {
        guard var out = checkpoints.last else {
            throw .badValue(path: "<average>", field: "checkpoints", reason: "none given")
        }
        let keep = out.tensors.filter { !$0.name.hasSuffix("/adam_m") && !$0.name.hasSuffix("/adam_v") }
        var sums = keep.map { $0.values.map(Double.init) }
        for (k, c) in checkpoints.dropLast().enumerated() {
            let path = k < paths.count ? paths[k] : "<checkpoint \(k)>"
            guard c.specText == out.specText else {
                throw .badValue(path: path, field: "model spec", reason: "differs from the last checkpoint's")
            }
            for (i, t) in keep.enumerated() {
                guard i < c.tensors.count, c.tensors[i].name == t.name, c.tensors[i].values.count == t.values.count else {
                    throw .tensorMismatch(path: path, tensor: i < c.tensors.count ? c.tensors[i].name : "#\(i)",
                                          expected: "\(t.name) with \(t.values.count) values",
                                          found: i < c.tensors.count ? c.tensors[i].values.count : 0)
                }
                let v = c.tensors[i].values
                for j in v.indices { sums[i][j] += Double(v[j]) }
            }
        }
        let n = Double(checkpoints.count)
        out.tensors = zip(keep, sums).map { ($0.name, $1.map { Float($0 / n) }) }
        out.adamStep = 0
        return out
    }
}
