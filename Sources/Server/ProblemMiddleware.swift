import Hummingbird
import Logging

/// Renders every error thrown below it as `application/problem+json`, so that clients see one error shape.
///
/// Errors that are not `ProblemError`s keep their HTTP status; errors that carry none become a 500 whose detail
/// does not leak internals (the error itself is logged).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return try Self.problem(for: error, context: context).response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, context: Context) -> ProblemError {
        switch error {
        case let problem as ProblemError:
            return problem
        case let httpError as HTTPError:
            var headers = httpError.headers
            headers[.contentType] = nil
            headers[.contentLength] = nil
            return ProblemError(httpError.status, detail: httpError.body, headers: headers)
        case let responseError as any HTTPResponseError:
            return ProblemError(responseError.status, detail: String(describing: responseError))
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return ProblemError(.internalServerError, detail: "The server failed to handle the request.")
        }
    }
}
