import Diffusion
import Foundation
import GRDB
import HummingbirdTesting
import Imaging
import LoRA
import Store
import Tensors
import TestSupport
import Testing

@testable import Server

/// What the grid tests share: a finished job made without training, direct renders through the Diffusion pipeline
/// (the `lorad sample` path) to compare grid cells with, and waits on grids.
extension TestServer {
    /// The fixture LoRA trained on sd15-tiny (Tests/Fixtures/lora).
    static let fixtureLoRA = Fixtures.root.appendingPathComponent("lora/sd15-tiny-kohya.safetensors")

    /// A job submitted with `jobBody()` and then marked `state`, with the fixture LoRA stored as each of
    /// `checkpoints` (names); returns its id.
    func finishedJob(
        _ client: some TestClientProtocol, state: JobState = .succeeded, checkpoints: [String] = ["fixture.safetensors"]
    ) async throws -> String {
        let response = try await client.post("/v1/jobs", json: jobBody())
        let id = try #require(try jsonObject(response)["id"] as? String)
        let blob = try services.blobs.put(contentsOf: Self.fixtureLoRA, mediaType: "application/octet-stream")
        try await services.database.writer.write { db in
            try blob.register(db)
            try db.execute(
                sql: "UPDATE jobs SET state = ?, finished_at = ? WHERE id = ?",
                arguments: [state.rawValue, state.isFinal ? UnixMilliseconds.now() : nil, id])
            for (step, name) in checkpoints.enumerated() {
                try Checkpoint(
                    jobID: id, name: name, step: step + 1, epoch: 1, blobSHA256: blob.sha256, isFinal: false,
                    createdAt: 0
                ).insert(db)
            }
        }
        return id
    }

    /// Waits until grid `id` has ended, failing after `timeout`.
    @discardableResult
    func waitForGrid(_ id: String, timeout: Duration = .seconds(600)) async throws -> Grid {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let grid = try await services.database.writer.read({ db in try Grid.fetchOne(db, key: id) }),
                grid.state.isFinal
            {
                return grid
            }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WorkerTests.TimeoutError(description: "grid \(id) did not end in \(timeout)")
    }

    /// The PNG a grid URL (or any image URL) serves, decoded.
    func image(_ client: some TestClientProtocol, _ url: String) async throws -> Imaging.Image {
        let response = try await client.execute(uri: url, method: .get)
        #expect(response.status == .ok, "\(url): \(bodyString(response))")
        #expect(response.headers[.contentType] == "image/png")
        return try ImageDecoder.decode(Data(response.body.readableBytesView))
    }
}

/// Renders `request` with the tiny SD1.5 fixture on the CPU as `lorad sample` does: the pipeline called directly,
/// with `lora` attached at its weight when given. Returns the RGB bytes.
func directRender(_ request: TextToImageRequest, lora: (file: URL, weight: Float)? = nil) throws -> [UInt8] {
    let backend = CPUBackend()
    let model = try StableDiffusionModel.load(from: Fixtures.model("sd15-tiny"), backend: backend)
    if let lora { try LoRANetwork.attach(contentsOf: lora.file, to: model, multiplier: lora.weight, on: backend) }
    let result = try TextToImagePipeline(model: model)(request)
    return Imaging.Image(
        width: request.width, height: request.height, channels: 3, unitValues: backend.download(result.image)
    ).pixels
}

/// The request the job body's sample prompt `zkz stripes --w 64 --h 64 --s 2 --d 3` stands for, written out:
/// kohya's defaults (CFG 7.5, no negative prompt, the `ddim` sampler) and the prompt's own seed.
func stripesPromptRequest(seed: UInt64 = 3) -> TextToImageRequest {
    TextToImageRequest(
        prompt: "zkz stripes", negativePrompt: "", width: 64, height: 64, steps: 2, guidanceScale: 7.5,
        sampler: .ddim, seed: seed, clipSkip: 1)
}
