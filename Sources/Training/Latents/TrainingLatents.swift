import Diffusion
import Foundation
import Imaging
import Tensors

/// The latents of training examples: from the cache when `cache_latents` is on (filled before training), else
/// encoded when a batch needs them (so `random_crop` and flips see fresh pixels).
final class TrainingLatents {
    let encoder: LatentEncoder
    let cache: LatentCache?
    let vaeFingerprint: String
    let scalingFactor: Float

    init(vae: AutoencoderKL, backend: any Backend, cache: LatentCache?) throws {
        encoder = LatentEncoder(vae: vae, backend: backend)
        self.cache = cache
        vaeFingerprint = vae.fingerprint(on: backend)
        scalingFactor = vae.scalingFactor
    }

    func key(_ example: TrainingExample) -> LatentCacheKey {
        LatentCacheKey(
            imageSHA256: example.imageSHA256, vaeFingerprint: vaeFingerprint, width: example.bucketWidth,
            height: example.bucketHeight, cropLeft: example.cropLeft, cropTop: example.cropTop,
            flipped: example.flipped)
    }

    /// Encodes every variant the run will use that the cache lacks; `progress(done, total)` after each.
    func fill(_ examples: [TrainingExample], progress: (Int, Int) -> Void) throws {
        guard let cache else { return }
        var seen = Set<LatentCacheKey>()
        let unique = examples.filter { seen.insert(key($0)).inserted }
        progress(0, unique.count)
        for (index, example) in unique.enumerated() {
            let key = key(example)
            if cache.latents(for: key) == nil { try cache.store(try encode(example, key: key), for: key) }
            progress(index + 1, unique.count)
        }
    }

    /// `[B, h, w, C]` scaled latents of a micro-batch (all of one bucket).
    func batch(_ examples: [TrainingExample]) throws -> Tensor {
        let items = try examples.map { example -> CachedLatents in
            let key = key(example)
            if let cached = cache?.latents(for: key) { return cached }
            let latents = try encode(example, key: key)
            try cache?.store(latents, for: key)
            return latents
        }
        guard let shape = items.first?.shape, items.allSatisfy({ $0.shape == shape }) else {
            preconditionFailure("a micro-batch mixes buckets")
        }
        let values = items.flatMap { $0.values }.map { $0 * scalingFactor }
        return encoder.backend.upload(values, shape: [items.count] + shape)
    }

    private func encode(_ example: TrainingExample, key: LatentCacheKey) throws -> CachedLatents {
        var image: Image
        do {
            image = try ImageDecoder.decode(contentsOf: example.image)
        } catch {
            // The dataset reads only headers; a file whose pixels are damaged fails here, by name.
            throw TrainerError.unreadableImage(path: example.image.path, reason: "\(error)")
        }
        image = image.resized(width: example.resizedWidth, height: example.resizedHeight)
        image = image.cropped(
            x: example.cropLeft, y: example.cropTop, width: example.bucketWidth, height: example.bucketHeight)
        if example.flipped { image = image.flippedHorizontally() }
        return encoder.encode(image, noiseSeed: key.noiseSeed)
    }
}
