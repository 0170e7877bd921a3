import Foundation
import Hummingbird
import Training

/// `GET /v1/demo`: the demo job the server offers (or why it offers none); `POST /v1/demo/job`: queues it, exactly
/// as `POST /v1/jobs` with the offer's `job` as the body would.
struct DemoController: Sendable {
    let services: ServerServices

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/demo") { _, _ in try JSONResponse.make(try await DemoOffer.current(services)) }
        router.post("v1/demo/job") { request, _ in try await startJob(request) }
    }

    private func startJob(_ request: Request) async throws -> Response {
        let key = try JobsController.idempotencyKey(of: request)
        // The job is the demo's: a body could only be a mistaken attempt at changing it.
        guard (try? await request.body.collect(upTo: 0)) != nil else {
            throw ProblemError.validation([
                .init(
                    field: "body",
                    message:
                        "the demo job takes no body: to change its options, POST /v1/jobs with the job of GET /v1/demo"
                )
            ])
        }
        let offer = try await DemoOffer.current(services)
        guard offer.available, let job = offer.job else {
            throw ProblemError(.conflict, title: "The demo is not available", detail: offer.reason)
        }
        return try await JobsController(services: services).submit(job, idempotencyKey: key)
    }
}
