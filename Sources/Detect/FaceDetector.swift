import Dispatch
import FoundationEssentials
import Imaging
import Synchronization

/// A multi-scale Haar cascade detector with the semantics of OpenCV's
/// `CascadeClassifier::detectMultiScale`: the image (not the features) is scaled by
/// 1/scaleFactor^k with bit-exact INTER_LINEAR, each level gets sum / squared-sum (/ tilted)
/// integrals, windows step 2 pixels below scale 2 and 1 above, candidates are grouped with
/// `groupRectangles(minNeighbors, 0.2)` and clipped to the image.
/// It keeps its level tables and integral buffers between calls: after the first frame of a given
/// size, detection allocates only the returned array. Not thread-safe; use one per thread.
public final class FaceDetector {
    public let cascade: Cascade
    public private(set) var parameters: DetectionParameters

    /// One pyramid level: its scale, size, window step, window size and resize tables.
    struct Level {
        let scale: Float
        let width: Int, height: Int
        let step: Int
        let windowWidth: Int, windowHeight: Int
        let resize: LinearResizeTable
    }

    private var levels: [Level] = []
    /// Level indices, most windows first, for handing levels to threads.
    private var levelOrder: [Int] = []
    private var preparedFor = Size.zero
    private var compiled: CompiledCascade?
    private let tilted: Bool
    private var stride = 0, rows = 0
    /// One per thread: its own integral buffers, row scratch and candidate list.
    private var workers: [LevelWorker] = []
    private var grouper = RectangleGrouper()
    private var raw: [Rect] = []
    private let levelQueue = LevelQueue()
    /// This frame's scan items: level index and area (x0, y0, x1, y1) in level pixels.
    private var tasks: [(Int, (Int, Int, Int, Int))] = []
    /// Per region of a region scan: how far its search area extends, in region sizes per side.
    private var grow: [Float] = []

    public init(cascade: Cascade, parameters: DetectionParameters = DetectionParameters()) {
        self.cascade = cascade
        self.parameters = parameters
        self.tilted = cascade.hasTiltedFeatures
    }

    /// Changes the parameters; tables are rebuilt on the next frame.
    public func setParameters(_ p: DetectionParameters) {
        parameters = p
        preparedFor = .zero
    }

    /// The objects found in `image`, OpenCV-compatible.
    public func detect(_ image: GrayImage) -> [Rect] {
        detectCandidates(image, regions: nil)
        return finish(image: image)
    }

    /// Scans only around `regions` (e.g. faces known from the previous frame): windows whose
    /// level position lies in each region grown by half its size on every side, at scales whose
    /// window is between 0.5x and 2x the region's size. Grouping is as for a full scan.
    public func detect(_ image: GrayImage, around regions: [Rect]) -> [Rect] {
        detect(image, around: regions, grow: [])
    }

    /// As `detect(_:around:)`, region i grown by `grow[i]` times its size on every side instead of
    /// half (a face seen several frames ago may have moved further); missing entries are 0.5.
    public func detect(_ image: GrayImage, around regions: [Rect], grow: [Float]) -> [Rect] {
        self.grow.removeAll(keepingCapacity: true)
        for i in regions.indices { self.grow.append(i < grow.count ? max(0, grow[i]) : 0.5) }
        detectCandidates(image, regions: regions)
        return finish(image: image)
    }

    /// The raw window hits before grouping (for tests and tools).
    public func candidates(_ image: GrayImage) -> [Rect] {
        detectCandidates(image, regions: nil)
        return raw
    }

    private func finish(image: GrayImage) -> [Rect] {
        let grouped = grouper.group(raw, groupThreshold: parameters.minNeighbors, eps: 0.2)
        var out: [Rect] = []
        out.reserveCapacity(grouped.count)
        for r in grouped {
            let c = r.clamped(toWidth: image.width, height: image.height)
            if c.area > 0 { out.append(c) }
        }
        out.sort { ($0.y, $0.x, $0.width, $0.height) < ($1.y, $1.x, $1.width, $1.height) }
        return out
    }

    // MARK: - Preparation

    /// Builds the scale list (`detectMultiScaleNoGrouping`) and per-level tables for an image size.
    private func prepare(width: Int, height: Int) {
        if preparedFor == Size(width: width, height: height) { return }
        levels.removeAll()
        let ww = cascade.windowWidth, wh = cascade.windowHeight
        let maxW = parameters.maxSize.width > 0 && parameters.maxSize.height > 0 ? parameters.maxSize.width : width
        let maxH = parameters.maxSize.width > 0 && parameters.maxSize.height > 0 ? parameters.maxSize.height : height
        var factor = 1.0
        while true {
            defer { factor *= parameters.scaleFactor }
            let winW = Int((Double(ww) * factor).rounded(.toNearestOrEven)), winH = Int((Double(wh) * factor).rounded(.toNearestOrEven))
            if winW > maxW || winH > maxH || winW > width || winH > height { break }
            if winW < parameters.minSize.width || winH < parameters.minSize.height { continue }
            let sc = Float(factor)
            // updateScaleData: cvRound(imgsz.width / scale) in float.
            let lw = Int((Float(width) / sc).rounded(.toNearestOrEven)), lh = Int((Float(height) / sc).rounded(.toNearestOrEven))
            guard lw >= ww, lh >= wh, lw > 0, lh > 0 else { continue }
            levels.append(Level(scale: sc, width: lw, height: lh, step: sc >= 2 ? 1 : 2,
                                windowWidth: Int((Float(ww) * sc).rounded(.toNearestOrEven)),
                                windowHeight: Int((Float(wh) * sc).rounded(.toNearestOrEven)),
                                resize: LinearResizeTable(srcWidth: width, srcHeight: height, dstWidth: lw, dstHeight: lh, mode: .linearExact)))
        }
        let newStride = (levels.map(\.width).max() ?? 0) + 1
        let newRows = (levels.map(\.height).max() ?? 0) + 1
        precondition(newStride * newRows * (tilted ? 2 : 1) < Int(Int32.max), "image too large for 32-bit integral offsets")
        if newStride != stride || newRows != rows || compiled == nil {
            stride = newStride
            rows = newRows
            compiled = CompiledCascade(cascade, stride: stride, tiltedOffset: stride * rows)
        }
        while workers.count < parameters.threads { workers.append(LevelWorker()) }
        for w in workers { w.reserve(stride: stride, rows: rows, tilted: tilted, imageWidth: width) }
        levelOrder = levels.indices.sorted {
            (levels[$0].width * levels[$0].height) / (levels[$0].step * levels[$0].step)
                > (levels[$1].width * levels[$1].height) / (levels[$1].step * levels[$1].step)
        }
        preparedFor = Size(width: width, height: height)
    }

    // MARK: - Scan

    /// Fills `raw` with the window hits of all levels (before grouping). With several threads,
    /// each takes the next unscanned level or region area (largest levels first) until none is
    /// left: one hand-off per item and one join per frame.
    private func detectCandidates(_ image: GrayImage, regions: [Rect]?) {
        prepare(width: image.width, height: image.height)
        for w in workers { w.candidates.count = 0 }
        raw.removeAll(keepingCapacity: true)
        guard !levels.isEmpty, let compiled else { return }
        let ww = cascade.windowWidth, wh = cascade.windowHeight
        image.pixels.withUnsafeBufferPointer { px in
            let src = px.baseAddress!
            // Work items: (level, area) pairs, the biggest levels first so threads finish together.
            tasks.removeAll(keepingCapacity: true)
            for li in levelOrder {
                let level = levels[li]
                if let regions {
                    for area in searchAreas(regions, level: level) { tasks.append((li, area)) }
                } else {
                    tasks.append((li, (0, 0, level.width, level.height)))
                }
            }
            let threads = min(parameters.threads, tasks.count)
            if threads <= 1 {
                for (li, area) in tasks {
                    workers[0].scan(levels[li], area: area, src: src, srcStride: image.width, compiled, window: (ww, wh), stride: stride, rows: rows)
                }
            } else {
                let queue = levelQueue
                queue.reset(count: tasks.count)
                let (levels, tasks, workers, stride, rows) = (self.levels, self.tasks, self.workers, self.stride, self.rows)
                let source = SendablePointer(src), srcStride = image.width
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    while let next = queue.next() {
                        let (li, area) = tasks[next]
                        workers[t].scan(levels[li], area: area, src: source.pointer, srcStride: srcStride,
                                        compiled, window: (ww, wh), stride: stride, rows: rows)
                    }
                }
            }
        }
        for w in workers { raw.append(contentsOf: UnsafeBufferPointer(start: w.candidates.storage, count: w.candidates.count)) }
    }

    /// The level-space rectangles (x0, y0, x1, y1) to scan for tracked regions at one level;
    /// overlapping ones are merged so no window is scanned twice.
    private func searchAreas(_ regions: [Rect], level: Level) -> [(Int, Int, Int, Int)] {
        var areas: [(Int, Int, Int, Int)] = []
        for (i, r) in regions.enumerated() {
            let side = max(r.width, r.height)
            guard level.windowWidth * 2 >= side && level.windowWidth <= side * 2 else { continue }
            let g = i < grow.count ? grow[i] : 0.5
            let gx = Int(Float(r.width) * g), gy = Int(Float(r.height) * g)
            let x0 = max(0, Int((Float(r.x - gx) / level.scale).rounded(.down)))
            let y0 = max(0, Int((Float(r.y - gy) / level.scale).rounded(.down)))
            let x1 = min(level.width, Int((Float(r.maxX + gx) / level.scale).rounded(.up)))
            let y1 = min(level.height, Int((Float(r.maxY + gy) / level.scale).rounded(.up)))
            if x1 - x0 < cascade.windowWidth || y1 - y0 < cascade.windowHeight { continue }
            areas.append((x0, y0, x1, y1))
        }
        var merged = true
        while merged {
            merged = false
            outer: for i in areas.indices {
                for j in areas.indices where j > i {
                    let a = areas[i], b = areas[j]
                    if a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3 {
                        areas[i] = (min(a.0, b.0), min(a.1, b.1), max(a.2, b.2), max(a.3, b.3))
                        areas.remove(at: j)
                        merged = true
                        break outer
                    }
                }
            }
        }
        return areas
    }
}

/// Hands out item numbers 0..<count to scanning threads, each exactly once.
final class LevelQueue: Sendable {
    private let state = Mutex((next: 0, count: 0))

    func reset(count: Int) {
        state.withLock { $0 = (0, count) }
    }

    func next() -> Int? {
        state.withLock { s in
            guard s.next < s.count else { return nil }
            s.next += 1
            return s.next - 1
        }
    }
}

/// The source image pointer, shared read-only by the scanning threads for one frame.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafePointer<UInt8>
    init(_ p: UnsafePointer<UInt8>) { pointer = p }
}

/// One thread's level machinery: integral buffers (sum plane, then the tilted plane; squared
/// sums), row scratch and the candidates it found. Sized once per image size.
final class LevelWorker: @unchecked Sendable {
    private var integral = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var squares = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var capacity = 0
    private let scratch = ScanScratch()
    let candidates = CandidateBuffer()
    private var tilted = false

    deinit {
        integral.deallocate()
        squares.deallocate()
    }

    func reserve(stride: Int, rows: Int, tilted: Bool, imageWidth: Int) {
        self.tilted = tilted
        let planes = tilted ? 2 : 1
        if stride * rows * planes > capacity {
            integral.deallocate(); squares.deallocate()
            capacity = stride * rows * planes
            integral = .allocate(capacity: capacity)
            squares = .allocate(capacity: stride * rows)
        }
        scratch.reserve(width: max(stride, imageWidth + 1), height: rows)
    }

    /// Resizes the level's `area` (x0, y0, x1, y1), builds its integrals with the origin at the
    /// area's corner, and scans every window of the level grid that lies inside it.
    func scan(_ level: FaceDetector.Level, area: (Int, Int, Int, Int), src: UnsafePointer<UInt8>, srcStride: Int,
              _ compiled: CompiledCascade, window: (Int, Int), stride: Int, rows: Int) {
        let (ax0, ay0, ax1, ay1) = area
        buildIntegrals(level, area: area, src: src, srcStride: srcStride, stride: stride, rows: rows)
        let step = level.step
        // Window origins on the full level's grid (multiples of the step), fully inside the area.
        let xStart = (ax0 + step - 1) / step * step, yStart = (ay0 + step - 1) / step * step
        let xLast = ax1 - window.0, yLast = ay1 - window.1
        guard xLast >= xStart, yLast >= yStart else { return }
        let nRows = (yLast - yStart) / step + 1
        WindowScanner(compiled: compiled, integral: integral, squares: squares, stride: stride)
            .scan(level: level, rows: 0..<nRows, yStart: yStart, xStart: xStart, xLast: xLast, origin: (ax0, ay0), into: candidates)
    }

    /// Sum, squared-sum and (for tilted cascades) tilted integrals of the resized area.
    private func buildIntegrals(_ level: FaceDetector.Level, area: (Int, Int, Int, Int), src: UnsafePointer<UInt8>, srcStride: Int,
                                stride s: Int, rows: Int) {
        let (ax0, ay0, ax1, ay1) = area
        let w = ax1 - ax0, h = ay1 - ay0
        let ii = integral, sq = squares
        for x in 0...w { ii[x] = 0; sq[x] = 0 }
        let t = ii + s * rows
        if tilted {
            for x in 0...w { t[x] = 0 }
            scratch.clearDiagonals(count: w + h + 2)
        }
        var cache = (-1, -1)
        for r in 0..<h {
            level.resize.row(ay0 + r, ax0, ax1, src: src, srcStride: srcStride, out: scratch.row, rowA: scratch.rowA, rowB: scratch.rowB, cache: &cache)
            Integrals.addRow(scratch.row, width: w, index: r, stride: s, sum: ii, squares: sq, prefix: scratch.prefix)
            if tilted {
                Integrals.addTiltedRow(index: r, width: w, height: h, prefix: scratch.prefix, ascending: scratch.ascending,
                                       descending: scratch.descending, out: t + (r + 1) * s)
            }
        }
    }
}

/// Candidate rectangles of one scanning thread; storage is kept across frames.
final class CandidateBuffer: @unchecked Sendable {
    var storage: UnsafeMutablePointer<Rect>
    var count = 0
    private var capacity = 256

    init() { storage = .allocate(capacity: capacity) }
    deinit { storage.deallocate() }

    @inline(__always)
    func append(_ r: Rect) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Rect>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: storage, count: count)
            storage.deallocate()
            storage = bigger
            capacity *= 2
        }
        (storage + count).initialize(to: r)
        count += 1
    }
}

/// Row scratch for resizing and the tilted integral, sized for the largest level.
final class ScanScratch {
    var row = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    var rowA = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    var rowB = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    var prefix = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
    var ascending = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    var descending = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var width = 0, diagonals = 0

    deinit {
        row.deallocate(); rowA.deallocate(); rowB.deallocate(); prefix.deallocate()
        ascending.deallocate(); descending.deallocate()
    }

    func reserve(width w: Int, height h: Int) {
        if w > width {
            row.deallocate(); rowA.deallocate(); rowB.deallocate(); prefix.deallocate()
            row = .allocate(capacity: w); rowA = .allocate(capacity: w); rowB = .allocate(capacity: w)
            prefix = .allocate(capacity: w + 1)
            width = w
        }
        if w + h + 2 > diagonals {
            ascending.deallocate(); descending.deallocate()
            diagonals = w + h + 2
            ascending = .allocate(capacity: diagonals); descending = .allocate(capacity: diagonals)
        }
    }

    func clearDiagonals(count: Int) {
        ascending.update(repeating: 0, count: count)
        descending.update(repeating: 0, count: count)
    }
}
