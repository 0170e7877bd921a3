import Foundation
import Hummingbird

/// An HTTP error rendered as an RFC 9457 problem document (`application/problem+json`).
///
/// Handlers throw it for every failure a client should see; `ProblemMiddleware` turns any other error into one.
public struct ProblemError: Error, CustomStringConvertible, Sendable {
    /// One invalid field of a request, for validation problems.
    public struct FieldError: Codable, Sendable, Equatable {
        /// The field's name as the client sent it (a JSON key path such as `network.rank`).
        public var field: String
        /// Why the value was rejected.
        public var message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    public var type: String
    /// A short summary of the kind of problem.
    public var title: String
    /// What went wrong in this occurrence.
    public var detail: String?
    /// The invalid fields, for validation problems (empty otherwise).
    public var errors: [FieldError]
    /// Extra response headers (for example `WWW-Authenticate` on a 401).
    public var headers: HTTPFields

    /// A problem whose title is the status's reason phrase, unless one is given.
    public init(
        _ status: HTTPResponse.Status,
        type: String = "about:blank",
        title: String? = nil,
        detail: String? = nil,
        errors: [FieldError] = [],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    /// The problem type for a request whose fields failed validation.
    public static let validationType = "urn:lorad:problem:validation"

    /// A 422 listing each invalid field.
    public static func validation(_ errors: [FieldError], detail: String? = nil) -> ProblemError {
        ProblemError(
            .unprocessableContent, type: validationType, title: "The request has invalid fields",
            detail: detail ?? errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "), errors: errors)
    }

    public var description: String {
        "\(status.code) \(title)" + (detail.map { ": \($0)" } ?? "")
    }

    /// The document as sent: RFC 9457 members, with `errors` only when there are some.
    struct Document: Codable, Equatable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var errors: [FieldError]?
    }

    var document: Document {
        Document(type: type, title: title, status: status.code, detail: detail, errors: errors.isEmpty ? nil : errors)
    }
}

extension ProblemError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(
            status: status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(document))))
    }
}
