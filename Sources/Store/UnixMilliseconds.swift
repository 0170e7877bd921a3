import Foundation

/// Times as the schema stores them: whole milliseconds since 1970-01-01 UTC. Records keep them as integers, not
/// `Date`, so that a fetched record written back keeps its times to the millisecond (a `Date` round trip through
/// floating-point seconds can lose one).
public enum UnixMilliseconds {
    /// The current time.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
