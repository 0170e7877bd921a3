import Foundation
import Hummingbird
import HummingbirdTesting
import Imaging
import Store
import Testing

@testable import Server

/// The bundled demo, end to end as a newcomer runs it: a first start on an empty data directory registers it,
/// `POST /v1/demo/job` queues its job, a CPU worker trains it, and the job's samples show the concept appear. The
/// demo model has never seen a star: its pictures for the trigger-word prompts (the step-0 samples, drawn before any
/// training) show other shapes, and the trained LoRA's (the last samples) show stars, told apart by
/// `DemoShapeMeasure`. Its wall time is `tools/bench_demo.sh`'s to judge, not this test's.
@Suite struct DemoLoRATests {
    @Test(.timeLimit(.minutes(30))) func theDemoJobTeachesTheModelTheStar() async throws {
        let demo = try #require(ServerConfiguration.bundledDemoDirectory, "this build bundles no demo folder")
        let data = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data) }
        let services = try startServer(dataDirectory: data, demo: demo)
        let job = try await services.trainDemoJob(timeout: .seconds(1500))
        try #require(job.state == .succeeded, "the demo job ended \(job.state): \(job.error ?? "")")

        try await buildApplication(services: services).test(.router) { client in
            let listed = try jsonObject(try await client.execute(uri: "/v1/jobs/\(job.id)/samples", method: .get))
            let samples = try #require(listed["samples"] as? [[String: Any]])
            let prompts = Set(samples.compactMap { $0["prompt_index"] as? Int })
            #expect(prompts.count == 3, "the demo config has three sample prompts: \(samples)")
            for prompt in prompts.sorted() {
                let steps = samples.filter { $0["prompt_index"] as? Int == prompt }
                    .sorted { ($0["step"] as? Int ?? 0) < ($1["step"] as? Int ?? 0) }
                let base = try #require(steps.first)
                let trained = try #require(steps.last)
                #expect(base["step"] as? Int == 0, "the base model's picture comes first (sample_at_first)")
                let prompt = base["prompt"] as? String ?? ""
                let before = DemoShapeMeasure(try await Self.image(client, base))
                let after = DemoShapeMeasure(try await Self.image(client, trained))
                #expect(!before.showsStar, "\(prompt): the base model drew \(before)")
                #expect(after.showsStar, "\(prompt): the trained LoRA drew \(after)")
            }
        }
    }

    static func image(_ client: some TestClientProtocol, _ sample: [String: Any]) async throws -> Imaging.Image {
        let url = try #require(sample["url"] as? String)
        let response = try await client.execute(uri: url, method: .get)
        #expect(response.status == .ok, "\(url): \(bodyString(response))")
        return try ImageDecoder.decode(Data(response.body.readableBytesView))
    }
}
