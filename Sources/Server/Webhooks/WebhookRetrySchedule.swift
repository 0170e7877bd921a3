/// When a failed webhook delivery is tried again: after `firstDelay`, doubling after each failure up to
/// `maximumDelay`, until `maximumAttempts` attempts have failed, when the delivery is abandoned.
public struct WebhookRetrySchedule: Sendable, Equatable {
    public var firstDelay: Duration
    public var maximumDelay: Duration
    public var maximumAttempts: Int

    public init(firstDelay: Duration, maximumDelay: Duration, maximumAttempts: Int) {
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.maximumAttempts = maximumAttempts
    }

    /// 5 s, 10 s, 20 s, … capped at 10 minutes; 10 attempts in all (about 27 minutes).
    public static let standard = WebhookRetrySchedule(
        firstDelay: .seconds(5), maximumDelay: .seconds(600), maximumAttempts: 10)

    /// The wait after the failure of attempt number `attempt` (from 1), nil when that was the last attempt.
    public func delay(afterFailedAttempt attempt: Int) -> Duration? {
        guard attempt < maximumAttempts else { return nil }
        var delay = firstDelay
        for _ in 1..<max(attempt, 1) where delay < maximumDelay {
            delay *= 2
        }
        return min(delay, maximumDelay)
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
