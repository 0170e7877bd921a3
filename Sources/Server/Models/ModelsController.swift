import Foundation
import GRDB
import Hummingbird
import Store

/// `GET /v1/models`: the base models found in the models folders (those whose files are still there) and those the
/// server registered (the demo); `DELETE /v1/models/{id}`: removes a registered one from the list.
struct ModelsController: Sendable {
    let services: ServerServices

    struct Item: Encodable {
        var id: String
        var path: String
        var architecture: String
        var format: String
        var size: Int64
        var origin: ModelOrigin
    }

    func addRoutes(to router: Router<some RequestContext>) {
        router.get("v1/models") { _, _ in
            let models = try await services.database.writer.read { db in
                try BaseModel.order(Column("id")).fetchAll(db)
            }
            let present = models.filter { FileManager.default.fileExists(atPath: $0.path) }
            return try JSONResponse.make([
                "models": present.map {
                    Item(
                        id: $0.id, path: $0.path, architecture: $0.architecture, format: $0.format, size: $0.size,
                        origin: $0.origin)
                }
            ])
        }
        router.delete("v1/models/:id") { _, context in
            try await delete(id: try context.parameters.require("id"))
        }
    }

    /// Deletes the row of a registered model (its files stay where they are); a folder model leaves the list when it
    /// leaves its folder.
    private func delete(id: String) async throws -> Response {
        try await services.database.writer.write { db in
            guard let model = try BaseModel.fetchOne(db, key: id) else {
                throw ProblemError(.notFound, detail: "no model has the id \"\(id)\"")
            }
            guard model.origin == .registered else {
                throw ProblemError(
                    .conflict,
                    detail: "model \(id) was found in a --models-dir folder: remove it from the folder (\(model.path))")
            }
            let jobs = try Row.fetchAll(
                db, sql: "SELECT id, state FROM jobs WHERE model_id = ? ORDER BY created_at", arguments: [id])
            let active = jobs.filter { ["queued", "preparing", "training"].contains($0["state"] as String) }
            guard active.isEmpty else {
                let ids = active.map { $0["id"] as String }.joined(separator: ", ")
                throw ProblemError(.conflict, detail: "model \(id) is used by queued or running jobs: \(ids)")
            }
            guard jobs.isEmpty else {
                let ids = jobs.map { $0["id"] as String }.joined(separator: ", ")
                throw ProblemError(.conflict, detail: "model \(id) is referenced by jobs \(ids): delete them first")
            }
            _ = try BaseModel.deleteOne(db, key: id)
        }
        return Response(status: .noContent)
    }
}
