extension DatasetCheck {
    /// The check as a person reads it in a terminal.
    public var report: String {
        var lines: [String] = ["dataset: \(trainDataDir)"]
        if let regDataDir { lines.append("regularisation: \(regDataDir)") }
        lines.append(
            "resolution \(resolution), buckets \(enableBucket ? "on" : "off"), batch size \(trainBatchSize)")
        for concept in concepts {
            let kind = concept.isRegularization ? "regularisation" : "concept"
            lines.append("")
            lines.append("\(kind) \(concept.folder)")
            lines.append("  class tokens: \"\(concept.classTokens)\", repeats: \(concept.repeats)")
            lines.append(
                "  images: \(concept.images), without captions: \(concept.imagesWithoutCaptions.count), "
                    + "unreadable: \(concept.unreadableFiles.count), "
                    + "smaller than \(resolution): \(concept.smallerThanResolution.count)")
            for problem in concept.unreadableFiles { lines.append("    unreadable \(problem.path): \(problem.reason)") }
            for image in concept.smallerThanResolution {
                lines.append("    small \(image.path): \(image.width)x\(image.height)")
            }
        }
        if !duplicates.isEmpty {
            lines.append("")
            lines.append("duplicates (same content):")
            for group in duplicates { lines.append("  " + group.joined(separator: " = ")) }
        }
        if !buckets.isEmpty {
            lines.append("")
            lines.append("buckets (images with repeats):")
            for bucket in buckets { lines.append("  \(bucket.width)x\(bucket.height): \(bucket.count)") }
        }
        lines.append("")
        var images = "images with repeats: \(trainImages) training"
        if regularizationImages > 0 { images += ", \(regularizationImagesUsed) regularisation" }
        if validationImages > 0 { images += ", \(validationImages) held out for validation" }
        lines.append(images)
        if let steps {
            lines.append(
                "steps: \(steps.batchesPerEpoch) batches per epoch, \(steps.stepsPerEpoch) steps per epoch, "
                    + "\(steps.maxTrainSteps) steps in \(steps.epochs) epochs")
        }
        if !warnings.isEmpty {
            lines.append("")
            lines += warnings.map { "warning: \($0)" }
        }
        if !errors.isEmpty {
            lines.append("")
            lines += errors.map { "error: \($0)" }
        }
        lines.append("")
        lines.append(isUsable ? "usable" : "NOT usable")
        return lines.joined(separator: "\n")
    }
}
