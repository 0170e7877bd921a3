import Foundation
import Hummingbird

/// `GET /openapi.json`: the API's OpenAPI 3.1 document, open even when a token is configured so that tools can read
/// it.
struct OpenAPIController: Sendable {
    /// The bundled document's bytes, read once; nil only when the installation lacks its resource bundle.
    static let document: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { try? Data(contentsOf: $0) }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("/openapi.json") { _, _ in
            guard let document = Self.document else {
                throw ProblemError(
                    .internalServerError, detail: "the OpenAPI document is missing from the installation")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }
    }
}
