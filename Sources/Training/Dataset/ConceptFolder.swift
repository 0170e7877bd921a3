import Foundation

/// One `N_name` folder: its images and their captions, as kohya's DreamBoothSubset reads it.
public struct ConceptFolder: Codable, Equatable, Sendable {
    /// The folder's path.
    public var path: String
    /// N of `N_name`.
    public var repeats: Int
    /// `name` of `N_name` (everything after the first `_`): the caption of images without a caption file.
    public var classTokens: String
    public var isRegularization: Bool
    /// The images in the folder (sorted by path, as kohya's `glob_images`).
    public var images: [CaptionedImage]
    /// Subfolders, which are not searched (kohya's DreamBooth layout does not recurse).
    public var ignoredSubfolders: [String]

    /// An image file and the caption that goes with it.
    public struct CaptionedImage: Codable, Equatable, Sendable {
        public var path: String
        /// The first line of the caption file, trimmed; the class tokens when there is no caption file.
        public var caption: String
        /// The caption file read, nil when the class tokens stand in.
        public var captionFile: String?
        /// Why a caption file present could not be used (not UTF-8, empty), if so.
        public var captionProblem: String?
    }

    /// Parses `N_name` as kohya's `extract_dreambooth_params` does: N is the integer before the first `_` and
    /// the rest is the class tokens. Nil when N is not an integer or is below 1 (kohya ignores such folders).
    public static func parseName(_ name: String) -> (repeats: Int, classTokens: String)? {
        let tokens = name.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = tokens.first,
            let repeats = Int(first.trimmingCharacters(in: .whitespaces)), repeats >= 1
        else { return nil }
        return (repeats, tokens.count > 1 ? String(tokens[1]) : "")
    }

    /// The image extensions kohya reads (`IMAGE_EXTENSIONS`), matched without regard to case.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "webp", "bmp"]

    /// Reads the folder at `url`: its image files (hidden files skipped, as `glob` does) and their captions.
    static func read(
        _ url: URL, repeats: Int, classTokens: String, isRegularization: Bool, captionExtensions: [String]
    ) throws(DatasetError) -> ConceptFolder {
        let entries = try DatasetLayout.listFolder(url)
        var images: [CaptionedImage] = []
        var subfolders: [String] = []
        for entry in entries where !entry.lastPathComponent.hasPrefix(".") {
            if DatasetLayout.isFolder(entry) {
                subfolders.append(entry.path)
            } else if imageExtensions.contains(entry.pathExtension.lowercased()) {
                images.append(captioned(entry, classTokens: classTokens, captionExtensions: captionExtensions))
            }
        }
        return ConceptFolder(
            path: url.path, repeats: repeats, classTokens: classTokens, isRegularization: isRegularization,
            images: images.sorted { $0.path < $1.path }, ignoredSubfolders: subfolders.sorted())
    }

    /// kohya's `read_caption`: the first line of `<stem><extension>`, stripped of whitespace.
    static func captioned(_ image: URL, classTokens: String, captionExtensions: [String]) -> CaptionedImage {
        let stem = image.deletingPathExtension().path
        for captionExtension in captionExtensions {
            let captionPath = stem + captionExtension
            guard FileManager.default.fileExists(atPath: captionPath) else { continue }
            let problem: String
            if let data = FileManager.default.contents(atPath: captionPath) {
                if let text = String(data: data, encoding: .utf8) {
                    let firstLine = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first ?? ""
                    let caption = firstLine.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !caption.isEmpty {
                        return CaptionedImage(path: image.path, caption: caption, captionFile: captionPath)
                    }
                    problem = "\(captionPath) is empty"
                } else {
                    problem = "\(captionPath) is not UTF-8 text"
                }
            } else {
                problem = "\(captionPath) cannot be read"
            }
            return CaptionedImage(path: image.path, caption: classTokens, captionFile: nil, captionProblem: problem)
        }
        return CaptionedImage(path: image.path, caption: classTokens, captionFile: nil)
    }
}
