import Foundation
import Testing
@testable import Dataset

/// The one-pass resize + augmentation renderer and the batch filler.
struct DatasetAugmentTests {
    typealias F = DatasetFixtures

    static func render(_ src: [UInt8], _ p: AugmentationParameters, outSide: Int, fill: Float = 0, scale: Float = 1) -> [Float] {
        var out = [Float](repeating: -1, count: outSide * outSide)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer {
                AugmentRenderer.render(s, inSide: 48, parameters: p, fill: fill, outSide: outSide, outputScale: scale, into: $0)
            }
        }
        return out
    }

    /// The documented mapping evaluated directly in Double for one output pixel; nil when the source
    /// point lies within 1e-3 of the image border, where float rounding may decide fill vs. pixel.
    static func reference(_ src: [UInt8], _ p: AugmentationParameters, outSide: Int, fill: Double, u: Int, v: Int) -> Double? {
        let n = 48.0, c = (n - 1) / 2, scale = n / Double(outSide)
        var x = (Double(u) + 0.5) * scale - 0.5, y = (Double(v) + 0.5) * scale - 0.5
        if p.flip { x = n - 1 - x }
        let qx = Double(p.zoomX) * (x - c) + Double(p.shiftX) * n, qy = Double(p.zoomY) * (y - c) + Double(p.shiftY) * n
        let t = Double(p.rotation)
        let sx = c + cos(t) * qx - sin(t) * qy, sy = c + sin(t) * qx + cos(t) * qy
        let margin = 1e-3
        if [sx, sy].contains(where: { abs($0 + 0.5) < margin || abs($0 - (n - 0.5)) < margin }) { return nil }
        var value = fill
        if sx >= -0.5 && sx <= n - 0.5 && sy >= -0.5 && sy <= n - 0.5 {
            let cx = min(max(sx, 0), n - 1), cy = min(max(sy, 0), n - 1)
            let x0 = Int(cx), y0 = Int(cy), x1 = min(x0 + 1, 47), y1 = min(y0 + 1, 47)
            let wx = cx - Double(x0), wy = cy - Double(y0)
            func px(_ x: Int, _ y: Int) -> Double { Double(src[y * 48 + x]) }
            value = (px(x0, y0) * (1 - wx) + px(x1, y0) * wx) * (1 - wy) + (px(x0, y1) * (1 - wx) + px(x1, y1) * wx) * wy
        }
        return min(max(value * Double(p.brightness), 0), 255)
    }

    @Test func identityAtNativeSizeIsAnExactCopy() {
        let src = F.pixels(7)
        #expect(Self.render(src, .identity, outSide: 48) == src.map(Float.init))
        #expect(Self.render(src, .identity, outSide: 48, scale: 1 / 255) == src.map { Float($0) * (1 / 255) })
    }

    @Test func identityUpscaleIsHalfPixelBilinear() {
        let src = F.pixels(11)
        let out = Self.render(src, .identity, outSide: 64)
        var worst = 0.0
        for v in 0..<64 {
            for u in 0..<64 {
                // OpenCV INTER_LINEAR: x = (u + 0.5) * 48/64 - 0.5, clamped to the image.
                let ref = Self.reference(src, .identity, outSide: 64, fill: 0, u: u, v: v)!
                worst = max(worst, abs(ref - Double(out[v * 64 + u])))
            }
        }
        #expect(worst < 1e-3)
    }

    @Test func flipMirrorsRows() {
        let src = F.pixels(3)
        let out = Self.render(src, AugmentationParameters(flip: true), outSide: 48)
        for y in 0..<48 { for x in 0..<48 { #expect(out[y * 48 + x] == Float(src[y * 48 + 47 - x])) } }
    }

    @Test func shiftMovesContentAndFillsTheRest() {
        let src = F.pixels(5)
        let out = Self.render(src, AugmentationParameters(shiftX: 0.25), outSide: 48, fill: 9)
        for y in 0..<48 {
            for x in 0..<48 { #expect(out[y * 48 + x] == (x < 36 ? Float(src[y * 48 + x + 12]) : 9)) }
        }
    }

    @Test(arguments: 0..<40)
    func randomParametersMatchTheDocumentedMapping(seed: Int) {
        let src = F.pixels(seed)
        let config = AugmentationConfig(rotationDegrees: 45, shiftFraction: 0.2, zoom: 0.8...1.3, brightness: 0.5...1.5,
                                        fillValue: 40, horizontalFlip: true)
        var rng = SeededRandom(seed: UInt64(seed))
        let p = AugmentationParameters.random(config, using: &rng)
        let side = seed % 2 == 0 ? 64 : 48
        let out = Self.render(src, p, outSide: side, fill: 40)
        var worst = 0.0, compared = 0
        for v in 0..<side {
            for u in 0..<side {
                guard let ref = Self.reference(src, p, outSide: side, fill: 40, u: u, v: v) else { continue }
                worst = max(worst, abs(ref - Double(out[v * side + u])))
                compared += 1
            }
        }
        #expect(compared > side * side * 9 / 10)
        // Float32 coordinates are within ~1e-5 px of the Double map; times the fixture's steepest
        // gradient (255 gray levels per pixel) and brightness 1.5, that is under 0.01 gray levels.
        #expect(worst < 0.01, "parameters \(p)")
    }

    @Test func parametersStayInTheirRanges() {
        let config = AugmentationConfig.reference
        var rng = SeededRandom(seed: 1)
        for _ in 0..<2000 {
            let p = AugmentationParameters.random(config, using: &rng)
            #expect(abs(p.rotation) <= 30 * .pi / 180 + 1e-6)
            #expect(abs(p.shiftX) <= 0.1 && abs(p.shiftY) <= 0.1)
            #expect(config.zoom.contains(p.zoomX) && config.zoom.contains(p.zoomY))
            #expect(config.brightness.contains(p.brightness))
            #expect(!p.flip)
        }
    }

    @Test func strengthShrinksTheRangesTowardNoChange() {
        let reference = AugmentationConfig(horizontalFlip: true)
        #expect(reference.scaled(by: 1) == reference)
        let half = reference.scaled(by: 0.5)
        #expect(half.rotationDegrees == 15 && half.shiftFraction == 0.05 && half.horizontalFlip)
        #expect(half.zoom == 1.0...1.1 && abs(half.brightness.lowerBound - 0.9) < 1e-6 && abs(half.brightness.upperBound - 1.05) < 1e-6)
        // Strength 0 leaves only the flips: every draw renders the plain image or its mirror.
        let none = reference.scaled(by: 0)
        let src = F.pixels(3)
        var rng = SeededRandom(seed: 4)
        for _ in 0..<20 {
            let p = AugmentationParameters.random(none, using: &rng)
            #expect(Self.render(src, p, outSide: 48) == Self.render(src, AugmentationParameters(flip: p.flip), outSide: 48))
        }
    }

    @Test func batchesDependOnlyOnSeedEpochAndIndex() {
        var d = FERDataset()
        for i in 0..<6 { F.pixels(i).withUnsafeBufferPointer { d.append(pixels: $0, label: .fear, usage: .training, sourceRow: i) } }
        let aug = BatchAugmenter(seed: 5)
        func batch(_ indices: [Int], epoch: Int, augment: Bool = true, augmenter: BatchAugmenter = aug) -> [[Float]] {
            var out = [Float](repeating: 0, count: indices.count * 64 * 64)
            indices.withUnsafeBufferPointer { idx in
                out.withUnsafeMutableBufferPointer { augmenter.fill($0, from: d, indices: idx, epoch: epoch, augment: augment) }
            }
            return (0..<indices.count).map { Array(out[$0 * 4096..<($0 + 1) * 4096]) }
        }
        let a = batch([3, 1, 4], epoch: 2)
        let b = batch([1, 5, 9 - 5, 3], epoch: 2)
        #expect(a[0] == b[3] && a[1] == b[0] && a[2] == b[2])
        #expect(batch([3], epoch: 3)[0] != a[0])
        #expect(batch([3], epoch: 2, augmenter: BatchAugmenter(seed: 6))[0] != a[0])
        #expect(a.joined().allSatisfy { $0 >= 0 && $0 <= 1 })
        // Without augmentation: the plain 48 → 64 resize, the same every epoch.
        #expect(batch([2], epoch: 0, augment: false) == batch([2], epoch: 7, augment: false))
        #expect(batch([2], epoch: 0, augment: false)[0] == Self.render(F.pixels(2), .identity, outSide: 64, scale: 1 / 255))
    }

    @Test func targetsAreOneHotOrSoft() throws {
        var hard = FERDataset()
        F.pixels(0).withUnsafeBufferPointer { hard.append(pixels: $0, label: .sadness, usage: .training, sourceRow: 0) }
        var soft = FERDataset(withSoftTargets: true)
        let shares: [Float] = [0.5, 0, 0, 0, 0.25, 0.25, 0, 0]
        F.pixels(0).withUnsafeBufferPointer { px in
            shares.withUnsafeBufferPointer { soft.append(pixels: px, label: .anger, soft: $0, usage: .training, sourceRow: 0) }
        }
        var out = [Float](repeating: 9, count: 16)
        [0, 0].withUnsafeBufferPointer { idx in out.withUnsafeMutableBufferPointer { BatchAugmenter.fillTargets($0, from: hard, indices: idx) } }
        #expect(out == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0])
        [0].withUnsafeBufferPointer { idx in out.withUnsafeMutableBufferPointer { BatchAugmenter.fillTargets($0, from: soft, indices: idx) } }
        #expect(Array(out[0..<8]) == shares)
    }
}
