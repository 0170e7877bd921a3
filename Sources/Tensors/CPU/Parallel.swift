import Dispatch
import Foundation

/// Splits loops over the cores for the CPU backend's elementwise work (BLAS threads itself).
enum Parallel {
    static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` over disjoint subranges covering `0..<count`. Loops shorter than `grain` stay on this thread,
    /// where handing them out would cost more than it saves.
    static func forEachChunk(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(workerCount * 4, (count + grain - 1) / grain)
        if chunks <= 1 || workerCount == 1 {
            body(0..<count)
            return
        }
        // concurrentPerform returns only when every chunk is done, so `body` never outlives this call, and the
        // chunks write disjoint ranges.
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                work.value((chunk * count / chunks)..<((chunk + 1) * count / chunks))
            }
        }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees there is no data race.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
