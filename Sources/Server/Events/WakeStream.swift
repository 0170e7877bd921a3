/// What wakes an idle event stream: a change it cares about, or the heartbeat interval passing. Subscribed when made,
/// so nothing published after `init` is missed; it ends when the hub closes.
struct WakeStream: AsyncSequence, Sendable {
    enum Wake: Sendable, Equatable {
        case change(JobChangeHub.Change)
        case heartbeat
    }

    private let stream: AsyncStream<Wake>

    init(
        changes: JobChangeHub, heartbeat: Duration,
        where isWanted: @escaping @Sendable (JobChangeHub.Change) -> Bool = { _ in true }
    ) {
        let subscription = changes.subscribe()
        let (stream, continuation) = AsyncStream.makeStream(of: Wake.self, bufferingPolicy: .bufferingNewest(256))
        let forwarding = Task {
            for await change in subscription where isWanted(change) { continuation.yield(.change(change)) }
            continuation.finish()
        }
        let ticking = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield(.heartbeat)
            }
        }
        continuation.onTermination = { _ in
            forwarding.cancel()
            ticking.cancel()
        }
        self.stream = stream
    }

    func makeAsyncIterator() -> AsyncStream<Wake>.Iterator { stream.makeAsyncIterator() }
}
