import Hummingbird
import Logging

/// Logs one line per request once its response is known: method, path, status and duration as metadata.
///
/// It sits outside `ProblemMiddleware`, so errors are logged with the status the client receives.
struct RequestLoggingMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = ["http.method": "\(request.method)", "http.path": "\(request.uri.path)"]
        do {
            let response = try await next(request, context)
            metadata["http.status"] = "\(response.status.code)"
            metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
            context.logger.info("request", metadata: metadata)
            return response
        } catch {
            metadata["error"] = "\(error)"
            metadata["duration_ms"] = "\(Self.milliseconds(since: start))"
            context.logger.error("request failed", metadata: metadata)
            throw error
        }
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
