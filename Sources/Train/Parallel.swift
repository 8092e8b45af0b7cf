import Dispatch

/// Wraps a value that is shared across worker threads in `parallelFor`; every caller partitions
/// its writes so no two workers touch the same element.
struct UnsafeSendableBox<T>: @unchecked Sendable { let value: T }

/// Runs `body` over `0..<count` split into `threads` contiguous ranges. The partition depends only
/// on `count` and `threads`, so reductions combined in range order are deterministic for a fixed
/// thread count.
func parallelFor(_ count: Int, threads: Int, minimumPerThread: Int = 1, _ body: (Range<Int>) -> Void) {
    let parts = min(threads, max(1, count / max(minimumPerThread, 1)))
    if parts <= 1 {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { work in
        let box = UnsafeSendableBox(value: work)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            box.value(partRange(part, of: parts, count: count))
        }
    }
}

/// The `part`-th of `parts` contiguous ranges covering `0..<count`.
func partRange(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
}

/// Runs `body(part)` for each part in `0..<parts`, concurrently when parts > 1.
func parallelParts(_ parts: Int, _ body: (Int) -> Void) {
    if parts <= 1 {
        if parts == 1 { body(0) }
        return
    }
    withoutActuallyEscaping(body) { work in
        let box = UnsafeSendableBox(value: work)
        DispatchQueue.concurrentPerform(iterations: parts) { box.value($0) }
    }
}
