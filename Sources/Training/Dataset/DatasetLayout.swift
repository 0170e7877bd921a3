import Foundation

/// The concept folders under `train_data_dir` and `reg_data_dir`, found as kohya's
/// `generate_dreambooth_subsets_config_by_subdirs` finds them.
public struct DatasetLayout: Codable, Equatable, Sendable {
    /// Training concepts first, then regularisation concepts, each group sorted by folder name.
    public var concepts: [ConceptFolder]
    /// Folders skipped because their name is not `N_name` with N ≥ 1.
    public var ignoredFolders: [String]

    /// Scans the folders named in `settings`.
    public static func scan(_ settings: DatasetSettings) throws(DatasetError) -> DatasetLayout {
        var layout = DatasetLayout(concepts: [], ignoredFolders: [])
        try layout.add(settings.trainDataDir, field: "train_data_dir", isRegularization: false, settings: settings)
        if let reg = settings.regDataDir {
            try layout.add(reg, field: "reg_data_dir", isRegularization: true, settings: settings)
        }
        return layout
    }

    private mutating func add(
        _ path: String, field: String, isRegularization: Bool, settings: DatasetSettings
    ) throws(DatasetError) {
        let root = URL(fileURLWithPath: path)
        guard Self.isFolder(root) else { throw .notAFolder(field: field, path: path) }
        var found = 0
        for entry in try Self.listFolder(root).sorted(by: { $0.lastPathComponent < $1.lastPathComponent })
        where Self.isFolder(entry) && !entry.lastPathComponent.hasPrefix(".") {
            guard let (repeats, classTokens) = ConceptFolder.parseName(entry.lastPathComponent) else {
                ignoredFolders.append(entry.path)
                continue
            }
            concepts.append(
                try ConceptFolder.read(
                    entry, repeats: repeats, classTokens: classTokens, isRegularization: isRegularization,
                    captionExtensions: settings.captionExtensions))
            found += 1
        }
        if found == 0 {
            throw .noConceptFolders(
                field: field, path: path, isConceptFolder: ConceptFolder.parseName(root.lastPathComponent) != nil)
        }
    }

    static func listFolder(_ url: URL) throws(DatasetError) -> [URL] {
        do {
            return try FileManager.default.contentsOfDirectory(
                at: url, includingPropertiesForKeys: [.isDirectoryKey], options: [])
        } catch {
            throw .unreadableFolder(path: url.path, reason: error.localizedDescription)
        }
    }

    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
