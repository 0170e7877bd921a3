import Crypto
import Foundation
import Store

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The HTTP request that delivers one job event to a webhook: the JSON body
/// `{"job_id", "seq", "type", "data", "created_at"}` and the `X-Lorad-*` headers, signed so that the receiver can
/// check where it came from and when.
public enum WebhookPayload {
    /// The body: the event's `data` JSON as stored, inside an object naming the job, the event and its time.
    public static func body(of event: JobEvent) -> Data {
        // `data` is spliced in unchanged: decoding and re-encoding could alter its numbers.
        let created = iso8601(unixMilliseconds: event.createdAt)
        return Data(
            "{\"job_id\":\(jsonString(event.jobID)),\"seq\":\(event.seq),\"type\":\(jsonString(event.type)),"
                .utf8) + Data("\"data\":\(event.data),\"created_at\":\(jsonString(created))}".utf8)
    }

    /// `sha256=` and the hexadecimal HMAC-SHA256 of `<timestamp>.<body>` keyed with `secret`: the value of
    /// `X-Lorad-Signature`. Binding the timestamp lets a receiver refuse an old delivery replayed.
    public static func signature(secret: String, timestamp: Int64, body: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// The POST of `event` to `url` as delivery `deliveryID`, signed with `secret` at `timestamp` (unix seconds).
    static func request(
        url: URL, event: JobEvent, deliveryID: String, secret: String, timestamp: Int64, timeout: Duration
    ) -> URLRequest {
        let body = body(of: event)
        var request = URLRequest(url: url, timeoutInterval: Double(timeout.milliseconds) / 1000)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(event.type, forHTTPHeaderField: "X-Lorad-Event")
        request.setValue(deliveryID, forHTTPHeaderField: "X-Lorad-Delivery")
        request.setValue(String(timestamp), forHTTPHeaderField: "X-Lorad-Timestamp")
        request.setValue(
            signature(secret: secret, timestamp: timestamp, body: body), forHTTPHeaderField: "X-Lorad-Signature")
        return request
    }

    /// `2026-11-23T12:00:00.000Z`. The milliseconds are appended as integers: through a floating-point `Date` they
    /// could come out one less.
    static func iso8601(unixMilliseconds: Int64) -> String {
        let milliseconds = (unixMilliseconds % 1000 + 1000) % 1000  // before 1970 too
        let seconds = (unixMilliseconds - milliseconds) / 1000
        let whole = Date.ISO8601FormatStyle().format(Date(timeIntervalSince1970: Double(seconds)))
        let digits = String(milliseconds)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    private static func jsonString(_ text: String) -> String {
        // A String always encodes.
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
