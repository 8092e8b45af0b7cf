// Inverted dropout (Keras Dropout): in training each value is kept with probability 1-rate and
// scaled by 1/(1-rate); at inference it is the identity.

/// out = inp * mask with mask drawn from `random`. out, mask, inp: (count).
public func dropoutForward(_ out: UnsafeMutablePointer<Float>, _ mask: UnsafeMutablePointer<Float>,
                           _ inp: UnsafePointer<Float>, _ count: Int, rate: Float, random: inout TrainRandom) {
    let scale = 1 / (1 - rate)
    for i in 0..<count {
        mask[i] = random.nextUnitFloat() < rate ? 0 : scale
        out[i] = inp[i] * mask[i]
    }
}

/// dinp += dout * mask.
public func dropoutBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                            _ mask: UnsafePointer<Float>, _ count: Int) {
    for i in 0..<count { dinp[i] += dout[i] * mask[i] }
}
