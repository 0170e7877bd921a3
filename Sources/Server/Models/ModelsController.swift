import Foundation
import GRDB
import Hummingbird
import Store

/// `GET /v1/models`: the base models found in the models folders (those whose files are still there).
struct ModelsController: Sendable {
    let services: ServerServices

    struct Item: Encodable {
        var id: String
        var path: String
        var architecture: String
        var format: String
        var size: Int64
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/models") { _, _ in
            let models = try await services.database.writer.read { db in
                try BaseModel.order(Column("id")).fetchAll(db)
            }
            let present = models.filter { FileManager.default.fileExists(atPath: $0.path) }
            return try JSONResponse.make([
                "models": present.map {
                    Item(id: $0.id, path: $0.path, architecture: $0.architecture, format: $0.format, size: $0.size)
                }
            ])
        }
    }
}
