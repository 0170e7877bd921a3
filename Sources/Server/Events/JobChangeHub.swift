import Foundation
import Synchronization

/// In-process news of job changes, published after the transaction that made them commits, so that event streams
/// and idle workers wake at once instead of polling the database. A subscriber that falls behind loses the oldest
/// news, never the data: streams always read what they send from the database.
public final class JobChangeHub: Sendable {
    public enum Change: Sendable, Equatable {
        /// The job's row or events changed (or it was queued).
        case job(id: String)
        case deleted(id: String)
        /// A grid of the job was queued, its rendering moved on or ended, or it was deleted.
        case grid(jobID: String, gridID: String)

        /// The job the change is about.
        public var jobID: String {
            switch self {
            case .job(let id), .deleted(let id), .grid(let id, _): id
            }
        }
    }

    private struct State {
        var subscribers: [UUID: AsyncStream<Change>.Continuation] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// A stream of the changes published from now on; it ends when the hub closes.
    public func subscribe() -> AsyncStream<Change> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Change.self, bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        let isClosed = state.withLock { state in
            if !state.isClosed { state.subscribers[id] = continuation }
            return state.isClosed
        }
        if isClosed { continuation.finish() }
        return stream
    }

    /// How many streams are subscribed now.
    var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    public func publish(_ change: Change) {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.yield(change) }
    }

    /// Ends every subscription, now and later: at shutdown, so that open event streams end and the HTTP server can
    /// drain (clients reconnect to the next server).
    public func close() {
        let continuations = state.withLock { state in
            state.isClosed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
