import Foundation

/// A diffusers pipeline folder: `model_index.json` naming the components, and one subfolder per component with its
/// `config.json` and weights (diffusers `pipelines/pipeline_utils.py`, `models/modeling_utils.py`).
struct DiffusersFolder {
    let url: URL
    /// `model_index.json`: `_class_name`, each component as `[library, class]` (`[null, null]` when left out), and
    /// pipeline options such as `force_zeros_for_empty_prompt`.
    private let index: [String: Any]

    init(_ url: URL) throws {
        self.url = url
        let indexURL = url.appendingPathComponent("model_index.json")
        guard FileManager.default.fileExists(atPath: indexURL.path) else {
            throw CheckpointError.notAModel(
                path: url.path, expected: "a diffusers folder with model_index.json, or a single-file .safetensors")
        }
        guard let index = try? JSONSerialization.jsonObject(with: Data(contentsOf: indexURL)) as? [String: Any] else {
            throw CheckpointError.malformed(path: indexURL.path, reason: "not a JSON object")
        }
        self.index = index
    }

    /// The class that `model_index.json` gives a component, or `nil` when the pipeline has none.
    private func componentClass(_ component: String) -> String? {
        (index[component] as? [Any])?.last as? String
    }

    func description() throws -> PipelineDescription {
        let pipeline = index["_class_name"] as? String ?? "a pipeline without _class_name"
        let encoderNames = ["text_encoder", "text_encoder_2"].filter { componentClass($0) != nil }
        guard componentClass("unet") != nil, componentClass("vae") != nil, encoderNames.first == "text_encoder" else {
            throw CheckpointError.unsupported(
                path: url.path,
                reason: "\(pipeline) lacks a unet, vae or text_encoder; lorad loads Stable Diffusion 1.x, 2.x and XL "
                    + "base pipelines")
        }
        let textEncoders = try encoderNames.map { name in
            PipelineDescription.TextEncoder(
                component: name, config: try config(CLIPTextConfig.self, of: name),
                withProjection: componentClass(name) == "CLIPTextModelWithProjection")
        }
        let architecture: ModelArchitecture
        if textEncoders.count > 1 || pipeline.hasPrefix("StableDiffusionXL") {
            architecture = .sdxl
        } else {
            // SD 2.x replaced OpenAI's CLIP (quick_gelu) by OpenCLIP (gelu).
            architecture = textEncoders[0].config.hiddenAct == .gelu ? .sd2 : .sd1
        }
        let tokenizers = try textEncoders.map { encoder in
            let folder = encoder.component.replacingOccurrences(of: "text_encoder", with: "tokenizer")
            return try CLIPTokenizer(directory: url.appendingPathComponent(folder))
        }
        let schedulerURL = url.appendingPathComponent("scheduler/scheduler_config.json")
        guard let schedulerConfig = try? Data(contentsOf: schedulerURL) else {
            throw CheckpointError.missingFile(path: schedulerURL.path, expected: "the pipeline's scheduler config")
        }
        return PipelineDescription(
            architecture: architecture, textEncoders: textEncoders, tokenizers: tokenizers,
            unet: try config(UNetConfig.self, of: "unet"), vae: try config(VAEConfig.self, of: "vae"),
            schedulerConfig: schedulerConfig,
            // diffusers' SDXL pipelines register it with the default True; SD 1.x/2.x pipelines have no such option.
            forceZerosForEmptyPrompt: index["force_zeros_for_empty_prompt"] as? Bool ?? (architecture == .sdxl))
    }

    /// Each component's weights from its subfolder, served under their own (diffusers) names.
    func weights() -> PipelineWeights {
        PipelineWeights { component, backend in
            let folder = url.appendingPathComponent(component)
            let tensors = try Self.weights(
                in: folder, baseName: component.hasPrefix("text_encoder") ? "model" : "diffusion_pytorch_model")
            let locate = { (name: String) -> TensorLocator? in
                guard tensors[name] == nil, let other = Self.otherName(of: name, in: component) else {
                    return TensorLocator(key: name)
                }
                return TensorLocator(key: other)
            }
            return CheckpointParameterSource(
                tensors: tensors, component: component, path: folder.path, backend: backend,
                expectedKeys: Set(tensors.names), locate: locate)
        }
    }

    private func config<Config: Decodable>(_ type: Config.Type, of component: String) throws -> Config {
        let configURL = url.appendingPathComponent(component).appendingPathComponent("config.json")
        guard let data = try? Data(contentsOf: configURL) else {
            throw CheckpointError.missingFile(path: configURL.path, expected: "the \(component) config")
        }
        do {
            return try JSONDecoder().decode(Config.self, from: data)
        } catch let error as ModelConfigError {
            throw error
        } catch {
            throw CheckpointError.malformed(path: configURL.path, reason: "\(error)")
        }
    }

    /// The weights of a component folder, in diffusers' order of preference: `<base>.safetensors`, the sharded
    /// `<base>.safetensors.index.json`, then the same for the `fp16` variant (`_add_variant` puts the variant
    /// before the last extension).
    static func weights(in folder: URL, baseName: String) throws -> CheckpointTensors {
        let candidates = [
            ("\(baseName).safetensors", false), ("\(baseName).safetensors.index.json", true),
            ("\(baseName).fp16.safetensors", false), ("\(baseName).safetensors.index.fp16.json", true),
        ]
        for (name, isIndex) in candidates {
            let file = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            return isIndex ? try CheckpointTensors(shardIndex: file) : try CheckpointTensors(files: [file])
        }
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(baseName).bin").path) {
            throw CheckpointError.unsupported(
                path: folder.path, reason: "PyTorch pickle weights (\(baseName).bin); lorad reads safetensors only")
        }
        throw CheckpointError.missingFile(
            path: folder.appendingPathComponent("\(baseName).safetensors").path,
            expected: "the component's weights (or its .fp16 variant, or a sharded .safetensors.index.json)")
    }

    /// The name that older or newer writers gave the parameter `name` of `component`, if any.
    private static func otherName(of name: String, in component: String) -> String? {
        if component == "vae" { return legacyVAEName(name) }
        if component.hasPrefix("text_encoder") { return flattenedTextEncoderName(name) }
        return nil
    }

    /// transformers 5.6 and later save `CLIPTextModel` without its `text_model.` level (their conversion mapping
    /// `PrefixChange(prefix_to_remove="text_model")`), while older files and `CLIPTextModelWithProjection` keep it.
    private static func flattenedTextEncoderName(_ name: String) -> String? {
        name.hasPrefix("text_model.") ? String(name.dropFirst("text_model.".count)) : nil
    }

    /// diffusers before 0.14 saved the VAE's mid attention as `query`, `key`, `value`, `proj_attn`
    /// (`_convert_deprecated_attention_blocks` renames them on load).
    private static func legacyVAEName(_ name: String) -> String? {
        let renames = [
            ".attentions.0.to_q.": ".attentions.0.query.", ".attentions.0.to_k.": ".attentions.0.key.",
            ".attentions.0.to_v.": ".attentions.0.value.", ".attentions.0.to_out.0.": ".attentions.0.proj_attn.",
        ]
        for (current, legacy) in renames where name.contains(current) {
            return name.replacingOccurrences(of: current, with: legacy)
        }
        return nil
    }
}
