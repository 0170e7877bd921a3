import Foundation
import Training

/// The `DatasetCheck` of a stored dataset with the default settings (resolution 512, buckets on, batch size 1),
/// computed on the dataset written out to a scratch folder with `DatasetMaterializer`, so that it sees exactly what
/// training will see. The scratch folder's location is removed from every path in the result: paths are relative
/// to the dataset (`10_sks dog/a.png`), the dataset itself is `.`.
enum DatasetCheckComputation {
    static func check(datasetID: String, services: ServerServices) throws -> DatasetCheck {
        let staging = try StagingFolder(dataDirectory: services.configuration.dataDirectory, purpose: "check")
        defer { staging.remove() }
        let folder = staging.url.appendingPathComponent("dataset", isDirectory: true)
        try DatasetMaterializer(database: services.database, blobs: services.blobs)
            .materialize(datasetID: datasetID, into: folder)
        let settings = DatasetSettings(trainDataDir: folder.path, enableBucket: true)
        return try relativized(DatasetCheck.run(settings: settings, reader: ImageProbeReader()), folder: folder.path)
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
