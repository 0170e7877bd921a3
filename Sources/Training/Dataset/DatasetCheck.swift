import Crypto
import Foundation

/// What `lorad dataset check` reports about a dataset folder: per concept folder what was found and what is wrong,
/// then the bucket plan and the step count. Codable, so the server can return it as JSON.
public struct DatasetCheck: Codable, Equatable, Sendable {
    /// One `N_name` folder.
    public struct Concept: Codable, Equatable, Sendable {
        public var folder: String
        public var isRegularization: Bool
        public var repeats: Int
        public var classTokens: String
        /// Image files found.
        public var images: Int
        /// Images without a usable caption file (they train on the class tokens).
        public var imagesWithoutCaptions: [String]
        /// Caption files present but unusable (empty, not UTF-8), with the reason.
        public var captionProblems: [Problem]
        /// Images the reader could not read or that fit no bucket, with the reason; they are skipped.
        public var unreadableFiles: [Problem]
        /// Images with fewer pixels than the training resolution (they are enlarged).
        public var smallerThanResolution: [SmallImage]
        /// Subfolders that are not searched.
        public var ignoredSubfolders: [String]
    }

    /// A file and what is wrong with it.
    public struct Problem: Codable, Equatable, Sendable {
        public var path: String
        public var reason: String
    }

    /// An image smaller than the resolution.
    public struct SmallImage: Codable, Equatable, Sendable {
        public var path: String
        public var width: Int
        public var height: Int
    }

    /// A bucket of the plan and its images, repeats included.
    public struct BucketCount: Codable, Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var count: Int
    }

    public var trainDataDir: String
    public var regDataDir: String?
    public var resolution: DatasetSettings.Resolution
    public var enableBucket: Bool
    public var trainBatchSize: Int
    public var concepts: [Concept]
    /// Folders skipped because their names are not `N_name`.
    public var ignoredFolders: [String]
    /// Groups of files with identical bytes (SHA-256), each group two or more paths.
    public var duplicates: [[String]]
    public var buckets: [BucketCount]
    /// Training images × repeats.
    public var trainImages: Int
    /// Regularisation images × repeats before balancing, and after (matched to the training images).
    public var regularizationImages: Int
    public var regularizationImagesUsed: Int
    /// Images held out by `validation_split`.
    public var validationImages: Int
    /// nil when the dataset cannot be loaded.
    public var steps: TrainingSteps?
    /// Problems that make training impossible.
    public var errors: [String]
    /// Problems training survives but a person should see.
    public var warnings: [String]

    /// True when training can run on this dataset.
    public var isUsable: Bool { errors.isEmpty }

    /// Checks the dataset `settings` describe, reading image sizes with `reader`. Never throws: a dataset that
    /// cannot be loaded is a check with errors.
    public static func run(settings: DatasetSettings, reader: any DatasetImageReader) -> DatasetCheck {
        var check = DatasetCheck(
            trainDataDir: settings.trainDataDir, regDataDir: settings.regDataDir, resolution: settings.resolution,
            enableBucket: settings.enableBucket, trainBatchSize: settings.trainBatchSize, concepts: [],
            ignoredFolders: [], duplicates: [], buckets: [], trainImages: 0, regularizationImages: 0,
            regularizationImagesUsed: 0, validationImages: 0, steps: nil, errors: [], warnings: [])
        let dataset: TrainingDataset
        do {
            dataset = try TrainingDataset(settings: settings, reader: reader)
            if settings.validationSplit > 0 {
                check.validationImages =
                    try TrainingDataset(settings: settings, part: .validation, reader: reader).images.count
            }
        } catch {
            check.errors.append(error.description)
            return check
        }
        check.fill(from: dataset)
        return check
    }

    private mutating func fill(from dataset: TrainingDataset) {
        let resolution = dataset.settings.resolution
        ignoredFolders = dataset.layout.ignoredFolders
        for folder in ignoredFolders {
            warnings.append("\(folder): ignored, the name is not N_name with N ≥ 1 repeats (e.g. 10_mychar)")
        }
        let skipped = Dictionary(dataset.skipped.map { ($0.path, $0.reason) }, uniquingKeysWith: { a, _ in a })
        var sizes: [String: (Int, Int)] = [:]
        for image in dataset.images { sizes[image.path] = (image.width, image.height) }
        for concept in dataset.layout.concepts {
            var entry = Concept(
                folder: concept.path, isRegularization: concept.isRegularization, repeats: concept.repeats,
                classTokens: concept.classTokens, images: concept.images.count, imagesWithoutCaptions: [],
                captionProblems: [], unreadableFiles: [], smallerThanResolution: [],
                ignoredSubfolders: concept.ignoredSubfolders)
            for image in concept.images {
                if image.captionFile == nil { entry.imagesWithoutCaptions.append(image.path) }
                if let problem = image.captionProblem {
                    entry.captionProblems.append(Problem(path: image.path, reason: problem))
                }
                if let reason = skipped[image.path] {
                    entry.unreadableFiles.append(Problem(path: image.path, reason: reason))
                } else if let (width, height) = sizes[image.path], width * height < resolution.width * resolution.height {
                    entry.smallerThanResolution.append(SmallImage(path: image.path, width: width, height: height))
                }
            }
            warnings += entry.warnings(resolution: resolution)
            concepts.append(entry)
        }
        duplicates = Self.duplicateGroups(dataset.layout.concepts.flatMap { $0.images.map(\.path) })
        for group in duplicates { warnings.append("same content: \(group.joined(separator: " and "))") }
        buckets = dataset.buckets.map { BucketCount(width: $0.bucket.width, height: $0.bucket.height, count: $0.count) }
        trainImages = dataset.trainImageCount
        regularizationImages = dataset.regularizationImageCount
        regularizationImagesUsed = dataset.images.filter(\.isRegularization).reduce(0) { $0 + $1.repeats }
        if regularizationImages > trainImages {
            warnings.append(
                "\(regularizationImages - regularizationImagesUsed) of \(regularizationImages) regularisation images "
                    + "(with repeats) are not used: they are matched to the \(trainImages) training images")
        }
        if trainImages == 0 {
            errors.append("no usable training images in \(dataset.settings.trainDataDir)")
        } else {
            steps = dataset.steps
        }
    }

    /// Groups of paths whose files have the same SHA-256, in path order; unreadable files are left out.
    static func duplicateGroups(_ paths: [String]) -> [[String]] {
        var byDigest: [String: [String]] = [:]
        for path in paths.sorted() {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) else { continue }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            byDigest[digest, default: []].append(path)
        }
        return byDigest.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}

extension DatasetCheck.Concept {
    func warnings(resolution: DatasetSettings.Resolution) -> [String] {
        var warnings: [String] = []
        if images == 0 {
            warnings.append("\(folder): no images (.png .jpg .jpeg .webp .bmp)")
        } else if imagesWithoutCaptions.count == images {
            warnings.append(
                "\(folder): NO CAPTION FILES: all \(images) images train on the class tokens \"\(classTokens)\" "
                    + "(captions are <image name>.txt beside each image)")
        } else if !imagesWithoutCaptions.isEmpty {
            warnings.append(
                "\(folder): \(imagesWithoutCaptions.count) of \(images) images have no caption file and use \"\(classTokens)\"")
        }
        for problem in captionProblems { warnings.append("\(problem.path): \(problem.reason), using the class tokens") }
        for problem in unreadableFiles { warnings.append("\(problem.path): skipped, \(problem.reason)") }
        if !smallerThanResolution.isEmpty {
            warnings.append("\(folder): \(smallerThanResolution.count) images are smaller than \(resolution) and are enlarged")
        }
        for subfolder in ignoredSubfolders { warnings.append("\(subfolder): subfolder not searched") }
        return warnings
    }
}
