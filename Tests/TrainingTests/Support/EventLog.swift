import Foundation
import Training

/// Every event a training run reports, collected from whichever thread sends it.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [TrainingEvent] = []

    var all: [TrainingEvent] { lock.withLock { events } }

    func record(_ event: TrainingEvent) { lock.withLock { events.append(event) } }

    /// The progress of every optimizer step, in order.
    var progress: [TrainingProgress] { all.compactMap { if case .progress(let p) = $0 { p } else { nil } } }
}
