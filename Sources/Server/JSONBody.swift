import Foundation
import Hummingbird
import Training

/// Reads a request's JSON object body, answering bad ones with the 4xx that says what is wrong.
enum JSONBody {
    /// The body as a JSON object of config values: 415 unless the media type is JSON, 413 past `maxBytes`, 400 when
    /// it is not JSON, 422 when it is JSON but not an object.
    static func object(_ request: Request, context: some RequestContext, maxBytes: Int) async throws
        -> [String: ConfigValue]
    {
        let mediaType = HeaderParameters(request.headers[.contentType] ?? "").value
        guard mediaType == "application/json" else {
            throw ProblemError(
                .unsupportedMediaType,
                detail: "send the body as application/json (got \(mediaType.isEmpty ? "no Content-Type" : mediaType))")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch {
            throw ProblemError(.contentTooLarge, detail: "the body is larger than \(maxBytes) bytes")
        }
        let value: ConfigValue
        do {
            value = try JSONDecoder().decode(ConfigValue.self, from: Data(buffer.readableBytesView))
        } catch {
            throw ProblemError(.badRequest, title: "Malformed JSON", detail: "the body is not valid JSON")
        }
        guard case .table(let object) = value else {
            throw ProblemError.validation([.init(field: "body", message: "must be a JSON object")])
        }
        return object
    }
}

/// JSON responses with the API's encoding (keys as the types name them, sorted for stable output).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encode(value))))
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}
