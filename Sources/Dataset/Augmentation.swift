import Foundation

/// Ranges for random training-time changes, in the spirit of Keras' `ImageDataGenerator`
/// (`rotation_range`, `width/height_shift_range`, `zoom_range`, `brightness_range`, `fill_mode="constant"`,
/// `horizontal_flip`). The reference recipe's values are the defaults.
public struct AugmentationConfig: Sendable, Equatable {
    /// Rotation drawn uniformly in ±this many degrees.
    public var rotationDegrees: Float = 30
    /// Shift drawn uniformly in ±this fraction of the width (and, independently, of the height).
    public var shiftFraction: Float = 0.1
    /// Zoom drawn independently for x and y, Keras' convention: source coordinates are scaled by z
    /// about the centre, so z > 1 shows more of the surroundings (the face looks smaller).
    public var zoom: ClosedRange<Float> = 1.0...1.2
    /// Brightness factor: the sampled value is multiplied by it (PIL `ImageEnhance.Brightness`), then clipped.
    public var brightness: ClosedRange<Float> = 0.8...1.1
    /// Gray level (0-255) for output pixels that map outside the source image.
    public var fillValue: Float = 0
    /// Mirror left-right with probability 1/2 (the reference recipe had no flips).
    public var horizontalFlip: Bool = false

    public init(rotationDegrees: Float = 30, shiftFraction: Float = 0.1, zoom: ClosedRange<Float> = 1.0...1.2,
                brightness: ClosedRange<Float> = 0.8...1.1, fillValue: Float = 0, horizontalFlip: Bool = false) {
        self.rotationDegrees = rotationDegrees
        self.shiftFraction = shiftFraction
        self.zoom = zoom
        self.brightness = brightness
        self.fillValue = fillValue
        self.horizontalFlip = horizontalFlip
    }

    /// The reference recipe: rotation ±30°, shift ±10%, zoom 1.0-1.2, brightness 0.8-1.1, fill 0, no flip.
    public static let reference = AugmentationConfig()

    /// These ranges shrunk toward no change by `strength` in [0, 1] (1: unchanged, 0: identity
    /// apart from flips): a last training stage on milder distortions sees images closer to the
    /// undistorted faces it is judged on.
    public func scaled(by strength: Float) -> AugmentationConfig {
        func toward1(_ r: ClosedRange<Float>) -> ClosedRange<Float> {
            (1 + (r.lowerBound - 1) * strength)...(1 + (r.upperBound - 1) * strength)
        }
        return AugmentationConfig(rotationDegrees: rotationDegrees * strength, shiftFraction: shiftFraction * strength,
                                  zoom: toward1(zoom), brightness: toward1(brightness), fillValue: fillValue,
                                  horizontalFlip: horizontalFlip)
    }
}

/// One draw of augmentation parameters for one image.
public struct AugmentationParameters: Sendable, Equatable {
    /// Rotation in radians (positive turns the content counter-clockwise on screen, y pointing down).
    public var rotation: Float = 0
    /// Shift as a fraction of width / height.
    public var shiftX: Float = 0, shiftY: Float = 0
    /// Source-coordinate scale about the centre (Keras' zoom convention).
    public var zoomX: Float = 1, zoomY: Float = 1
    public var brightness: Float = 1
    public var flip = false

    /// No change: rendering with it is a plain bilinear resize.
    public static let identity = AugmentationParameters()

    public init(rotation: Float = 0, shiftX: Float = 0, shiftY: Float = 0, zoomX: Float = 1, zoomY: Float = 1, brightness: Float = 1, flip: Bool = false) {
        self.rotation = rotation
        self.shiftX = shiftX
        self.shiftY = shiftY
        self.zoomX = zoomX
        self.zoomY = zoomY
        self.brightness = brightness
        self.flip = flip
    }

    /// Draws parameters from `config`'s ranges, always consuming the same count of random numbers.
    public static func random(_ config: AugmentationConfig, using rng: inout SeededRandom) -> AugmentationParameters {
        let degrees = rng.uniform(-config.rotationDegrees...config.rotationDegrees)
        let sx = rng.uniform(-config.shiftFraction...config.shiftFraction)
        let sy = rng.uniform(-config.shiftFraction...config.shiftFraction)
        let zx = rng.uniform(config.zoom), zy = rng.uniform(config.zoom)
        let b = rng.uniform(config.brightness)
        let coin = rng.next() & 1 == 1
        return AugmentationParameters(rotation: degrees * .pi / 180, shiftX: sx, shiftY: sy, zoomX: zx, zoomY: zy,
                                      brightness: b, flip: config.horizontalFlip && coin)
    }
}

/// Renders square gray images through a resize plus an optional augmentation, in one bilinear pass.
///
/// Output pixel centre (u, v) maps to source coordinates by, in order: the resize (half-pixel
/// centres, as OpenCV `INTER_LINEAR`: x = (u + 0.5) * inSide / outSide - 0.5), the flip
/// (x → inSide - 1 - x), then Keras' centred affine transform
/// `src = c + R(rotation) * (diag(zoomX, zoomY) * (p - c) + shift * inSide)` with c the image centre.
/// The source image covers [-0.5, inSide - 0.5] in both axes: inside it, bilinear interpolation
/// with edge pixels repeated; outside, the fill value. So the identity parameters give exactly a
/// bilinear resize, and (inSide == outSide) an exact copy.
public enum AugmentRenderer {
    /// The 2x3 affine map from output pixel indices to source coordinates.
    static func sourceMap(_ p: AugmentationParameters, inSide: Int, outSide: Int) -> (a: Float, b: Float, c: Float, d: Float, e: Float, f: Float) {
        let scale = Float(inSide) / Float(outSide)
        let center = Float(inSide - 1) / 2
        // Resize: x1 = scale*u + (scale/2 - 0.5); flip: x2 = ±(x1 - center) relative to the centre.
        let flipSign: Float = p.flip ? -1 : 1
        let off = scale / 2 - 0.5 - center
        // Relative coordinates after resize and flip: rx = flipSign*(scale*u + off), ry = scale*v + off.
        let cosT = cos(p.rotation), sinT = sin(p.rotation)
        let tx = p.shiftX * Float(inSide), ty = p.shiftY * Float(inSide)
        // q = Z * r + t; src = c + R * q with R = [[cos, -sin], [sin, cos]].
        let qxu = p.zoomX * flipSign * scale, qx0 = p.zoomX * flipSign * off + tx
        let qyv = p.zoomY * scale, qy0 = p.zoomY * off + ty
        return (a: cosT * qxu, b: -sinT * qyv, c: center + cosT * qx0 - sinT * qy0,
                d: sinT * qxu, e: cosT * qyv, f: center + sinT * qx0 + cosT * qy0)
    }

    /// Renders one image: `source` is inSide x inSide bytes; writes outSide x outSide values,
    /// (gray level * brightness, clipped to 0-255) * `outputScale`, to `out`.
    public static func render(_ source: UnsafeBufferPointer<UInt8>, inSide: Int, parameters p: AugmentationParameters, fill: Float,
                              outSide: Int, outputScale: Float, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(source.count == inSide * inSide && out.count == outSide * outSide && inSide > 0, "render needs square buffers of the given sides")
        let m = sourceMap(p, inSide: inSide, outSide: outSide)
        let lo: Float = -0.5, hi = Float(inSide) - 0.5, last = inSide - 1
        let gain = p.brightness
        let filled = min(max(fill * gain, 0), 255) * outputScale
        for v in 0..<outSide {
            let fv = Float(v)
            let rowX = m.b * fv + m.c, rowY = m.e * fv + m.f
            for u in 0..<outSide {
                // Direct, not accumulated: keeps coordinates within a few ulps of the exact map.
                let sx = m.a * Float(u) + rowX, sy = m.d * Float(u) + rowY
                guard sx >= lo && sx <= hi && sy >= lo && sy <= hi else { out[v * outSide + u] = filled; continue }
                let cx = min(max(sx, 0), Float(last)), cy = min(max(sy, 0), Float(last))
                let x0 = Int(cx), y0 = Int(cy)
                let x1 = min(x0 + 1, last), y1 = min(y0 + 1, last)
                let wx = cx - Float(x0), wy = cy - Float(y0)
                let top = Float(source[y0 * inSide + x0]) * (1 - wx) + Float(source[y0 * inSide + x1]) * wx
                let bottom = Float(source[y1 * inSide + x0]) * (1 - wx) + Float(source[y1 * inSide + x1]) * wx
                let value = top * (1 - wy) + bottom * wy
                out[v * outSide + u] = min(max(value * gain, 0), 255) * outputScale
            }
        }
    }
}

/// Fills training batches: float32 images in [0, 1], (N, side, side), in a caller-owned buffer.
/// Each image's parameters depend only on (seed, epoch, dataset index), so a batch is the same
/// whatever the batch size, thread split or resume point.
public struct BatchAugmenter: Sendable {
    public var config: AugmentationConfig
    /// Output side: 64 for the reference model (48 upscaled), 48 for native size.
    public var outputSide: Int
    public var seed: UInt64

    public init(config: AugmentationConfig = .reference, outputSide: Int = 64, seed: UInt64) {
        precondition(outputSide > 0, "output side must be positive")
        self.config = config
        self.outputSide = outputSide
        self.seed = seed
    }

    /// The parameters image `index` gets in `epoch`.
    public func parameters(epoch: Int, index: Int) -> AugmentationParameters {
        var rng = SeededRandom(seed: seed, stream: UInt64(truncatingIfNeeded: epoch), index: UInt64(truncatingIfNeeded: index))
        return .random(config, using: &rng)
    }

    /// Writes images `indices` of `dataset` to `out` (indices.count * side * side floats), augmented
    /// when `augment` is true, else only resized (for validation). Allocates nothing.
    public func fill(_ out: UnsafeMutableBufferPointer<Float>, from dataset: FERDataset, indices: UnsafeBufferPointer<Int>,
                     epoch: Int, augment: Bool) {
        let plane = outputSide * outputSide
        precondition(out.count >= indices.count * plane, "output buffer too small for the batch")
        dataset.images.withUnsafeBufferPointer { images in
            for (k, i) in indices.enumerated() {
                let src = UnsafeBufferPointer(rebasing: images[i * FERDataset.pixelsPerImage..<(i + 1) * FERDataset.pixelsPerImage])
                let p = augment ? parameters(epoch: epoch, index: i) : .identity
                AugmentRenderer.render(src, inSide: FERDataset.side, parameters: p, fill: config.fillValue, outSide: outputSide,
                                       outputScale: 1 / 255, into: UnsafeMutableBufferPointer(rebasing: out[k * plane..<(k + 1) * plane]))
            }
        }
    }

    /// Writes the targets of images `indices` to `out` (indices.count * 8 floats): the soft targets
    /// when the dataset has them, else one-hot labels.
    public static func fillTargets(_ out: UnsafeMutableBufferPointer<Float>, from dataset: FERDataset, indices: UnsafeBufferPointer<Int>) {
        precondition(out.count >= indices.count * Emotion.count, "target buffer too small for the batch")
        for (k, i) in indices.enumerated() {
            let row = k * Emotion.count
            if let soft = dataset.softTargets {
                for c in 0..<Emotion.count { out[row + c] = soft[i * Emotion.count + c] }
            } else {
                for c in 0..<Emotion.count { out[row + c] = 0 }
                out[row + Int(dataset.labels[i])] = 1
            }
        }
    }
}
