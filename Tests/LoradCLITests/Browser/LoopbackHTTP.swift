import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One HTTP/1.1 exchange with a server on 127.0.0.1, over a plain socket.
///
/// chromedriver writes its header fields without a space after the colon (`Content-Length:915`), which
/// FoundationNetworking's URLSession on Linux refuses ("Failed writing header"); this client reads them as RFC 9112
/// allows (optional whitespace).
enum LoopbackHTTP {
    struct Response {
        var status: Int
        var body: Data
    }

    static func exchange(method: String, port: Int, path: String, body: Data?) throws(LoopbackHTTPError) -> Response {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw .system("socket", errno) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw .system("connect to port \(port)", errno) }

        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let bytes = [UInt8]((request + "\r\n").utf8) + [UInt8](body ?? Data())
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw .system("send", errno) }
            sent += count
        }

        // chromedriver keeps the connection open despite `Connection: close`: read until the body is complete.
        var answer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        while try !isComplete(answer) {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count >= 0 else { throw .system("recv", errno) }
            if count == 0 { break }
            answer.append(contentsOf: chunk[0..<count])
        }
        return try parse(answer)
    }

    /// True once the header and `Content-Length` bytes of body have arrived.
    private static func isComplete(_ answer: Data) throws(LoopbackHTTPError) -> Bool {
        guard let end = answer.range(of: Data("\r\n\r\n".utf8)) else { return false }
        guard let length = try contentLength(String(decoding: answer[..<end.lowerBound], as: UTF8.self)) else {
            return false
        }
        return answer.count - end.upperBound >= length
    }

    /// The `Content-Length` of a header, nil when it has none.
    private static func contentLength(_ head: String) throws(LoopbackHTTPError) -> Int? {
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { continue }
            guard let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), length >= 0 else {
                throw .malformed("Content-Length \(parts[1])")
            }
            return length
        }
        return nil
    }

    /// The status and body of a complete answer (`Content-Length` or read-to-close bodies; chromedriver sends no
    /// chunked ones).
    private static func parse(_ answer: Data) throws(LoopbackHTTPError) -> Response {
        guard let end = answer.range(of: Data("\r\n\r\n".utf8)) else { throw .malformed("no end of the header") }
        let head = String(decoding: answer[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw .malformed("status line \(lines[0])")
        }
        var body = Data(answer[end.upperBound...])
        if let length = try contentLength(head) {
            guard length <= body.count else { throw .malformed("\(body.count) of \(length) body bytes") }
            body = body.prefix(length)
        }
        return Response(status: status, body: body)
    }
}

/// An exchange with a loopback HTTP server that failed.
enum LoopbackHTTPError: Error, CustomStringConvertible {
    case system(String, Int32)
    case malformed(String)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
        case .malformed(let what): "malformed HTTP answer: \(what)"
        }
    }
}
