import Foundation
import Testing

/// `lorad train` as a user runs it: a kohya-style TOML, `--set` overrides, plain progress lines when stderr is not a
/// terminal, files where kohya puts them, errors naming the key, and Ctrl-C saving the state.
@Suite final class TrainCommandTests {
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// A job on the tiny model and the stripes dataset, its paths relative to the config file.
    func writeConfig(_ extra: String = "") throws -> String {
        let fixtures = LoradProcess.fixtures.path
        let config = scratch.appendingPathComponent("job.toml")
        try """
        pretrained_model_name_or_path = "\(fixtures)/models/sd15-tiny"
        train_data_dir = "\(fixtures)/datasets/stripes/train"
        output_dir = "out"
        output_name = "stripes"
        resolution = "64"
        train_batch_size = 2
        learning_rate = 1e-3
        network_dim = 4
        seed = 3
        xformers = true
        \(extra)
        """.write(to: config, atomically: true, encoding: .utf8)
        return config.path
    }

    @Test func trainsAndWritesTheLoRAAndSamples() throws {
        let config = try writeConfig(
            """
            sample_every_n_steps = 2
            sample_prompts = ["zkz stripes --w 64 --h 64 --s 2 --d 1"]
            """)
        let outcome = try LoradProcess.run(["train", "--config", config, "--set", "max_train_steps=2"])
        #expect(outcome.status == 0, "stderr: \(outcome.stderr)")
        #expect(outcome.stderr.contains("notice: xformers"), "kohya options without effect get a notice")
        #expect(outcome.stderr.contains("2/2"), "a progress line for the last step")
        let out = scratch.appendingPathComponent("out")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("stripes.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("sample/stripes_000002_00.png").path))
    }

    @Test func unknownKeyIsAUsageErrorWithASuggestion() throws {
        let config = try writeConfig("netwrk_alpha = 2")
        let outcome = try LoradProcess.run(["train", "--config", config])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("netwrk_alpha") && outcome.stderr.contains("network_alpha"))
        #expect(!FileManager.default.fileExists(atPath: scratch.appendingPathComponent("out").path))
    }

    @Test func conceptFolderAsTrainDataDirExplainsTheLayout() throws {
        let config = try writeConfig()
        let concept = LoradProcess.fixtures.appendingPathComponent("datasets/stripes/train/10_zkz stripes").path
        let outcome = try LoradProcess.run(["train", "--config", config, "--set", "train_data_dir=\(concept)"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("is itself a concept folder") && outcome.stderr.contains("Expected layout"))
    }

    @Test func badOverrideNamesTheKey() throws {
        let config = try writeConfig()
        let outcome = try LoradProcess.run(["train", "--config", config, "--set", "network_dim=0"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("network_dim"), "stderr: \(outcome.stderr)")
    }

    @Test func interruptSavesTheStateAndResumeFinishes() throws {
        let config = try writeConfig()
        let errors = scratch.appendingPathComponent("stderr")
        try Data().write(to: errors)
        let process = Process()
        process.executableURL = try LoradProcess.executable()
        process.arguments = ["train", "--config", config, "--set", "max_train_steps=100000"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Wait for training to be under way (a progress line every 10 steps), then press Ctrl-C.
        let deadline = Date().addingTimeInterval(120)
        while !(try String(contentsOf: errors, encoding: .utf8)).contains("/100000"), Date() < deadline,
            process.isRunning
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.interrupt()
        process.waitUntilExit()
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(process.terminationStatus == 0, "stderr: \(stderr)")
        #expect(stderr.contains("stopped"))
        let state = scratch.appendingPathComponent("out/stripes-state")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("state.safetensors").path))

        let resumed = try LoradProcess.run([
            "train", "--config", config, "--set", "max_train_steps=12", "--set", "resume=\(state.path)",
        ])
        #expect(resumed.status == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stderr.contains("resumed at step"))
    }
}
