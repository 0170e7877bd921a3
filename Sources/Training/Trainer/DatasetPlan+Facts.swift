import Foundation
import LoRA

extension DatasetPlan {
    /// What sd-scripts records about its dataset in a LoRA file's `ss_*` metadata: the folders, the tag frequency
    /// of the training captions (as `set_tag_frequency`: comma-separated, trimmed, lower-cased), buckets and counts.
    var kohyaFacts: KohyaDatasetFacts {
        var facts = KohyaDatasetFacts()
        let settings = training.settings
        for (index, concept) in training.layout.concepts.enumerated() {
            let name = URL(fileURLWithPath: concept.path).lastPathComponent
            let images = training.images.filter { $0.concept == index }
            facts.directories.append(
                KohyaDatasetFacts.Directory(
                    name: name, repeats: concept.repeats, imageCount: images.count,
                    isRegularization: concept.isRegularization))
            guard !concept.isRegularization else { continue }
            var counts: [String: Int] = [:]
            var order: [String] = []
            for image in images {
                for tag in image.caption.split(separator: ",") {
                    let tag = tag.trimmingCharacters(in: .whitespaces).lowercased()
                    guard !tag.isEmpty else { continue }
                    if counts[tag] == nil { order.append(tag) }
                    counts[tag, default: 0] += 1
                }
            }
            facts.tagFrequency.append((name, order.map { ($0, counts[$0]!) }))
        }
        facts.enableBucket = settings.enableBucket
        facts.bucketNoUpscale = settings.bucketNoUpscale
        facts.minBucketResolution = settings.minBucketReso
        facts.maxBucketResolution = settings.maxBucketReso
        if settings.enableBucket {
            facts.buckets = training.buckets.enumerated().map { index, entry in
                KohyaDatasetFacts.Bucket(
                    index: index, width: entry.bucket.width, height: entry.bucket.height, count: entry.count)
            }
            let errors = training.images.map { abs($0.assignment.aspectRatioError) }
            facts.meanAspectRatioError = errors.isEmpty ? 0 : errors.reduce(0, +) / Double(errors.count)
        }
        facts.numTrainImages = training.trainImageCount
        facts.numRegularizationImages = training.regularizationImageCount
        return facts
    }
}
