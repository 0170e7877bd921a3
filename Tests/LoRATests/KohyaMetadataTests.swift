import Diffusion
import Foundation
import LoRA
import SafeTensors
import Testing

/// Files written by lorad against the metadata sd-scripts' own code writes (`tools/make_lora_fixtures.py` runs
/// `train_network.py`'s metadata statements, `get_sai_model_spec` and `precalculate_safetensors_hashes`): every key,
/// every value, including the hashes over the same tensors.
@Suite struct KohyaMetadataTests {
    /// The golden's tensor recipe: ((k·37) mod 255 − 127)/64, k counting elements over the modules' down then up
    /// weights in name order, in PyTorch layout; handed to the writer in lorad's layout (OHWI kernels).
    static func recipeWeights(_ specs: [LoRAModuleSpec]) -> [LoRAModuleWeights] {
        var k = 0
        func values(_ count: Int) -> [Float] {
            defer { k += count }
            return (k..<(k + count)).map { Float(($0 * 37) % 255 - 127) / 64 }
        }
        return specs.sorted { $0.kohyaName < $1.kohyaName }.map { spec in
            var down = values(spec.kind.downShape(rank: spec.rank).reduce(1, *))
            let up = values(spec.kind.upShape(rank: spec.rank).reduce(1, *))
            if case .convolution(let conv) = spec.kind {
                down = KernelLayout.oihwToOHWI(down, out: spec.rank, kernel: conv.kernel, in: conv.inChannels)
            }
            return LoRAModuleWeights(spec: spec, down: down, up: up)
        }
    }

    static func compare(_ metadata: [String: String], golden name: String) throws {
        let document = try LoRAFixtures.json("lora_files/metadata_\(name).json")
        let expected = document["metadata"] as! [String: String]
        for key in Set(expected.keys).union(metadata.keys).sorted() {
            #expect(metadata[key] == expected[key], "\(name): \(key)")
        }
    }

    @Test func sd15LoConMatchesSDScripts() throws {
        var facts = KohyaTrainingFacts(architecture: .sd1)
        facts.baseModelName = "stable-diffusion-v1-5/stable-diffusion-v1-5"
        facts.outputName = "sks_dog"
        facts.resolution = (512, 640)
        facts.networkDim = 8
        facts.networkAlpha = 4
        facts.networkArguments = [("conv_dim", "4"), ("conv_alpha", "2")]
        facts.learningRate = 0.0001
        facts.unetLearningRate = 0.0001
        facts.textEncoderLearningRate = 5e-05
        facts.lrScheduler = "cosine_with_restarts"
        facts.lrWarmupSteps = 50
        facts.maxTrainSteps = 1000
        facts.trainBatchSize = 2
        facts.gradientAccumulationSteps = 2
        facts.mixedPrecision = "fp16"
        facts.clipSkip = 2
        facts.seed = 1234
        facts.cacheLatents = true
        facts.shuffleCaption = true
        facts.keepTokens = 1
        facts.captionDropoutRate = 0.05
        facts.noiseOffset = 0.0357
        facts.minSNRGamma = 5
        facts.optimizerName = "torch.optim.adamw.AdamW"
        facts.optimizerArguments = "weight_decay=0.01,betas=(0.9, 0.999)"
        facts.gradientCheckpointing = true
        facts.trainingComment = "trigger: sks dog, «café»"
        facts.modelSpec.author = "lorad tests"
        facts.modelSpec.tags = "dog,photo"
        facts.dataset.directories = [
            .init(name: "10_sks dog", repeats: 10, imageCount: 12, isRegularization: false),
            .init(name: "1_dog", repeats: 1, imageCount: 30, isRegularization: true),
        ]
        facts.dataset.tagFrequency = [("10_sks dog", [("sks", 12), ("dog", 11), ("running", 3), ("café au lait", 1)])]
        facts.dataset.enableBucket = true
        facts.dataset.minBucketResolution = 320
        facts.dataset.maxBucketResolution = 960
        facts.dataset.buckets = [
            .init(index: 3, width: 448, height: 704, count: 40), .init(index: 7, width: 512, height: 640, count: 80),
        ]
        facts.dataset.meanAspectRatioError = 0.012345678901234
        facts.dataset.numTrainImages = 120
        facts.dataset.numRegularizationImages = 30
        facts.numBatchesPerEpoch = 75
        facts.numEpochs = 27
        facts.steps = 1000
        facts.epoch = 27
        facts.sessionID = 3_141_592_653
        facts.trainingStartedAt = 1_767_225_600.25
        facts.trainingFinishedAt = 1_767_229_200.5
        facts.modelSpec.timestamp = 1_767_229_201.75
        facts.modelSpec.timeZone = TimeZone(identifier: "UTC")!
        facts.modelSpec.implementationVersion = "lorad/test"
        facts.trainerCommitHash = "lorad-test-commit"

        let layout = try LoRAFixtures.fullLayout(.sd1)
        let specs = try layout.kohyaModules(.init(networkDim: 8, networkAlpha: 4, convDim: 4, convAlpha: 2))
        let data = try KohyaLoRAFile.serialize(Self.recipeWeights(specs), precision: .fp16, metadata: facts.metadata())
        try Self.compare(SafeTensorsFile(data: data).metadata, golden: "sd15_locon")
    }

    @Test func sdxlUNetOnlyMatchesSDScripts() throws {
        var facts = KohyaTrainingFacts(architecture: .sdxl)
        facts.baseModelName = "/models/sd_xl_base_1.0.safetensors"
        facts.outputName = "style"
        facts.resolution = (1024, 1024)
        facts.networkDim = 4
        facts.networkAlpha = 1
        facts.learningRate = 1e-4
        facts.maxTrainSteps = 40
        facts.optimizerName = "prodigyopt.prodigy.Prodigy"
        facts.optimizerArguments = ""
        facts.minTimestep = 100
        facts.dataset.directories = [.init(name: "4_style", repeats: 4, imageCount: 10, isRegularization: false)]
        facts.dataset.tagFrequency = [("4_style", [("style", 10)])]
        facts.dataset.numTrainImages = 40
        facts.numBatchesPerEpoch = 40
        facts.numEpochs = 1
        facts.steps = 40
        facts.epoch = 1
        facts.sessionID = 7
        facts.trainingStartedAt = 1_767_225_600
        facts.trainingFinishedAt = 1_767_225_700
        facts.modelSpec.timestamp = 1_767_225_700
        facts.modelSpec.timeZone = TimeZone(identifier: "UTC")!
        facts.modelSpec.implementationVersion = "lorad/test"
        facts.trainerCommitHash = "lorad-test-commit"

        let layout = try LoRAFixtures.fullLayout(.sdxl)
        let specs = try layout.kohyaModules(.init(networkDim: 4, networkAlpha: 1, trainTextEncoders: false))
        let data = try KohyaLoRAFile.serialize(Self.recipeWeights(specs), precision: .bf16, metadata: facts.metadata())
        try Self.compare(SafeTensorsFile(data: data).metadata, golden: "sdxl_unet_only")
    }

    /// Python's `repr` of floats and strings and `json.dumps`, as printed by Python 3.11.
    @Test func formatsValuesAsPython() {
        let floats: [(Double, String)] = [
            (1e-05, "1e-05"), (0.0001, "0.0001"), (1e16, "1e+16"), (123456789012345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"), (0.1 + 0.2, "0.30000000000000004"), (-2.5e-07, "-2.5e-07"),
            (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100, "100.0"),
        ]
        for (value, python) in floats { #expect(PythonValue.float(value).pythonString == python) }
        #expect(PythonValue.string("it's").pythonRepr == #""it's""#)
        #expect(PythonValue.string("a\"b").pythonRepr == #"'a"b'"#)
        #expect(PythonValue.string("x\ty").pythonRepr == #"'x\ty'"#)
        #expect(PythonValue.tuple([.int(512), .int(640)]).pythonString == "(512, 640)")
        let object = PythonValue.dict([
            ("a", .list([.int(1), .float(2.5), .null, .bool(true)])), ("é", .string("x\"\\")),
        ])
        #expect(object.json == #"{"a": [1, 2.5, null, true], "\u00e9": "x\"\\"}"#)
        let nested = PythonValue.dict([("b", .dict([])), ("a", .list([.int(1), .dict([("c", .list([]))])]))])
        #expect(nested.json(indent: 2) == "{\n  \"b\": {},\n  \"a\": [\n    1,\n    {\n      \"c\": []\n    }\n  ]\n}")
    }
}

/// Hashes against sd-scripts' own functions (`tools/make_lora_fixtures.py`, `hashes.json`).
@Suite struct KohyaHashTests {
    @Test func hashesModelFilesAsSDScripts() throws {
        let golden = try LoRAFixtures.json("lora_files/hashes.json")["known_bytes"] as! [String: Any]
        let length = golden["length"] as! Int
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lorad-hash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data((0..<length).map { UInt8($0 % 251) }).write(to: url)
        let hashes = try KohyaHashes.fileHashes(of: url)
        #expect(hashes == KohyaFileHashes(legacy: golden["model_hash"] as! String, sha256: golden["sha256"] as! String))
    }

    /// Without any `ss_*` key sd-scripts hashes a serialization whose header holds an empty `__metadata__`.
    @Test func hashesFilesWithoutMetadata() throws {
        let golden =
            try LoRAFixtures.json("lora_files/hashes.json")["sd15_locon_fp16_without_metadata"] as! [String: String]
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let specs = try layout.kohyaModules(.init(networkDim: 8, networkAlpha: 4, convDim: 4, convAlpha: 2))
        let data = try KohyaLoRAFile.serialize(KohyaMetadataTests.recipeWeights(specs), precision: .fp16, metadata: [:])
        let metadata = try SafeTensorsFile(data: data).metadata
        #expect(metadata == golden)
    }
}
