import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <token>` on every path under `/v1`, known or not, so that an unauthenticated
/// client cannot probe which routes exist.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        guard path == "/v1" || path.hasPrefix("/v1/") else {
            return try await next(request, context)
        }
        guard let presented = Self.bearerToken(in: request.headers[.authorization]) else {
            throw unauthorized("This endpoint needs an `Authorization: Bearer <token>` header.")
        }
        guard Self.constantTimeEquals(presented, token) else {
            throw unauthorized("The bearer token is not valid.")
        }
        return try await next(request, context)
    }

    private func unauthorized(_ detail: String) -> ProblemError {
        ProblemError(.unauthorized, detail: detail, headers: [.wwwAuthenticate: "Bearer"])
    }

    /// The credentials of a `Bearer` authorization (the scheme is case-insensitive, RFC 9110 §11.1).
    static func bearerToken(in authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Compares without stopping at the first difference, so the response time does not reveal a prefix.
    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let (a, b) = (Array(lhs.utf8), Array(rhs.utf8))
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }
}
