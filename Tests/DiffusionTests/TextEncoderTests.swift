import Foundation
import SafeTensors
import Tensors
import TestSupport
import Testing

@testable import Diffusion

/// CLIPTextModel and PromptEncoder against transformers / diffusers goldens of the tiny fixture models.
///
/// Tolerance for every comparison with PyTorch: |a − b| ≤ atol + rtol·|b| with rtol 1e-4 and atol 1e-4·max|b|
/// (f32 on both sides; the differences are summation order only).
@Suite struct TextEncoderTests {
    static let rtol: Float = 1e-4
    static let atolFraction: Float = 1e-4

    /// Compares with the golden at the tolerance above.
    @discardableResult
    static func expectClose(
        _ actual: Tensor, _ expected: Tensor, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Closeness {
        assertClose(
            actual, expected, rtol: rtol, atol: atolFraction * peakMagnitude(expected), label: label,
            sourceLocation: sourceLocation)
    }

    // MARK: Config

    @Test func configTakesTransformersDefaultsAndReadsNestedTextConfig() throws {
        let defaults = try JSONDecoder().decode(CLIPTextConfig.self, from: Data("{}".utf8))
        #expect(defaults == (try CLIPTextConfig()))
        #expect(defaults.hiddenSize == 512 && defaults.numAttentionHeads == 8 && defaults.projectionDim == 512)
        #expect(defaults.hiddenAct == .quickGELU && defaults.eosTokenID == 49407 && defaults.vocabSize == 49408)

        let nested = """
            {"model_type": "clip", "projection_dim": 64,
             "text_config": {"hidden_size": 1280, "num_attention_heads": 20, "hidden_act": "gelu",
                             "eos_token_id": 2, "projection_dim": null}}
            """
        let config = try JSONDecoder().decode(CLIPTextConfig.self, from: Data(nested.utf8))
        #expect(config.hiddenSize == 1280 && config.numAttentionHeads == 20 && config.headDim == 64)
        #expect(config.hiddenAct == .gelu && config.eosTokenID == 2 && config.projectionDim == nil)
    }

    @Test(arguments: [
        (#"{"hidden_act": "gelu_new"}"#, ModelConfigError.unsupported(
            component: "text_encoder", field: "hidden_act", value: "\"gelu_new\"")),
        (#"{"hidden_act": "silu"}"#, ModelConfigError.unsupported(
            component: "text_encoder", field: "hidden_act", value: "\"silu\"")),
        (#"{"hidden_size": 100, "num_attention_heads": 8}"#, ModelConfigError.invalid(
            component: "text_encoder", field: "hidden_size",
            reason: "(100) is not a multiple of num_attention_heads (8)")),
        (#"{"eos_token_id": null}"#, ModelConfigError.invalid(
            component: "text_encoder", field: "eos_token_id",
            reason: "is null; the pooled output needs the end-of-text id")),
        (#"{"num_hidden_layers": 0}"#, ModelConfigError.invalid(
            component: "text_encoder", field: "num_hidden_layers", reason: "is 0, expected a positive number")),
    ])
    func configRejects(json: String, error: ModelConfigError) {
        #expect(throws: error) { _ = try JSONDecoder().decode(CLIPTextConfig.self, from: Data(json.utf8)) }
    }

    // MARK: Full-size parameter counts

    @Test func fullSizeParameterCounts() throws {
        // openai/clip-vit-large-patch14 (SD 1.x, SDXL text_encoder) and OpenCLIP ViT-bigG/14 (SDXL text_encoder_2).
        let large = try CLIPTextConfig(
            hiddenSize: 768, intermediateSize: 3072, projectionDim: 768, numHiddenLayers: 12, numAttentionHeads: 12)
        let bigG = try CLIPTextConfig(
            hiddenSize: 1280, intermediateSize: 5120, projectionDim: 1280, numHiddenLayers: 32,
            numAttentionHeads: 20, hiddenAct: .gelu)
        for (config, withProjection, expected, tensors) in [
            (large, false, 123_060_480, 2 + 12 * 16 + 2), (bigG, true, 694_659_840, 2 + 32 * 16 + 2 + 1),
        ] {
            let recorder = ParameterShapeRecorder()
            _ = try CLIPTextModel(config: config, parameters: Parameters(recorder), withProjection: withProjection)
            let count = recorder.shapes.values.reduce(0) { $0 + $1.reduce(1, *) }
            #expect(count == expected)
            #expect(recorder.shapes.count == tensors)
            let last = config.numHiddenLayers - 1
            #expect(recorder.shapes["text_model.encoder.layers.\(last).self_attn.out_proj.bias"] == [config.hiddenSize])
            #expect(recorder.shapes["text_model.embeddings.position_embedding.weight"] == [77, config.hiddenSize])
            #expect(recorder.shapes["text_projection.weight"] == (withProjection ? [1280, 1280] : nil))
            #expect(recorder.shapes["text_projection.bias"] == nil)
        }
    }

    // MARK: Fixture encoders against transformers

    @Test(arguments: [
        ("sd15-tiny", "", "text"), ("sd2-tiny", "", "text"), ("sdxl-tiny", "", "text"), ("sdxl-tiny", "_2", "text2"),
    ])
    func encoderMatchesTransformers(model: String, suffix: String, golden prefix: String) throws {
        let fixture = try FixtureEncoder(model: model, suffix: suffix)
        let golden = try Golden(model)
        let ids = try golden.tokenIDs("\(prefix).input_ids")

        // The folder's tokenizer reproduces transformers' ids for the golden prompts.
        let prompts = try golden.prompts()
        #expect(prompts.count == ids.count)
        #expect(prompts.map { fixture.tokenizer.encode($0) } == ids)

        let output = try fixture.model(ids)
        let backend = fixture.backend
        #expect(output.hiddenStates.count == fixture.model.config.numHiddenLayers + 1)
        for (k, state) in output.hiddenStates.enumerated() {
            Self.expectClose(
                state, try golden.tensor("\(prefix).hidden_states.\(k)", on: backend), "\(model) \(prefix) h\(k)")
        }
        Self.expectClose(
            output.lastHiddenState, try golden.tensor("\(prefix).last_hidden_state", on: backend),
            "\(model) \(prefix) last")
        if fixture.model.hasProjection {
            // The golden has the projection instead of the pooled state; its eos_token_id (999) is not the legacy
            // 2, so the pooled rows are the final states at the first end-of-text token.
            let eos = Int32(fixture.model.config.eosTokenID)
            let last = try golden.tensor("\(prefix).last_hidden_state", on: backend)
            let rows = try ids.enumerated().map { row, sequence in
                try #require(sequence.firstIndex(of: eos)) + row * sequence.count
            }
            Self.expectClose(
                output.pooled, backend.gatherRows(last.reshaped([-1, last.shape[2]]), rows: rows),
                "\(model) \(prefix) pooled")
            let embeds = try #require(output.textEmbeds)
            Self.expectClose(embeds, try golden.tensor("\(prefix).text_embeds", on: backend), "\(model) text_embeds")
        } else {
            Self.expectClose(
                output.pooled, try golden.tensor("\(prefix).pooled", on: backend), "\(model) \(prefix) pooled")
        }
        // Every tensor of the file is part of the model.
        #expect(fixture.weights.unusedNames.isEmpty, "unused: \(fixture.weights.unusedNames)")
    }

    @Test func poolingUsesFirstEndOfTextPositionWithoutTheLegacyID() throws {
        // With eos_token_id ≠ 2, transformers pools the first position holding that id. Declare a token of the
        // first golden prompt the end of text, one that is not the largest id, so the legacy rule would differ.
        let golden = try Golden("sd15-tiny")
        let ids = try golden.tokenIDs("text.input_ids")[0]
        let marker = try #require(ids.dropFirst().first { $0 != 2 && $0 != ids.max() })
        let position = try #require(ids.firstIndex(of: marker))
        var config = try FixtureEncoder.config(model: "sd15-tiny", suffix: "")
        config.eosTokenID = Int(marker)
        let fixture = try FixtureEncoder(model: "sd15-tiny", suffix: "", config: config)

        let output = try fixture.model([ids])
        let backend = fixture.backend
        let last = try golden.tensor("text.last_hidden_state", on: backend)
        let expected = backend.gatherRows(last.reshaped([-1, last.shape[2]]), rows: [position])
        Self.expectClose(output.pooled, expected, "pooled at the first id \(marker) (position \(position))")
    }

    @Test func rejectsIDsOutsideTheTableAndOverlongSequences() throws {
        let fixture = try FixtureEncoder(model: "sd15-tiny", suffix: "")
        let config = fixture.model.config
        let tooLarge = Int32(config.vocabSize)
        #expect(throws: TextEncoderError.tokenOutOfRange(id: tooLarge, vocabSize: config.vocabSize)) {
            _ = try fixture.model([[0, tooLarge]])
        }
        let long = [Int32](repeating: 0, count: config.maxPositionEmbeddings + 1)
        #expect(throws: TextEncoderError.sequenceTooLong(
            length: long.count, maxPositionEmbeddings: config.maxPositionEmbeddings)) { _ = try fixture.model([long]) }
        #expect(throws: TextEncoderError.unequalLengths([2, 3])) { _ = try fixture.model([[0, 1], [0, 1, 2]]) }

        // The bundled 49408-token tokenizer cannot drive the tiny model's smaller table.
        let bundled = try CLIPTokenizer.bundled()
        #expect(throws: TextEncoderError.tokenizerLargerThanModel(
            tokenizerVocabulary: bundled.vocabularySize, vocabSize: config.vocabSize)) {
            _ = try PromptEncoder([.init(tokenizer: bundled, model: fixture.model)], rule: .stableDiffusion)
        }
    }

    // MARK: Prompt conditioning

    @Test func stableDiffusionConditioningWithClipSkip() throws {
        let fixture = try FixtureEncoder(model: "sd15-tiny", suffix: "")
        let golden = try Golden("sd15-tiny")
        let prompts = try golden.prompts()
        let encoder = try PromptEncoder([fixture.encoder], rule: .stableDiffusion)
        let backend = fixture.backend
        let layers = fixture.model.config.numHiddenLayers

        let plain = try encoder.encode(prompts, clipSkip: 1)
        #expect(plain.pooled == nil)
        Self.expectClose(plain.context, try golden.tensor("text.last_hidden_state", on: backend), "clip skip 1")

        // diffusers clip_skip = 1: final_layer_norm(hidden_states[−2]); the reference applies that LayerNorm in
        // double precision to the golden state, with the weights read straight from the file.
        let skipped = try encoder.encode(prompts, clipSkip: 2)
        let penultimate = try golden.tensor("text.hidden_states.\(layers - 1)", on: backend)
        let normed = try referenceLayerNorm(
            penultimate, weight: fixture.storedValues("text_model.final_layer_norm.weight"),
            bias: fixture.storedValues("text_model.final_layer_norm.bias"), eps: fixture.model.config.layerNormEps,
            on: backend)
        Self.expectClose(skipped.context, normed, "clip skip 2")

        #expect(throws: TextEncoderError.clipSkipOutOfRange(clipSkip: layers + 1, layers: layers)) {
            _ = try encoder.encode(prompts, clipSkip: layers + 1)
        }
        #expect(throws: TextEncoderError.clipSkipOutOfRange(clipSkip: 0, layers: layers)) {
            _ = try encoder.encode(prompts, clipSkip: 0)
        }
    }

    @Test func sdxlConditioningJoinsPenultimateStatesAndPoolsTheSecondEncoder() throws {
        let first = try FixtureEncoder(model: "sdxl-tiny", suffix: "")
        let second = try FixtureEncoder(model: "sdxl-tiny", suffix: "_2")
        let golden = try Golden("sdxl-tiny")
        let prompts = try golden.prompts()
        let backend = first.backend
        let encoder = try PromptEncoder([first.encoder, second.encoder], rule: .stableDiffusionXL)
        let (layers1, layers2) = (first.model.config.numHiddenLayers, second.model.config.numHiddenLayers)

        for clipSkip in [1, 2] {
            // diffusers: hidden_states[−(clip_skip + 2)] with clip_skip = N − 1 (None → [−2]), no final LN.
            let conditioning = try encoder.encode(prompts, clipSkip: clipSkip)
            let expected = backend.concat([
                try golden.tensor("text.hidden_states.\(layers1 - clipSkip)", on: backend),
                try golden.tensor("text2.hidden_states.\(layers2 - clipSkip)", on: backend),
            ], axis: 2)
            Self.expectClose(conditioning.context, expected, "sdxl context, clip skip \(clipSkip)")
            Self.expectClose(
                try #require(conditioning.pooled), try golden.tensor("text2.text_embeds", on: backend), "sdxl pooled")
        }

        let zeros = encoder.zeros(batch: 3)
        let width = first.model.config.hiddenSize + second.model.config.hiddenSize
        #expect(zeros.context.shape == [3, CLIPTokenizer.maxLength, width])
        #expect(zeros.pooled?.shape == [3, try #require(second.model.config.projectionDim)])
        #expect(backend.download(zeros.context).allSatisfy { $0 == 0 })
        #expect(backend.download(try #require(zeros.pooled)).allSatisfy { $0 == 0 })

        #expect(throws: TextEncoderError.encoders(
            "SDXL needs a text encoder with text_projection for the pooled embedding")) {
            _ = try PromptEncoder([first.encoder], rule: .stableDiffusionXL)
        }
    }
}

// MARK: - Fixture loading

/// One text encoder of a fixture folder: `text_encoder<suffix>/` with `tokenizer<suffix>/`.
private struct FixtureEncoder {
    let tokenizer: CLIPTokenizer
    let model: CLIPTextModel
    let weights: FolderParameterSource
    let backend: any Backend = CPUBackend()
    let folder: URL

    var encoder: PromptEncoder.Encoder { .init(tokenizer: tokenizer, model: model) }

    /// The `architectures` entry of a transformers config, which tells CLIPTextModelWithProjection apart.
    private struct Architectures: Decodable {
        var architectures: [String]
    }

    static func folder(_ model: String, _ suffix: String) -> URL {
        Fixtures.model(model).appendingPathComponent("text_encoder\(suffix)")
    }

    static func config(model: String, suffix: String) throws -> CLIPTextConfig {
        try JSONDecoder().decode(
            CLIPTextConfig.self, from: Data(contentsOf: folder(model, suffix).appendingPathComponent("config.json")))
    }

    init(model name: String, suffix: String, config: CLIPTextConfig? = nil) throws {
        folder = Self.folder(name, suffix)
        let config = try config ?? Self.config(model: name, suffix: suffix)
        let architectures = try JSONDecoder().decode(
            Architectures.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        weights = try FolderParameterSource(folder, backend: backend)
        tokenizer = try CLIPTokenizer(directory: Fixtures.model(name).appendingPathComponent("tokenizer\(suffix)"))
        model = try CLIPTextModel(
            config: config, parameters: Parameters(weights),
            withProjection: architectures.architectures.contains("CLIPTextModelWithProjection"))
        try weights.finish()
    }

    /// The stored values of `name`, read straight from the folder's weights file (sd15/sd2: f32 `model.safetensors`,
    /// sdxl: `model.fp16.safetensors` only).
    func storedValues(_ name: String) throws -> [Float] {
        for file in ["model.safetensors", "model.fp16.safetensors"]
        where FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) {
            return try SafeTensorsFile(contentsOf: folder.appendingPathComponent(file)).floats(name)
        }
        throw GoldenError.missing("\(folder.path): no model weights")
    }
}

extension Golden {
    /// Token ids stored as I64 `[P, L]`.
    fileprivate func tokenIDs(_ name: String) throws -> [[Int32]] {
        let entry = try #require(file[name], "golden \(name)")
        try #require(entry.dtype == .int64 && entry.shape.count == 2, "\(name): \(entry.dtype) \(entry.shape)")
        let (rows, columns) = (entry.shape[0], entry.shape[1])
        let values = try file.withBytes(name) { bytes in
            (0..<rows * columns).map {
                Int32(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))
            }
        }
        return (0..<rows).map { Array(values[$0 * columns..<($0 + 1) * columns]) }
    }

    /// The prompts of the `text.*` goldens (metadata `text.prompts`, a JSON list).
    fileprivate func prompts() throws -> [String] {
        let json = try #require(file.metadata["text.prompts"], "metadata text.prompts")
        return try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }
}

/// LayerNorm over the last axis in double precision: an implementation independent of the backend's, as the
/// reference for clip skip's final LN.
private func referenceLayerNorm(
    _ x: Tensor, weight: [Float], bias: [Float], eps: Float, on backend: any Backend
) -> Tensor {
    let width = weight.count
    let values = backend.download(x).map(Double.init)
    var out = [Float](repeating: 0, count: values.count)
    for row in stride(from: 0, to: values.count, by: width) {
        let slice = values[row..<row + width]
        let mean = slice.reduce(0, +) / Double(width)
        let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
        let scale = 1 / (variance + Double(eps)).squareRoot()
        for i in 0..<width {
            out[row + i] = Float((values[row + i] - mean) * scale * Double(weight[i]) + Double(bias[i]))
        }
    }
    return backend.upload(out, shape: x.shape)
}
