import Diffusion
import Foundation
import LoRA
import SafeTensors
import Testing

/// Writing and reading kohya and diffusers/peft files: round trips, files written by sd-scripts' network and by
/// diffusers/peft themselves, and hostile files.
@Suite struct LoRAFileTests {
    /// Seeded values (a 64-bit LCG), spread over ±2.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 11) % 4001 - 2000) / 1000
        }
    }

    /// A LoCon network on the full-size SD 1.5 layout with a spread of ranks and alphas (alpha ≠ rank).
    static func sampleWeights(_ layout: LoRAModelLayout) throws -> [LoRAModuleWeights] {
        let specs = try layout.kohyaModules(.init(networkDim: 2, networkAlpha: 3, convDim: 1, convAlpha: 0.5))
        return specs.enumerated().filter { $0.offset % 9 == 0 }.map { index, spec in
            var spec = spec
            if index % 2 == 0 { spec.alpha = 1.25 }
            return LoRAModuleWeights(
                spec: spec, down: values(spec.kind.downShape(rank: spec.rank).reduce(1, *), seed: UInt64(2 * index)),
                up: values(spec.kind.upShape(rank: spec.rank).reduce(1, *), seed: UInt64(2 * index + 1)))
        }
    }

    /// The value a float takes after a trip through `precision` (round to nearest even).
    static func rounded(_ value: Float, _ precision: LoRASavePrecision) -> Float {
        switch precision {
        case .float: return value
        case .fp16: return Float(Float16(value))
        case .bf16:
            let bits = value.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        }
    }

    static func expectRoundTrip(
        _ written: [LoRAModuleWeights], _ read: LoRAFileContents, precision: LoRASavePrecision, alphas: Bool
    ) {
        #expect(read.modules.count == written.count)
        let byPath = Dictionary(uniqueKeysWithValues: read.modules.map { ("\($0.component.rawValue)/\($0.path)", $0) })
        for module in written {
            let spec = module.spec
            guard let loaded = byPath["\(spec.component.rawValue)/\(spec.path)"] else {
                Issue.record("\(spec.kohyaName) was not read back")
                continue
            }
            var down = module.down
            if case .convolution(let conv) = spec.kind {
                down = KernelLayout.ohwiToOIHW(down, out: spec.rank, kernel: conv.kernel, in: conv.inChannels)
            }
            #expect(loaded.kind == spec.kind)
            #expect(loaded.downShape == spec.kind.downShape(rank: spec.rank))
            #expect(loaded.upShape == spec.kind.upShape(rank: spec.rank))
            #expect(loaded.down == down.map { rounded($0, precision) }, "\(spec.kohyaName) down")
            #expect(loaded.up == module.up.map { rounded($0, precision) }, "\(spec.kohyaName) up")
            #expect(loaded.alpha == (alphas ? rounded(spec.alpha, precision) : spec.alpha), "\(spec.kohyaName) alpha")
        }
    }

    @Test(arguments: LoRASavePrecision.allCases)
    func kohyaRoundTrip(precision: LoRASavePrecision) throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let weights = try Self.sampleWeights(layout)
        let data = try KohyaLoRAFile.serialize(weights, precision: precision, metadata: ["ss_network_dim": "2"])
        let file = try SafeTensorsFile(data: data)
        #expect(file.entries.allSatisfy { $0.dtype == precision.dtype })
        #expect(file["\(weights[0].spec.kohyaName).alpha"]?.shape == [])
        #expect(file.metadata["sshs_model_hash"]?.count == 64 && file.metadata["sshs_legacy_hash"]?.count == 8)
        let read = try LoRAFileReader.read(file, name: "test.safetensors", layout: layout)
        #expect(read.format == .kohya)
        Self.expectRoundTrip(weights, read, precision: precision, alphas: true)
    }

    @Test(arguments: LoRASavePrecision.allCases)
    func peftRoundTrip(precision: LoRASavePrecision) throws {
        for architecture in [ModelArchitecture.sd1, .sdxl] {
            let layout = try LoRAFixtures.fullLayout(architecture)
            let weights = try Self.sampleWeights(layout)
            let data = try PeftLoRAFile.serialize(weights, precision: precision)
            let file = try SafeTensorsFile(data: data)
            let first = weights[0].spec
            #expect(file["\(first.component.rawValue).\(first.path).lora_A.weight"] != nil)
            #expect(file.metadata["format"] == "pt")
            let read = try LoRAFileReader.read(file, name: "pytorch_lora_weights.safetensors", layout: layout)
            #expect(read.format == .peft)
            // Alphas travel in the JSON metadata, unrounded.
            Self.expectRoundTrip(weights, read, precision: precision, alphas: false)
        }
    }

    /// A kohya file with LoRA and LoCon modules made by sd-scripts' own network (SD 1.5, float16).
    @Test func readsSDScriptsLoConFile() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let read = try LoRAFileReader.read(
            contentsOf: LoRAFixtures.golden("lora_files/locon_sd15.safetensors"), layout: layout)
        let expected = try LoRAFixtures.json("lora_files/locon_sd15.json") as! [String: [String: Any]]
        #expect(read.modules.count == expected.count)
        for module in read.modules {
            let name = try #require(layout.kohyaName(module.component, module.path))
            let reference = try #require(expected[name], "\(name)")
            #expect(module.downShape == reference["down"] as! [Int])
            #expect(module.upShape == reference["up"] as! [Int])
            #expect(module.alpha == Float(reference["alpha"] as! Double))
            #expect(abs(Double(module.down.reduce(0, +)) - (reference["down_sum"] as! Double)) < 1e-3)
            #expect(abs(Double(module.up.reduce(0, +)) - (reference["up_sum"] as! Double)) < 1e-3)
            #expect(module.down.first == Float(reference["down_first"] as! Double))
            #expect(module.up.last == Float(reference["up_last"] as! Double))
        }
        let conv = try #require(read.modules.first { $0.path == "down_blocks.2.downsamplers.0.conv" })
        #expect(conv.kind == .convolution(.init(inChannels: 1280, outChannels: 1280, kernel: 3, stride: 2, padding: 1)))
        #expect(
            read.modules.contains { $0.component == .textEncoder && $0.path == "text_model.encoder.layers.11.mlp.fc2" })
    }

    /// `StableDiffusionPipeline.save_lora_weights` of peft adapters on the tiny SD 1.5 fixture (diffusers 0.42 with
    /// transformers 5, which names the text encoder's layers without `text_model.`), one module at rank 2/alpha 3.
    @Test func readsDiffusersPeftFile() throws {
        let layout = try LoRAFixtures.tinyLayout("sd15-tiny", architecture: .sd1)
        let read = try LoRAFileReader.read(
            contentsOf: LoRAFixtures.golden("lora_files/peft_sd15_tiny.safetensors"), layout: layout)
        let expected = try LoRAFixtures.json("lora_files/peft_sd15_tiny.json") as! [String: [String: Any]]
        #expect(read.modules.count == expected.count)
        for module in read.modules {
            var stem = "\(module.component.rawValue).\(module.path)"
            if module.component != .unet { stem = stem.replacingOccurrences(of: ".text_model.", with: ".") }
            let reference = try #require(expected[stem], "\(stem)")
            #expect(module.downShape == reference["down"] as! [Int])
            #expect(module.upShape == reference["up"] as! [Int])
            #expect(abs(Double(module.down.reduce(0, +)) - (reference["down_sum"] as! Double)) < 1e-4)
            #expect(abs(Double(module.up.reduce(0, +)) - (reference["up_sum"] as! Double)) < 1e-4)
            let special = module.path == "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"
            #expect(module.alpha == (special ? 3 : 8), "\(stem)")
            #expect(module.rank == (special ? 2 : 4))
        }
    }

    // MARK: Hostile files

    static func kohyaFile(_ build: (inout SafeTensorsWriter) throws -> Void) throws -> SafeTensorsFile {
        var writer = SafeTensorsWriter()
        try build(&writer)
        return try SafeTensorsFile(data: writer.serialized())
    }

    static let toQ = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"

    @Test func rejectsHostileFiles() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        func read(_ file: SafeTensorsFile) throws {
            _ = try LoRAFileReader.read(file, name: "bad.safetensors", layout: layout)
        }

        let wrongShape = try Self.kohyaFile {
            try $0.add(Self.toQ + ".lora_down.weight", shape: [4, 320], floats: .init(repeating: 0, count: 1280))
            try $0.add(Self.toQ + ".lora_up.weight", shape: [640, 4], floats: .init(repeating: 0, count: 2560))
        }
        #expect(
            throws: LoRAFormatError.shapeMismatch(
                file: "bad.safetensors", key: Self.toQ + ".lora_up.weight", expected: [320, 4], found: [640, 4])
        ) {
            try read(wrongShape)
        }

        let unknown = try Self.kohyaFile {
            try $0.add("lora_unet_down_blocks_9_attentions_0_proj_in.lora_down.weight", shape: [1, 1], floats: [0])
            try $0.add(Self.toQ + ".hada_w1_a", shape: [1], floats: [0])
        }
        let unknownError = LoRAFormatError.unknownKeys(
            file: "bad.safetensors",
            keys: [
                "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.hada_w1_a",
                "lora_unet_down_blocks_9_attentions_0_proj_in.lora_down.weight",
            ])
        #expect(throws: unknownError) { try read(unknown) }
        let lenient = try LoRAFileReader.read(unknown, name: "bad.safetensors", layout: layout, unknownKeys: .ignore)
        #expect(lenient.modules.isEmpty && lenient.ignoredKeys.count == 2)

        let missingUp = try Self.kohyaFile {
            try $0.add(Self.toQ + ".lora_down.weight", shape: [4, 320], floats: .init(repeating: 0, count: 1280))
            try $0.add(Self.toQ + ".alpha", shape: [], floats: [1])
        }
        #expect(throws: LoRAFormatError.missingTensor(file: "bad.safetensors", key: Self.toQ + ".lora_up.weight")) {
            try read(missingUp)
        }

        let missingDown = try Self.kohyaFile {
            try $0.add(
                "unet.mid_block.attentions.0.proj_out.lora_B.weight", shape: [1280, 2],
                floats: .init(repeating: 0, count: 2560))
        }
        #expect(
            throws: LoRAFormatError.missingTensor(
                file: "bad.safetensors", key: "unet.mid_block.attentions.0.proj_out.lora_A.weight")
        ) {
            try read(missingDown)
        }

        let midOnly = try Self.kohyaFile {
            try $0.add(
                "lora_unet_down_blocks_0_resnets_0_conv1.lora_mid.weight", shape: [1, 1, 3, 3],
                floats: .init(repeating: 0, count: 9))
        }
        #expect(
            throws: LoRAFormatError.missingTensor(
                file: "bad.safetensors", key: "lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight")
        ) {
            try read(midOnly)
        }

        let vectorAlpha = try Self.kohyaFile {
            try $0.add(Self.toQ + ".lora_down.weight", shape: [1, 320], floats: .init(repeating: 0, count: 320))
            try $0.add(Self.toQ + ".lora_up.weight", shape: [320, 1], floats: .init(repeating: 0, count: 320))
            try $0.add(Self.toQ + ".alpha", shape: [2], floats: [1, 2])
        }
        #expect(
            throws: LoRAFormatError.invalidTensor(
                file: "bad.safetensors", key: Self.toQ + ".alpha",
                reason: "an alpha must be one finite number, found 2 values")
        ) {
            try read(vectorAlpha)
        }

        let infinite = try Self.kohyaFile {
            try $0.add(
                Self.toQ + ".lora_down.weight", shape: [1, 320], floats: [.infinity] + .init(repeating: 0, count: 319))
            try $0.add(Self.toQ + ".lora_up.weight", shape: [320, 1], floats: .init(repeating: 0, count: 320))
        }
        #expect(
            throws: LoRAFormatError.invalidTensor(
                file: "bad.safetensors", key: Self.toQ + ".lora_down.weight", reason: "element 0 is inf")
        ) {
            try read(infinite)
        }

        var badMetadata = SafeTensorsWriter(metadata: ["lora_adapter_metadata": "[1, 2]"])
        try badMetadata.add(
            "unet.mid_block.attentions.0.proj_out.lora_A.weight", shape: [1, 1280],
            floats: .init(repeating: 0, count: 1280))
        #expect(
            throws: LoRAFormatError.invalidMetadata(
                file: "bad.safetensors", key: "lora_adapter_metadata", reason: "not a JSON object")
        ) {
            try read(SafeTensorsFile(data: badMetadata.serialized()))
        }
    }

    /// LyCORIS LoCon's Tucker form folds into a plain LoCon down weight with the same ΔW = Σ up·mid·down.
    @Test func foldsTuckerMiddleWeights() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let name = "lora_unet_down_blocks_1_resnets_0_conv1"  // 320 → 640, 3×3
        let (rank, inChannels, outChannels) = (2, 320, 640)
        let down = Self.values(rank * inChannels, seed: 1)
        let mid = Self.values(rank * rank * 9, seed: 2)
        let up = Self.values(outChannels * rank, seed: 3)
        let file = try Self.kohyaFile {
            try $0.add(name + ".lora_down.weight", shape: [rank, inChannels, 1, 1], floats: down)
            try $0.add(name + ".lora_mid.weight", shape: [rank, rank, 3, 3], floats: mid)
            try $0.add(name + ".lora_up.weight", shape: [outChannels, rank, 1, 1], floats: up)
            try $0.add(name + ".alpha", shape: [], floats: [1])
        }
        let module = try #require(try LoRAFileReader.read(file, name: "tucker", layout: layout).modules.first)
        #expect(module.downShape == [rank, inChannels, 3, 3])
        for o in stride(from: 0, to: outChannels, by: 37) {
            for i in stride(from: 0, to: inChannels, by: 29) {
                for s in 0..<9 {
                    var tucker: Double = 0
                    var folded: Double = 0
                    for a in 0..<rank {
                        for b in 0..<rank {
                            tucker +=
                                Double(up[o * rank + a]) * Double(mid[(a * rank + b) * 9 + s])
                                * Double(down[b * inChannels + i])
                        }
                        folded += Double(up[o * rank + a]) * Double(module.down[(a * inChannels + i) * 9 + s])
                    }
                    #expect(abs(tucker - folded) <= 1e-5 * max(1, abs(tucker)), "o \(o) i \(i) s \(s)")
                }
            }
        }
        let onLinear = try Self.kohyaFile {
            try $0.add(Self.toQ + ".lora_down.weight", shape: [1, 320], floats: .init(repeating: 0, count: 320))
            try $0.add(Self.toQ + ".lora_mid.weight", shape: [1, 1, 1, 1], floats: [1])
            try $0.add(Self.toQ + ".lora_up.weight", shape: [320, 1], floats: .init(repeating: 0, count: 320))
        }
        #expect(
            throws: LoRAFormatError.unsupported(
                file: "tucker", key: Self.toQ + ".lora_mid.weight",
                reason: "a Tucker middle weight on a layer without a spatial kernel")
        ) {
            _ = try LoRAFileReader.read(onLinear, name: "tucker", layout: layout)
        }
    }

    @Test func rejectsMisshapenWeightsOnWrite() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let spec = try #require(try layout.kohyaModules(.init()).first)
        let weights = LoRAModuleWeights(spec: spec, down: [1, 2, 3], up: [])
        #expect(
            throws: LoRAFormatError.invalidWeights(
                module: spec.kohyaName,
                reason: "down has 3 values, its shape \(spec.kind.downShape(rank: 4)) needs \(4 * 768)")
        ) {
            try KohyaLoRAFile.serialize([weights], precision: .float, metadata: [:])
        }
    }

    @Test func parsesFileArguments() throws {
        #expect(
            try LoRAFileArgument(parsing: "a.safetensors")
                == .init(file: URL(fileURLWithPath: "a.safetensors"), weight: 1))
        #expect(try LoRAFileArgument(parsing: "/x/a.safetensors:0.6").weight == 0.6)
        #expect(try LoRAFileArgument(parsing: "c:/x:y.safetensors").file.lastPathComponent == "x:y.safetensors")
        #expect(throws: LoRAFormatError.invalidArgument(":0.5", reason: "no file")) {
            try LoRAFileArgument(parsing: ":0.5")
        }
    }
}

extension LoRAFileTests {
    /// SDXL kohya names are LDM-style; diffusers-style UNet names from other trainers resolve to the same layers.
    @Test func resolvesSDXLNamesBothWays() throws {
        let layout = try LoRAFixtures.fullLayout(.sdxl)
        var writer = SafeTensorsWriter()
        for name in ["lora_unet_input_blocks_4_1_proj_in", "lora_unet_down_blocks_1_attentions_0_proj_out"] {
            try writer.add(name + ".lora_down.weight", shape: [1, 640], floats: .init(repeating: 0.5, count: 640))
            try writer.add(name + ".lora_up.weight", shape: [640, 1], floats: .init(repeating: 0.25, count: 640))
        }
        let read = try LoRAFileReader.read(SafeTensorsFile(data: writer.serialized()), name: "xl", layout: layout)
        #expect(
            read.modules.map(\.path) == ["down_blocks.1.attentions.0.proj_in", "down_blocks.1.attentions.0.proj_out"])
        #expect(read.modules.allSatisfy { $0.alpha == nil && $0.scale == 1 })
    }

    /// peft's own `save_pretrained` keys (`base_model.model.<path>`) and the older diffusers names.
    @Test func resolvesPeftAndOlderDiffusersNames() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        var writer = SafeTensorsWriter()
        let keys = [
            ("base_model.model.down_blocks.0.attentions.0.proj_in.lora_A.weight", [2, 320, 1, 1]),
            ("base_model.model.down_blocks.0.attentions.0.proj_in.lora_B.weight", [320, 2, 1, 1]),
            ("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora.down.weight", [2, 768]),
            ("unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k.lora.up.weight", [1280, 2]),
            ("text_encoder.text_model.encoder.layers.3.mlp.fc1.lora_linear_layer.down.weight", [2, 768]),
            ("text_encoder.text_model.encoder.layers.3.mlp.fc1.lora_linear_layer.up.weight", [3072, 2]),
        ]
        for (key, shape) in keys {
            try writer.add(key, shape: shape, floats: .init(repeating: 1, count: shape.reduce(1, *)))
        }
        let read = try LoRAFileReader.read(SafeTensorsFile(data: writer.serialized()), name: "old", layout: layout)
        #expect(read.format == .peft)
        #expect(
            read.modules.map(\.path) == [
                "down_blocks.0.attentions.0.proj_in", "mid_block.attentions.0.transformer_blocks.0.attn2.to_k",
                "text_model.encoder.layers.3.mlp.fc1",
            ])
    }
}
