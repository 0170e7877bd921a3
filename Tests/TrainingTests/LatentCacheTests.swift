import Crypto
import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Training

/// `cache_latents` / `cache_latents_to_disk`: one encoding per (image content, VAE, bucket, crop, flip), reused from
/// memory and from disk, and missed when any of those change.
struct LatentCacheTests {
    static let image = Fixtures.root.appendingPathComponent("datasets/stripes/train/10_zkz stripes/stripes_00.png")

    func example(sha: String, flipped: Bool = false, bucket: Int = 64) -> TrainingExample {
        TrainingExample(
            image: Self.image, imageSHA256: sha, originalWidth: 64, originalHeight: 64, resizedWidth: bucket,
            resizedHeight: bucket, cropLeft: 0, cropTop: 0, bucketWidth: bucket, bucketHeight: bucket,
            flipped: flipped, caption: "zkz stripes", isRegularization: false)
    }

    static func sha256(_ url: URL) throws -> String {
        SHA256.hash(data: try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined()
    }

    @Test func encodesEachVariantOnceAndReusesItFromDisk() throws {
        let backend = CPUBackend()
        let model = try StableDiffusionModel.load(from: Fixtures.model("sd15-tiny"), backend: backend)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-latents-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sha = try Self.sha256(Self.image)

        let latents = try TrainingLatents(
            vae: model.vae, backend: backend, cache: try LatentCache(directory: directory))
        var reports: [(Int, Int)] = []
        let variants = [example(sha: sha), example(sha: sha), example(sha: sha, flipped: true)]
        try latents.fill(variants) { reports.append(($0, $1)) }
        #expect(reports.map(\.1).allSatisfy { $0 == 2 }, "two distinct variants")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.count == 2)

        let batch = try latents.batch([example(sha: sha), example(sha: sha, flipped: true)])
        #expect(batch.shape == [2, 8, 8, 4])
        let values = backend.download(batch)
        #expect(values[0..<256] != values[256..<512], "the flipped image has other latents")

        // A new cache over the same folder reads the files: same values, nothing encoded.
        let reloaded = try LatentCache(directory: directory)
        let key = latents.key(example(sha: sha))
        let fromDisk = try #require(reloaded.latents(for: key))
        #expect(fromDisk.values.map { $0 * model.vae.scalingFactor } == Array(values[0..<256]))
        // Changed content, another VAE or another bucket is a miss.
        var changed = key
        changed.imageSHA256 = String(repeating: "0", count: 64)
        #expect(reloaded.latents(for: changed) == nil)
        changed = key
        changed.vaeFingerprint = "another"
        #expect(reloaded.latents(for: changed) == nil)
        changed = key
        changed.width = 128
        #expect(reloaded.latents(for: changed) == nil)
    }

    @Test func encodingIsDeterministicForTheSameContent() throws {
        let backend = CPUBackend()
        let model = try StableDiffusionModel.load(from: Fixtures.model("sd15-tiny"), backend: backend)
        let sha = try Self.sha256(Self.image)
        let first = try TrainingLatents(vae: model.vae, backend: backend, cache: nil).batch([example(sha: sha)])
        let second = try TrainingLatents(vae: model.vae, backend: backend, cache: nil).batch([example(sha: sha)])
        #expect(backend.download(first) == backend.download(second))
    }
}
