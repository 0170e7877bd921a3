import Foundation
import Testing

/// `lorad dataset check` as a script runs it: exit status 0 usable, 1 not usable, 2 usage error.
@Suite final class DatasetCommandTests {
    let scratch: URL
    static let images = LoradProcess.fixtures.appendingPathComponent("images")

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-dataset-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Copies a fixture image to `path` under the scratch folder.
    func image(_ fixture: String, to path: String) throws {
        let target = scratch.appendingPathComponent(path)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.images.appendingPathComponent(fixture), to: target)
    }

    @Test func usableDatasetPrintsTheReport() throws {
        try image("rgb-37x23.png", to: "data/10_sks dog/a.png")
        try Data("a photo of sks dog".utf8).write(to: scratch.appendingPathComponent("data/10_sks dog/a.txt"))
        try image("rgb-37x23.png", to: "data/10_sks dog/copy.png")
        try image("baseline-41x19.jpg", to: "data/10_sks dog/b.jpg")
        try Data("not an image".utf8).write(to: scratch.appendingPathComponent("data/10_sks dog/broken.webp"))
        let data = scratch.appendingPathComponent("data").path
        let outcome = try LoradProcess.run([
            "dataset", "check", data, "--resolution", "64", "--enable-bucket", "--min-bucket-reso", "32",
            "--max-bucket-reso", "128", "--bucket-reso-steps", "8", "--batch-size", "2", "--epochs", "4",
        ])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        let out = outcome.stdout
        #expect(out.contains("class tokens: \"sks dog\", repeats: 10"))
        #expect(out.contains("images: 4, without captions: 3, unreadable: 1"))
        #expect(out.contains("broken.webp"))
        #expect(out.contains("a.png = ") && out.contains("copy.png"))
        // Three readable images × 10 repeats; kohya's BucketManager(False, (64, 64), 32, 128, 8) puts 37x23 in
        // 80x48 and 41x19 in 88x40, so batches of 2 make 10 + 5 per epoch.
        #expect(out.contains("images with repeats: 30 training"))
        #expect(out.contains("80x48: 20") && out.contains("88x40: 10"))
        #expect(out.contains("steps: 15 batches per epoch, 15 steps per epoch, 60 steps in 4 epochs"))
        #expect(out.hasSuffix("usable\n"))

        let json = try LoradProcess.run(["dataset", "check", data, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["concepts"] as? [Any])?.count == 1)
    }

    @Test func unusableDatasetsExitWithOne() throws {
        try FileManager.default.createDirectory(
            at: scratch.appendingPathComponent("data/10_mychar"), withIntermediateDirectories: true)
        let empty = try LoradProcess.run(["dataset", "check", scratch.appendingPathComponent("data").path])
        #expect(empty.status == 1)
        #expect(empty.stdout.contains("no usable training images"))

        let concept = try LoradProcess.run(["dataset", "check", scratch.appendingPathComponent("data/10_mychar").path])
        #expect(concept.status == 1)
        #expect(concept.stdout.contains("train_data_dir/10_mychar/img001.png"))
    }

    @Test func badOptionsAreUsageErrors() throws {
        let data = scratch.path
        for arguments in [
            ["--batch-size", "0"], ["--resolution", "12x34"], ["--enable-bucket", "--min-bucket-reso", "1024"],
            ["--validation-split", "1.5"], ["--epochs", "-1"],
        ] {
            let outcome = try LoradProcess.run(["dataset", "check", data] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(
                outcome.stderrLines.count == 1 && outcome.stderr.hasPrefix("lorad: --"),
                "\(arguments): \(outcome.stderr)")
        }
        #expect(try LoradProcess.run(["dataset", "check"]).status == 2)
    }
}
