import Foundation
import Imaging
import Store
import Training

/// A dataset checked from end to end and ready to store: every image readable, every caption UTF-8 and matched to
/// an image, every path a safe kohya `N_name/file` path. Nothing is stored while building it.
struct DatasetPlan {
    /// One image and what goes with it.
    struct Image {
        /// `10_sks dog/a.png`.
        var path: String
        /// The staged file holding its bytes.
        var file: URL
        var caption: String?
        var width: Int
        var height: Int
        var mediaType: String
    }

    /// The images in path order, which is the dataset's position order.
    var images: [Image]

    /// The longest caption file accepted, in bytes.
    static let maxCaptionBytes = 64 * 1024

    /// Lays the staged files out as a kohya dataset and validates them.
    /// - Parameters:
    ///   - entries: The staged files with their paths inside the dataset (already checked by `DatasetPath`).
    ///   - defaultFolder: The `<repeats>_<class_tokens>` folder for images given without one.
    ///
    /// One folder around everything (as archives and folder uploads often have) is removed first.
    init(entries: [StagedEntries.Entry], defaultFolder: String) throws(DatasetImportError) {
        var images: [String: StagedEntries.Entry] = [:]
        var captions: [String: StagedEntries.Entry] = [:]
        for entry in Self.strippingTopFolder(entries) {
            let components = entry.path.split(separator: "/").map(String.init)
            let path: String
            switch components.count {
            case 1:
                path = defaultFolder + "/" + components[0]
            case 2:
                guard let (repeats, _) = ConceptFolder.parseName(components[0]) else {
                    throw .invalidEntry(
                        path: entry.path,
                        reason: "folder '\(components[0])' is not a kohya N_name folder (e.g. 10_sks dog)")
                }
                guard repeats <= DatasetImportOptions.maxRepeats else {
                    throw .invalidEntry(
                        path: entry.path, reason: "more than \(DatasetImportOptions.maxRepeats) repeats")
                }
                path = entry.path
            default:
                throw .invalidEntry(
                    path: entry.path, reason: "too deeply nested: expected N_name/file or a file alone")
            }
            let fileExtension = (path as NSString).pathExtension.lowercased()
            let key = (path as NSString).deletingPathExtension
            if ConceptFolder.imageExtensions.contains(fileExtension) {
                if let other = images[key] {
                    throw .invalidEntry(
                        path: entry.path,
                        reason: other.path == path
                            ? "appears twice as \(path)" : "shares its caption name \(key).txt with \(other.path)")
                }
                images[key] = StagedEntries.Entry(path: path, file: entry.file)
            } else if fileExtension == "txt" {
                guard captions[key] == nil else { throw .invalidEntry(path: entry.path, reason: "a second caption") }
                captions[key] = StagedEntries.Entry(path: path, file: entry.file)
            } else {
                throw .invalidEntry(
                    path: entry.path, reason: "not an image (.png .jpg .jpeg .webp .bmp) or a caption (.txt)")
            }
        }
        if let (key, orphan) = captions.first(where: { images[$0.key] == nil }) {
            throw .invalidEntry(path: orphan.path, reason: "a caption without an image named \(key).*")
        }
        guard !images.isEmpty else {
            throw .invalidField(field: "files", reason: "the upload holds no image (.png .jpg .jpeg .webp .bmp)")
        }
        var planned: [Image] = []
        for (key, image) in images.sorted(by: { $0.value.path < $1.value.path }) {
            let info: ImageInfo
            do {
                info = try ImageDecoder.probe(contentsOf: image.file)
            } catch {
                throw .invalidEntry(path: image.path, reason: "not a readable image: \(error)")
            }
            let caption = try captions[key].map { entry throws(DatasetImportError) in
                try Self.readCaption(entry)
            }
            planned.append(
                Image(
                    path: image.path, file: image.file, caption: caption, width: info.width, height: info.height,
                    mediaType: Self.mediaType(of: info.format)))
        }
        self.images = planned
    }

    /// Removes a folder that holds everything, unless it is itself a kohya `N_name` folder.
    static func strippingTopFolder(_ entries: [StagedEntries.Entry]) -> [StagedEntries.Entry] {
        let firstComponents = Set(entries.map { $0.path.split(separator: "/", maxSplits: 1).first.map(String.init) })
        guard firstComponents.count == 1, let top = firstComponents.first ?? nil,
            entries.allSatisfy({ $0.path.contains("/") }), ConceptFolder.parseName(top) == nil
        else { return entries }
        return entries.map { StagedEntries.Entry(path: String($0.path.dropFirst(top.count + 1)), file: $0.file) }
    }

    /// The caption text: UTF-8, at most `maxCaptionBytes`.
    static func readCaption(_ entry: StagedEntries.Entry) throws(DatasetImportError) -> String {
        let size = (try? FileManager.default.attributesOfItem(atPath: entry.file.path)[.size] as? NSNumber)?.intValue
        guard let size, size <= maxCaptionBytes else {
            throw .invalidEntry(path: entry.path, reason: "a caption file is limited to \(maxCaptionBytes) bytes")
        }
        guard let data = FileManager.default.contents(atPath: entry.file.path),
            let text = String(validating: [UInt8](data), as: UTF8.self)
        else { throw .invalidEntry(path: entry.path, reason: "the caption is not UTF-8 text") }
        return text
    }

    static func mediaType(of format: ImageFormat) -> String {
        switch format {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .bmp: "image/bmp"
        }
    }
}
