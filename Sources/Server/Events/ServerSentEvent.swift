import NIOCore

/// One message of a `text/event-stream` (the WHATWG server-sent events format).
struct ServerSentEvent: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String

    /// The wire form; a data value with line breaks becomes several `data:` lines, as the format requires.
    var text: String {
        var text = ""
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        for line in data.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            text += "data: \(line)\n"
        }
        return text + "\n"
    }

    /// A comment line that keeps proxies and clients from timing an idle stream out.
    static let heartbeat = ": heartbeat\n\n"
}
