import Foundation

/// How the API writes times: ISO 8601 in UTC with milliseconds (`2026-11-23T12:00:00.000Z`); the database keeps
/// unix milliseconds.
enum APITime {
    static func string(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
