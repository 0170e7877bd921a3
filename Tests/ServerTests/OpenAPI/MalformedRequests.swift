import Foundation
import HTTPTypes
import NIOCore
import Training

/// A request built to be refused (or at worst accepted): what the bad-input test sends.
struct MalformedRequest {
    var label: String
    var method: HTTPRequest.Method
    var uri: String
    var headers: HTTPFields = [:]
    var body: ByteBuffer?
}

/// Builds malformed requests for every documented operation from the OpenAPI document: bad path parameters, query
/// values and headers for each, and for operations with a body, bodies that break the body's schema one field at a
/// time, plus bodies that are not what the media type says.
struct MalformedRequestGenerator {
    let document: OpenAPIDocument
    /// A value that exists for each path parameter of an operation (`/v1/jobs/{id}` → a job's id), so that the bad
    /// parts of a request reach the handler behind the router and the lookup.
    let validPathValue: (OpenAPIDocument.Operation, String) -> String
    /// A body the server would accept for an operation, when there is one to mutate.
    let validBody: (OpenAPIDocument.Operation) -> [String: ConfigValue]?

    /// Path segments that must never match anything or reach the file system.
    static let badSegments = [
        "..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2F", "a%2Fb", "%00", "%0A%0D", "-1", "99999999999999999999999",
        "0x10", String(repeating: "a", count: 5_000), "%C3%A9t%C3%A9", "%F0%9F%98%80", "%FF%FE", "%25", "null",
        "1.5", "+1", " ", "%20",
    ]

    static let badQueryValues = [
        "", "-1", "0", "201", "99999999999999999999", "abc", "1e3", "%00", "%FF", "%2F..%2F", "a,b,,c",
        String(repeating: "z", count: 4_000), "queued,%F0%9F%98%80",
    ]

    static let badHeaders: [(String, [String])] = [
        (
            "Range",
            [
                "bytes=5-2", "bytes=-0", "bytes=99999999999999999999-", "bytes=a-b", "items=0-1", "bytes=0-1,3-4",
                "bytes=", "bytes=--1",
            ]
        ),
        ("Last-Event-ID", ["-1", "abc", "99999999999999999999", "1.5", "", "😀", String(repeating: "9", count: 500)]),
        ("Idempotency-Key", ["", String(repeating: "k", count: 201), String(repeating: "é", count: 150), "\u{7F}\t"]),
        ("If-None-Match", ["*", "\"", String(repeating: "\"x\",", count: 1_000), "W/\"abc\""]),
        ("If-Range", ["\"nope\"", "Wed, 21 Oct 2015 07:28:00 GMT"]),
        (
            "Content-Type",
            ["application/json; charset=utf-16", "application/json;;;", "", "*/*", "multipart/form-data"]
        ),
        ("Content-Length", ["-1", "abc"]),
        ("Authorization", ["Bearer", "Basic Zm9vOmJhcg==", String(repeating: "B", count: 10_000)]),
        ("Accept", ["application/xml", "*/*;q=abc"]),
    ]

    /// Strings a text field should survive: huge, unicode, control characters, look-alikes of paths and markup.
    static let hostileStrings = [
        "", " ", String(repeating: "x", count: 200_000), "é😀\u{202E}\u{FEFF}名前", "\u{0}\u{1}\u{1B}[31m\r\n",
        "../../etc/passwd", "/absolute/path", "C:\\windows", "%2e%2e%2f", "<script>alert(1)</script>",
        "'; DROP TABLE jobs; --",
        "\u{D7FF}\u{E000}\u{10FFFF}",
    ]

    static let hostileNumbers: [ConfigValue] = [
        .integer(-1), .integer(0), .integer(Int.max), .integer(Int.min), .double(1e308), .double(-1e308),
        .double(0.5), .double(.leastNonzeroMagnitude),
    ]

    /// Values of a JSON type other than `type`.
    static func wrongTypes(for type: ConfigValue?) -> [ConfigValue] {
        let all: [(String, ConfigValue)] = [
            ("string", .string("x")), ("integer", .integer(3)), ("number", .double(2.5)), ("boolean", .bool(true)),
            ("array", .array([.integer(1), .string("two")])), ("object", .table(["a": .null])), ("null", .null),
        ]
        let allowed = Set([type?.stringValue].compactMap { $0 } + (type?.arrayValue?.compactMap(\.stringValue) ?? []))
        return all.filter { name, _ in
            !allowed.contains(name) && !(name == "integer" && allowed.contains("number"))
        }.map(\.1)
    }

    /// The requests for `operation`, deterministic for a given document and ids.
    func requests(for operation: OpenAPIDocument.Operation) -> [MalformedRequest] {
        let method = HTTPRequest.Method(operation.method)!
        let parameters = document.parameters(operation)
        let pathNames = parameters.filter { $0["in"]?.stringValue == "path" }.compactMap { $0["name"]?.stringValue }
        func path(replacing name: String? = nil, with value: String = "") -> String {
            var path = operation.path
            for parameter in pathNames {
                let replacement = parameter == name ? value : validPathValue(operation, parameter)
                path = path.replacingOccurrences(of: "{\(parameter)}", with: replacement)
            }
            return path
        }
        let basePath = path()
        let baseBody = validBody(operation)
        func request(_ label: String, uri: String? = nil, headers: HTTPFields = [:], body: ByteBuffer? = nil)
            -> MalformedRequest
        {
            var headers = headers
            var body = body
            if body == nil, let baseBody {
                body = Self.json(.table(baseBody))
                if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            }
            return MalformedRequest(
                label: "\(operation) \(label)", method: method, uri: uri ?? basePath, headers: headers, body: body)
        }

        var requests: [MalformedRequest] = []
        for name in pathNames {
            for segment in Self.badSegments {
                requests.append(
                    request("path \(name)=\(segment.prefix(40))", uri: path(replacing: name, with: segment)))
            }
        }
        for parameter in parameters where parameter["in"]?.stringValue == "query" {
            let name = parameter["name"]?.stringValue ?? ""
            for value in Self.badQueryValues {
                requests.append(request("query \(name)=\(value.prefix(40))", uri: "\(basePath)?\(name)=\(value)"))
            }
            requests.append(request("query \(name) twice", uri: "\(basePath)?\(name)=1&\(name)=abc"))
        }
        requests.append(request("unknown query", uri: "\(basePath)?%00=%FF&&=&a[b]=c"))
        for (name, values) in Self.badHeaders {
            for value in values {
                let field = HTTPField.Name(name)!
                requests.append(request("header \(name): \(value.prefix(40))", headers: [field: value]))
            }
        }
        if let baseBody {
            requests += bodyRequests(operation, baseBody, request: { request($0, headers: $2, body: $1) })
        } else if method == .post || method == .patch {
            requests.append(
                request(
                    "unexpected body", headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: "{\"x\":1}")))
            requests.append(
                request(
                    "unexpected garbage body", headers: [.contentType: "application/octet-stream"],
                    body: ByteBuffer(bytes: (0..<255).map(UInt8.init))))
        }
        if operation.method == "POST", operation.path.hasSuffix("/datasets") {
            requests += multipartRequests { request($0, headers: $2, body: $1) }
        }
        return requests
    }

    /// Bodies that break the schema of a JSON body one way at a time.
    private func bodyRequests(
        _ operation: OpenAPIDocument.Operation, _ base: [String: ConfigValue],
        request: (String, ByteBuffer, HTTPFields) -> MalformedRequest
    ) -> [MalformedRequest] {
        let json: HTTPFields = [.contentType: "application/json"]
        let schema = document.dereferenced(
            document.object(operation)?["requestBody"]?["content"]?["application/json"]?["schema"] ?? .null)
        let properties: [String: ConfigValue] = if case .table(let found) = schema["properties"] { found } else { [:] }
        var requests: [MalformedRequest] = []
        func send(_ label: String, _ object: [String: ConfigValue]) {
            requests.append(request(label, Self.json(.table(object)), json))
        }
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            var object = base
            object[name] = nil
            send("without \(name)", object)
        }
        for (name, propertySchema) in properties.sorted(by: { $0.key < $1.key }) {
            let type = document.dereferenced(propertySchema)["type"]
            for value in Self.wrongTypes(for: type) {
                var object = base
                object[name] = value
                send("\(name) as \(value)", object)
            }
            let isText = type?.stringValue == "string" || type?.arrayValue?.contains(.string("string")) == true
            let isNumber = ["integer", "number"].contains(type?.stringValue ?? "")
            if isText {
                for text in Self.hostileStrings {
                    var object = base
                    object[name] = .string(text)
                    send("\(name) = \(text.prefix(30).debugDescription)", object)
                }
            }
            if isNumber {
                for number in Self.hostileNumbers {
                    var object = base
                    object[name] = number
                    send("\(name) = \(number)", object)
                }
            }
            if type?.stringValue == "array" {
                var object = base
                object[name] = .array(Array(repeating: .string(String(repeating: "p", count: 100)), count: 5_000))
                send("\(name) with 5000 elements", object)
            }
        }
        var deep = ConfigValue.integer(1)
        for _ in 0..<400 { deep = .array([deep]) }
        send("deeply nested value", base.merging(["unknown_option": deep]) { $1 })
        var object = base
        object["server_chosen"] = .string("x")
        object["pretrained_model_name_or_path"] = .string("/etc/passwd")
        object["output_dir"] = .string("../../")
        send("server-chosen paths", object)

        let valid = Array(Self.json(.table(base)).readableBytesView)
        for cut in [1, valid.count / 3, valid.count / 2, valid.count - 1] {
            requests.append(request("truncated at \(cut)", ByteBuffer(bytes: valid.prefix(cut)), json))
        }
        let raw: [(String, String)] = [
            ("empty", ""), ("array", "[1,2]"), ("string", "\"x\""), ("number", "12"), ("null", "null"),
            (
                "nesting past the parser's limit",
                String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
            ),
            ("unclosed nesting", String(repeating: "{\"a\":", count: 10_000)),
            ("duplicate keys", "{\"model\":\"a\",\"model\":\"b\"}"), ("trailing garbage", "{}}}"),
            ("lone surrogate", "{\"model\":\"\\ud800\"}"), ("NaN", "{\"learning_rate\":NaN}"),
            ("huge number", "{\"network_dim\":1" + String(repeating: "0", count: 400) + "}"),
            ("BOM", "\u{FEFF}{}"), ("UTF-16", "\u{0}{\u{0}}"), ("control character", "{\"model\":\"\u{1}\"}"),
        ]
        for (label, text) in raw {
            requests.append(request("body: \(label)", ByteBuffer(string: text), json))
        }
        requests.append(
            request("body over the size limit", ByteBuffer(repeating: UInt8(ascii: " "), count: 3 << 20), json))
        let body = Self.json(.table(base))
        for mediaType in [
            "text/plain", "application/xml", "application/x-www-form-urlencoded", "application/jsonx",
            "application/zip",
        ] {
            requests.append(request("as \(mediaType)", body, [.contentType: mediaType]))
        }
        requests.append(request("without a media type", body, [:]))
        return requests
    }

    /// Multipart bodies that lie about their structure.
    private func multipartRequests(request: (String, ByteBuffer, HTTPFields) -> MalformedRequest) -> [MalformedRequest]
    {
        let part =
            "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"1_x/a.png\"\r\nContent-Type: image/png\r\n\r\n"
        let cases: [(String, String, String)] = [
            ("no boundary", "multipart/form-data", part + "x\r\n--b--\r\n"),
            ("wrong boundary", "multipart/form-data; boundary=zz", part + "x\r\n--b--\r\n"),
            ("unterminated", "multipart/form-data; boundary=b", part + "x"),
            ("no headers end", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\""),
            (
                "file escaping the folder", "multipart/form-data; boundary=b",
                part.replacingOccurrences(of: "1_x/a.png", with: "../../a.png") + "x\r\n--b--\r\n"
            ),
            (
                "absolute file name", "multipart/form-data; boundary=b",
                part.replacingOccurrences(of: "1_x/a.png", with: "/etc/a.png") + "x\r\n--b--\r\n"
            ),
            (
                "garbage image", "multipart/form-data; boundary=b",
                part + String(repeating: "\u{1}", count: 1000) + "\r\n--b--\r\n"
            ),
            (
                "repeats zero", "multipart/form-data; boundary=b",
                "--b\r\nContent-Disposition: form-data; name=\"repeats\"\r\n\r\n0\r\n--b--\r\n"
            ),
            (
                "repeats huge", "multipart/form-data; boundary=b",
                "--b\r\nContent-Disposition: form-data; name=\"repeats\"\r\n\r\n99999999999999999999\r\n--b--\r\n"
            ),
            ("empty", "multipart/form-data; boundary=b", ""),
            ("only the end", "multipart/form-data; boundary=b", "--b--\r\n"),
            ("zip that is not", "application/zip", "PK\u{3}\u{4}garbage"),
            ("tar that is not", "application/x-tar", String(repeating: "\u{0}", count: 700)),
            ("gzip that is not", "application/gzip", "\u{1F}\u{8B}\u{8}garbage"),
        ]
        return cases.map { label, mediaType, text in
            request("multipart: \(label)", ByteBuffer(string: text), [.contentType: mediaType])
        }
    }

    static func json(_ value: ConfigValue) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ByteBuffer(bytes: (try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}
