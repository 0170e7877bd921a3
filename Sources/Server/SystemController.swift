import CUDA
import Hummingbird

/// `GET /v1/system`: the server's version, its workers (each with its device and the job it runs) and the GPUs the
/// CUDA driver showed at start-up.
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

            /// `job_id` is null for an idle worker rather than left out.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(id, forKey: .id)
                try container.encode(device, forKey: .device)
                try container.encode(jobID, forKey: .jobID)
            }
        }
        var version: String
        var workers: [Worker]
        var gpus: [GPUDescription]
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/system") { _, _ in
            try JSONResponse.make(
                System(
                    version: Self.version,
                    workers: services.running.workers.map { Worker(id: $0.id, device: $0.device, jobID: $0.jobID) },
                    gpus: services.gpus))
        }
    }

    typealias Worker = System.Worker
}
