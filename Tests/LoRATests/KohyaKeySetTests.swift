import Diffusion
import Foundation
import LoRA
import SafeTensors
import Tensors
import Testing

/// lorad's kohya module selection and names against the networks sd-scripts itself builds on its own full-size
/// model classes (`tools/make_lora_keysets.py`): the same names, down/up shapes and alphas, no more, no less.
@Suite struct KohyaKeySetTests {
    @Test(arguments: [
        ("sd15", ModelArchitecture.sd1), ("sd15_locon", .sd1), ("sd2", .sd2), ("sd2_locon", .sd2), ("sdxl", .sdxl),
        ("sdxl_locon", .sdxl),
    ])
    func matchesSDScripts(golden: String, architecture: ModelArchitecture) throws {
        let document = try LoRAFixtures.json("lora_keysets/\(golden).json")
        let expected = document["modules"] as! [String: [String: Any]]
        var options = KohyaNetworkOptions(
            networkDim: document["network_dim"] as! Int, networkAlpha: Float(document["network_alpha"] as! Double))
        if let convDim = document["conv_dim"] as? Int {
            options.convDim = convDim
            options.convAlpha = Float(document["conv_alpha"] as! Double)
        }
        let layout = try LoRAFixtures.fullLayout(architecture)
        let modules = try layout.kohyaModules(options)

        #expect(Set(modules.map(\.kohyaName)) == Set(expected.keys), "\(golden): names differ")
        #expect(modules.count == expected.count, "\(golden): duplicate names")
        let counts = document["counts"] as! [String: Int]
        #expect(modules.filter { $0.component == .unet }.count == counts["unet"])
        #expect(modules.filter { $0.component != .unet }.count == counts["text_encoder"])
        for module in modules {
            guard let reference = expected[module.kohyaName] else { continue }
            #expect(module.kind.downShape(rank: module.rank) == reference["down"] as! [Int], "\(module.kohyaName) down")
            #expect(module.kind.upShape(rank: module.rank) == reference["up"] as! [Int], "\(module.kohyaName) up")
            #expect(module.alpha == Float(reference["alpha"] as! Double), "\(module.kohyaName) alpha")
        }
    }

    @Test func trainOnlyOneSide() throws {
        let layout = try LoRAFixtures.fullLayout(.sdxl)
        let unetOnly = try layout.kohyaModules(.init(trainTextEncoders: false))
        #expect(unetOnly.count == 722 && unetOnly.allSatisfy { $0.component == .unet })
        let textOnly = try layout.kohyaModules(.init(trainUNet: false))
        #expect(textOnly.count == 72 + 192 && textOnly.allSatisfy { $0.component != .unet })
        // A zero dimension leaves the layers out; a zero alpha means alpha = rank.
        let convOnly = try layout.kohyaModules(.init(networkDim: 0, convDim: 4, convAlpha: 0))
        let locon = try LoRAFixtures.json("lora_keysets/sdxl_locon.json")["modules"] as! [String: [String: Any]]
        let threeByThree = locon.filter {
            ($0.value["down"] as! [Int]).count == 4 && ($0.value["down"] as! [Int])[2] == 3
        }
        #expect(Set(convOnly.map(\.kohyaName)) == Set(threeByThree.keys))
        #expect(convOnly.allSatisfy { $0.kind.kernel == 3 && $0.alpha == 4 })
        #expect(throws: LoRAFormatError.invalidOption(name: "network_dim", reason: "-1 is negative")) {
            try layout.kohyaModules(.init(networkDim: -1))
        }
    }

    @Test func describesConvolutionGeometry() throws {
        let layout = try LoRAFixtures.fullLayout(.sd1)
        let down = try #require(layout.layer(.unet, "down_blocks.0.downsamplers.0.conv"))
        #expect(down.kind == .convolution(.init(inChannels: 320, outChannels: 320, kernel: 3, stride: 2, padding: 1)))
        let conv1 = try #require(layout.layer(.unet, "up_blocks.1.resnets.0.conv1"))
        #expect(conv1.kind == .convolution(.init(inChannels: 2560, outChannels: 1280, kernel: 3, padding: 1)))
        let projIn = try #require(layout.layer(.unet, "mid_block.attentions.0.proj_in"))
        #expect(projIn.kind == .convolution(.init(inChannels: 1280, outChannels: 1280, kernel: 1, padding: 0)))
        #expect(layout.layer(.textEncoder, "text_model.embeddings.token_embedding") == nil)
        #expect(layout.kohyaName(.unet, "mid_block.attentions.0.proj_in") == "lora_unet_mid_block_attentions_0_proj_in")
        let xl = try LoRAFixtures.fullLayout(.sdxl)
        #expect(xl.layer(.unet, "mid_block.attentions.0.proj_in")?.kind == .linear(inFeatures: 1280, outFeatures: 1280))
        #expect(xl.kohyaName(.unet, "up_blocks.0.upsamplers.0.conv") == "lora_unet_output_blocks_2_2_conv")
        #expect(
            xl.kohyaName(.textEncoder2, "text_model.encoder.layers.31.mlp.fc2")
                == "lora_te2_text_model_encoder_layers_31_mlp_fc2")
    }
}

/// The layer list built from configs against a real model folder.
@Suite struct LoRAModelLayoutTests {
    /// Every Linear/Conv2d weight in the tiny SD 1.5 folder's files is a layer, and nothing else is.
    @Test func listsEveryWeightOfTheFiles() throws {
        let folder = LoRAFixtures.root.appendingPathComponent("models/sd15-tiny")
        let model = try StableDiffusionModel.load(from: folder, backend: CPUBackend())
        let layout = try LoRAModelLayout(model)
        for (component, file) in [
            (ModelComponent.unet, "unet/diffusion_pytorch_model.safetensors"),
            (.textEncoder, "text_encoder/model.safetensors"),
        ] {
            let weights = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(file))
            var expected: [String: [Int]] = [:]
            for entry in weights.entries where entry.name.hasSuffix(".weight") && [2, 4].contains(entry.shape.count) {
                expected[String(entry.name.dropLast(".weight".count))] = entry.shape
            }
            expected = expected.filter { !$0.key.contains("embeddings.") }
            let layers = layout.layers.filter { $0.component == component }
            let paths = layers.map(\.path)
            #expect(Set(paths) == Set(expected.keys), "\(component)")
            for (layer, path) in zip(layers, paths) {
                let shape = expected[path] ?? []
                #expect(
                    shape.count == 2
                        ? layer.kind == .linear(inFeatures: shape[1], outFeatures: shape[0])
                        : layer.kind.downShape(rank: 1) == [1, shape[1], shape[2], shape[3]], "\(path)")
            }
        }
    }
}
