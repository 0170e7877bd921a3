import Foundation
import Testing

@testable import Training

/// Events survive JSON, as a server stores and streams them.
struct TrainingEventTests {
    @Test func eventsRoundTripThroughJSON() throws {
        let events: [TrainingEvent] = [
            .phase(.cachingLatents(done: 3, total: 7)),
            .progress(
                TrainingProgress(
                    step: 5, totalSteps: 10, epoch: 1, totalEpochs: 2, loss: 0.25, smoothedLoss: 0.3,
                    learningRates: ["unet": 1e-4, "text_encoder": 5e-5], gradientNorm: nil, stepsPerSecond: 0,
                    secondsRemaining: nil)),
            .validation(step: 5, loss: 0.2),
            .sample(
                TrainingSample(
                    step: 5, epoch: 1, promptIndex: 0, prompt: "zkz", png: Data([1, 2, 3]),
                    url: URL(fileURLWithPath: "/out/sample/a.png"))),
            .checkpoint(
                TrainingCheckpoint(
                    step: 5, epoch: 1, url: URL(fileURLWithPath: "/out/a.safetensors"), byteCount: 10,
                    sha256: String(repeating: "a", count: 64), isFinal: false)),
            .log(.warning, "no captions"),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(events)
        let decoded = try JSONDecoder().decode([TrainingEvent].self, from: data)
        #expect(try encoder.encode(decoded) == data)
        guard case .progress(let progress) = decoded[1] else {
            Issue.record("not a progress event")
            return
        }
        #expect(progress.learningRates["unet"] == 1e-4 && progress.secondsRemaining == nil)
    }
}
