extension TextToImageRequest {
    /// The generation parameters as AUTOMATIC1111 writes them into a PNG's "parameters" text chunk (and reads them
    /// back with "PNG Info"): the prompt, an optional "Negative prompt:" line, then `key: value` pairs.
    public var infotext: String {
        var lines = [prompt]
        if let negativePrompt, !negativePrompt.isEmpty { lines.append("Negative prompt: \(negativePrompt)") }
        let scale = guidanceScale == guidanceScale.rounded() && abs(guidanceScale) < 1e7
            ? String(Int(guidanceScale)) : String(guidanceScale)
        lines.append(
            "Steps: \(steps), Sampler: \(sampler.displayName), CFG scale: \(scale), Seed: \(seed), "
                + "Size: \(width)x\(height), Clip skip: \(clipSkip)")
        return lines.joined(separator: "\n")
    }
}
