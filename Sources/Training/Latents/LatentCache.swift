import Crypto
import Foundation
import SafeTensors

/// What identifies one image's latents: its content, the VAE that encoded it, and the pixels it was encoded from
/// (the bucket size, the crop and whether it was flipped). A changed image, VAE or bucket plan misses the cache.
public struct LatentCacheKey: Hashable, Sendable {
    public var imageSHA256: String
    public var vaeFingerprint: String
    public var width: Int
    public var height: Int
    public var cropLeft: Int
    public var cropTop: Int
    public var flipped: Bool

    public init(
        imageSHA256: String, vaeFingerprint: String, width: Int, height: Int, cropLeft: Int, cropTop: Int,
        flipped: Bool
    ) {
        (self.imageSHA256, self.vaeFingerprint) = (imageSHA256, vaeFingerprint)
        (self.width, self.height, self.cropLeft, self.cropTop, self.flipped) = (
            width, height, cropLeft, cropTop, flipped
        )
    }

    /// The on-disk name: a hash of every field, so no two keys share a file.
    var fileName: String {
        let text = [
            imageSHA256, vaeFingerprint, "\(width)x\(height)", "\(cropLeft),\(cropTop)", flipped ? "flip" : "noflip",
        ].joined(separator: "|")
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined() + ".safetensors"
    }
}

/// Latents sampled from the VAE posterior, `[h, w, C]` channels-last, unscaled.
public struct CachedLatents: Sendable, Equatable {
    public var values: [Float]
    public var shape: [Int]

    public init(values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) latent values for \(shape)")
        (self.values, self.shape) = (values, shape)
    }
}

/// `cache_latents` (in memory) and `cache_latents_to_disk` (one safetensors file per key under `directory`, written
/// atomically, so a killed run leaves whole files or none). An unreadable or mismatched file is re-encoded.
public final class LatentCache: @unchecked Sendable {
    public let directory: URL?
    private let lock = NSLock()
    private var memory: [LatentCacheKey: CachedLatents] = [:]

    public init(directory: URL?) throws {
        self.directory = directory
        if let directory { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    }

    public func latents(for key: LatentCacheKey) -> CachedLatents? {
        if let hit = lock.withLock({ memory[key] }) { return hit }
        guard let directory,
            let file = try? SafeTensorsFile(contentsOf: directory.appendingPathComponent(key.fileName)),
            let entry = file["latents"], let values = try? file.floats("latents"),
            file.metadata["image_sha256"] == key.imageSHA256, file.metadata["vae"] == key.vaeFingerprint
        else { return nil }
        let latents = CachedLatents(values: values, shape: entry.shape)
        lock.withLock { memory[key] = latents }
        return latents
    }

    public func store(_ latents: CachedLatents, for key: LatentCacheKey) throws {
        lock.withLock { memory[key] = latents }
        guard let directory else { return }
        var writer = SafeTensorsWriter(metadata: ["image_sha256": key.imageSHA256, "vae": key.vaeFingerprint])
        try writer.add("latents", shape: latents.shape, floats: latents.values)
        try writer.write(to: directory.appendingPathComponent(key.fileName))
    }
}
