import Hummingbird

/// `GET /v1/system`: the server's version and its workers, each with its device and the job it runs.
struct SystemController: Sendable {
    let services: ServerServices

    static let version = "0.1.0"

    struct System: Encodable {
        struct Worker: Encodable {
            var id: String
            var device: String
            var jobID: String?

            enum CodingKeys: String, CodingKey {
                case id, device
                case jobID = "job_id"
            }
        }
        var version: String
        var workers: [Worker]
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/system") { _, _ in
            try JSONResponse.make(
                System(
                    version: Self.version,
                    workers: services.running.workers.map { Worker(id: $0.id, device: $0.device, jobID: $0.jobID) }))
        }
    }

    typealias Worker = System.Worker
}
