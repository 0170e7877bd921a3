import Foundation

/// kohya's `BaseDataset.process_caption` (without wildcards, token warm-up and textual-inversion replacements),
/// with every random choice drawn from `DatasetRandom` keyed by (seed, epoch, image, occurrence).
public struct CaptionProcessor: Sendable {
    public let settings: DatasetSettings

    public init(settings: DatasetSettings) { self.settings = settings }

    /// The caption the text encoder sees for `sample` in `epoch` (1-based, as kohya's `current_epoch`).
    public func caption(_ caption: String, epoch: Int, sample: DatasetSample) -> String {
        var caption = caption
        if let prefix = settings.captionPrefix, !prefix.isEmpty { caption = prefix + " " + caption }
        if let suffix = settings.captionSuffix, !suffix.isEmpty { caption = caption + " " + suffix }

        var dropout = random(.captionDropout, epoch, sample)
        let dropped =
            (settings.captionDropoutRate > 0 && dropout.uniform() < settings.captionDropoutRate)
            || (settings.captionDropoutEveryNEpochs > 0 && epoch % settings.captionDropoutEveryNEpochs == 0)
        if dropped { return "" }

        caption = String(caption.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        let separator = settings.keepTokensSeparator
        let hasKeepSeparator = !separator.isEmpty && caption.contains(separator)
        // kohya rebuilds the caption only when shuffling or dropping tags, so without them a keep_tokens_separator
        // stayed in the prompt verbatim; here it is always taken out.
        if settings.shuffleCaption || settings.captionTagDropoutRate > 0 || hasKeepSeparator {
            caption = rebuilt(caption, epoch: epoch, sample: sample, hasKeepSeparator: hasKeepSeparator)
        }
        if let secondary = settings.secondarySeparator, !secondary.isEmpty {
            caption = caption.replacingOccurrences(of: secondary, with: settings.captionSeparator)
        }
        return caption
    }

    private func rebuilt(_ caption: String, epoch: Int, sample: DatasetSample, hasKeepSeparator: Bool) -> String {
        func tokens(_ text: Substring) -> [String] {
            text.components(separatedBy: settings.captionSeparator).map(Self.strip).filter { !$0.isEmpty }
        }
        var fixed: [String] = []
        var flexible: [String] = []
        var fixedSuffix: [String] = []
        if hasKeepSeparator {
            let parts = caption.components(separatedBy: settings.keepTokensSeparator)
            fixed = tokens(Substring(parts[0]))
            var flexiblePart = parts[1...].joined(separator: settings.keepTokensSeparator)
            if parts.count > 2 {
                flexiblePart = parts[1]
                fixedSuffix = tokens(Substring(parts[2...].joined(separator: settings.keepTokensSeparator)))
            }
            flexible = tokens(Substring(flexiblePart))
        } else {
            // Not filtered for empty tokens, as kohya.
            let all = Self.strip(caption).components(separatedBy: settings.captionSeparator).map(Self.strip)
            let kept = min(settings.keepTokens, all.count)
            fixed = Array(all[..<kept])
            flexible = Array(all[kept...])
        }
        if settings.shuffleCaption {
            var shuffle = random(.captionShuffle, epoch, sample)
            shuffle.shuffle(&flexible)
        }
        if settings.captionTagDropoutRate > 0 {
            var tagDropout = random(.tagDropout, epoch, sample)
            flexible = flexible.filter { _ in tagDropout.uniform() >= settings.captionTagDropoutRate }
        }
        return (fixed + flexible + fixedSuffix).joined(separator: ", ")
    }

    private func random(_ purpose: DatasetRandom.Purpose, _ epoch: Int, _ sample: DatasetSample) -> DatasetRandom {
        DatasetRandom(
            seed: settings.seed, purpose: purpose, epoch: epoch, item: sample.image, occurrence: sample.occurrence)
    }

    /// Python's `str.strip()`: whitespace off both ends.
    static func strip(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}
