import Diffusion
import Foundation
import GRDB
import Logging
import Store

/// The base models of the `--models-dir` folders: each diffusers folder (with `model_index.json`) and `.safetensors`
/// checkpoint directly inside one, identified by its name there. Found at start-up and recorded in `models`, which
/// jobs reference; a model no longer on disk keeps its row (old jobs name it) but is not listed. The models the
/// server registered itself (the demo) keep their ids and paths: a folder model that would take one is skipped.
public enum ModelCatalog {
    /// Scans `folders` and records what it finds; returns the models found, by id. A name found in two folders is
    /// taken from the first and logged, and so is one that a registered model holds.
    @discardableResult
    public static func refresh(folders: [URL], database: StoreDatabase, logger: Logger) throws -> [BaseModel] {
        var found: [String: BaseModel] = [:]
        let now = UnixMilliseconds.now()
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name).standardizedFileURL
                let isCheckpoint = name.lowercased().hasSuffix(".safetensors")
                let isPipeline = FileManager.default.fileExists(
                    atPath: url.appendingPathComponent("model_index.json").path)
                guard isCheckpoint || isPipeline else { continue }
                guard found[name] == nil else {
                    logger.warning("two models are named \(name); using \(found[name]!.path)")
                    continue
                }
                do {
                    let probe = try ModelProbe(url: url)
                    found[name] = BaseModel(
                        id: name, path: url.path, architecture: probe.architecture.rawValue,
                        format: probe.format.rawValue, size: diskSize(of: url), foundAt: now)
                } catch {
                    logger.warning("\(url.path) is not a model lorad can load: \(error)")
                }
            }
        }
        return try database.writer.write { db in
            let registered = try BaseModel.filter(Column("origin") == ModelOrigin.registered).fetchAll(db)
            var recorded: [BaseModel] = []
            for model in found.values.sorted(by: { $0.id < $1.id }) {
                if let holder = registered.first(where: { $0.id == model.id || $0.path == model.path }) {
                    logger.warning(
                        "skipping \(model.path): the server's registered model \(holder.id) has its id or path")
                    continue
                }
                // A path recorded under another id (its folder was given differently before) takes the new id's row.
                try db.execute(
                    sql: """
                        DELETE FROM models WHERE path = ? AND id <> ? AND origin = 'folder'
                          AND id NOT IN (SELECT model_id FROM jobs)
                        """,
                    arguments: [model.path, model.id])
                try model.upsert(db)
                recorded.append(model)
            }
            return recorded
        }
    }

    /// Bytes of a file, or of every file under a folder.
    static func diskSize(of url: URL) -> Int64 {
        guard
            let enumerator = FileManager.default.enumerator(
                at: url, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else {
            return Int64((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        }
        var total: Int64 = 0
        for case let file as URL in enumerator {
            let values = try? file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            if values?.isRegularFile == true { total += Int64(values?.fileSize ?? 0) }
        }
        return total == 0 ? Int64((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) : total
    }
}
