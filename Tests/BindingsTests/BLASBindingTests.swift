import COpenBLAS
import Testing

/// OpenBLAS's cblas_sgemm against a naive triple loop.
@Suite struct BLASBindingTests {
    @Test(arguments: [(1, 1, 1), (7, 5, 3), (33, 17, 65), (64, 128, 96)])
    func sgemmMatchesNaiveLoop(m: Int, n: Int, k: Int) {
        var state: UInt32 = 12345
        func next() -> Float { state = state &* 1_664_525 &+ 1_013_904_223; return Float(state >> 8) / Float(1 << 24) - 0.5 }
        let a = (0..<(m * k)).map { _ in next() }
        let b = (0..<(k * n)).map { _ in next() }
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        for i in 0..<m {
            for j in 0..<n {
                var ref: Double = 0
                for p in 0..<k { ref += Double(a[i * k + p]) * Double(b[p * n + j]) }
                // Float tolerance policy: eps * 64 * sqrt(depth), scaled by the operands' magnitude (<= 0.5 each).
                let tol = Double(Float.ulpOfOne) * 64 * Double(k).squareRoot()
                #expect(abs(Double(c[i * n + j]) - ref) <= tol, "c[\(i),\(j)]")
            }
        }
    }
}
