import Foundation
import GRDB
import Store
import Training

/// The `DatasetCheck` of a stored dataset with the default settings (resolution 512, buckets on, batch size 1),
/// computed on the dataset written out to a scratch folder with `DatasetMaterializer`, so that it sees exactly what
/// training will see. Paths in it are relative to the dataset (`10_sks dog/a.png`); the dataset itself is `.`.
///
/// The check reads every image, so it is kept in `datasets.check_json` once computed; a caption edit clears it.
enum DatasetCheckComputation {
    /// The kept check, or a fresh one (then kept, unless the captions changed while it was computed).
    static func cachedCheck(datasetID: String, services: ServerServices) throws -> DatasetCheck {
        let kept = try services.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT check_json FROM datasets WHERE id = ?", arguments: [datasetID])
        }
        if let kept { return try JSONDecoder().decode(DatasetCheck.self, from: Data(kept.utf8)) }

        let staging = try StagingFolder(dataDirectory: services.configuration.dataDirectory, purpose: "check")
        defer { staging.remove() }
        let folder = staging.url.appendingPathComponent("dataset", isDirectory: true)
        let images = try DatasetMaterializer(database: services.database, blobs: services.blobs)
            .materialize(datasetID: datasetID, into: folder)
        let settings = DatasetSettings(trainDataDir: folder.path, enableBucket: true)
        let check = try relativized(
            DatasetCheck.run(settings: settings, reader: ImageProbeReader()), folder: folder.path)
        let json = String(decoding: try JSONEncoder().encode(check), as: UTF8.self)
        try services.database.writer.write { db in
            guard try DatasetImage.all(datasetID: datasetID, db) == images else { return }
            try db.execute(sql: "UPDATE datasets SET check_json = ? WHERE id = ?", arguments: [json, datasetID])
        }
        return check
    }

    /// Forgets the kept check; call it in the transaction that changes what the check reports.
    static func invalidate(datasetID: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE datasets SET check_json = NULL WHERE id = ?", arguments: [datasetID])
    }

    /// `check` with `folder/` removed from every string in it and `folder` itself written `.`. Done on the JSON
    /// text, so that no path-holding field of the check can be missed.
    static func relativized(_ check: DatasetCheck, folder: String) throws -> DatasetCheck {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        func escaped(_ text: String) throws -> String {
            String(decoding: try encoder.encode(text), as: UTF8.self).dropFirst().dropLast().description
        }
        let json = String(decoding: try encoder.encode(check), as: UTF8.self)
            .replacingOccurrences(of: "\"\(try escaped(folder))\"", with: "\".\"")
            .replacingOccurrences(of: try escaped(folder + "/"), with: "")
        return try JSONDecoder().decode(DatasetCheck.self, from: Data(json.utf8))
    }
}
