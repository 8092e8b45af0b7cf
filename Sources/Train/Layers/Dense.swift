import COpenBLAS

// Dense: out = inp x weight + bias. Legend: N = batch, I = inputs, O = outputs.
// weight is (I, O), Keras' kernel layout.

/// out: (N, O); inp: (N, I); weight: (I, O); bias: (O).
public func denseForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                         _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>, _ n: Int, _ i: Int, _ o: Int) {
    for r in 0..<n { (out + r * o).update(from: bias, count: o) }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(o), Int32(i),
                1, inp, Int32(i), weight, Int32(o), 1, out, Int32(o))
}

/// dweight += inp^T dout; dbias += sum(dout); dinp += dout weight^T (if given).
/// dout: (N, O); inp: (N, I).
public func denseBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>,
                          _ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                          _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ n: Int, _ i: Int, _ o: Int) {
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(i), Int32(o), Int32(n),
                1, inp, Int32(i), dout, Int32(o), 1, dweight, Int32(o))
    biasGradient(dbias, dout, rows: n, channels: o)
    if let dinp {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(i), Int32(o),
                    1, dout, Int32(o), weight, Int32(o), 1, dinp, Int32(i))
    }
}
