import Foundation
import SafeTensors

/// Reads kohya (LoRA and LoCon) and diffusers/peft LoRA files for a given model, resolving each module to the layer
/// it adapts. kohya names lose their dots (`…_transformer_blocks_0_attn1_to_q`), so they are matched against the
/// names of every layer of the model (as ComfyUI and A1111 match them), SDXL's LDM-style UNet names included.
public enum LoRAFileReader {
    /// What to do with keys that belong to no layer of the model.
    public enum UnknownKeyPolicy: Sendable {
        /// Fail, listing them.
        case error
        /// Leave them out and list them in `LoRAFileContents.ignoredKeys`.
        case ignore
    }

    public static func read(
        contentsOf url: URL, layout: LoRAModelLayout, unknownKeys: UnknownKeyPolicy = .error
    ) throws -> LoRAFileContents {
        try read(
            SafeTensorsFile(contentsOf: url), name: url.lastPathComponent, layout: layout, unknownKeys: unknownKeys)
    }

    /// `name` is the file's name for messages.
    public static func read(
        _ file: SafeTensorsFile, name: String, layout: LoRAModelLayout, unknownKeys: UnknownKeyPolicy = .error
    ) throws -> LoRAFileContents {
        let keys = file.entries.map(\.name)
        let isKohya = keys.contains { $0.hasPrefix("lora_unet_") || $0.hasPrefix("lora_te") }
        let format: LoRAFileFormat = isKohya ? .kohya : .peft
        let kohyaIndex = isKohya ? layout.kohyaNameIndex() : [:]
        let alphas = isKohya ? nil : try PeftAlphas(metadata: file.metadata, file: name)

        var parts: [ModuleKey: [TensorRole: String]] = [:]
        var unknown: [String] = []
        for key in keys {
            guard let (module, role) = isKohya ? kohyaPart(key) : peftPart(key) else {
                unknown.append(key)
                continue
            }
            let layer = isKohya ? kohyaIndex[module] : peftLayer(module, layout: layout)
            guard let layer else {
                unknown.append(key)
                continue
            }
            let moduleKey = ModuleKey(component: layer.component, path: layer.path, fileName: module)
            if let existing = parts.keys.first(where: {
                $0.component == layer.component && $0.path == layer.path && $0.fileName != module
            }) {
                throw LoRAFormatError.invalidTensor(
                    file: name, key: key, reason: "adapts the same layer as module '\(existing.fileName)'")
            }
            parts[moduleKey, default: [:]][role] = key
        }
        if !unknown.isEmpty && unknownKeys == .error {
            throw LoRAFormatError.unknownKeys(file: name, keys: unknown.sorted())
        }

        var modules: [LoadedLoRAModule] = []
        // In name order, so that a file with several faults always reports the same one.
        for (module, roles) in parts.sorted(by: { $0.key.fileName < $1.key.fileName }) {
            let layer = layout.layer(module.component, module.path)!
            guard let downKey = roles[.down] else {
                throw LoRAFormatError.missingTensor(file: name, key: missingKey(roles, wanted: .down))
            }
            guard let upKey = roles[.up] else {
                throw LoRAFormatError.missingTensor(file: name, key: missingKey(roles, wanted: .up))
            }
            let down = try file.entry(downKey, in: name)
            let rank = down.shape.first ?? 0
            guard down.shape.count == 2 || down.shape.count == 4, rank > 0 else {
                throw LoRAFormatError.shapeMismatch(
                    file: name, key: downKey, expected: layer.kind.downShape(rank: max(rank, 1)), found: down.shape)
            }
            let downShape = layer.kind.downShape(rank: rank)
            var downValues: [Float]
            if let midKey = roles[.mid] {
                downValues = try tuckerDown(
                    file, name: name, downKey: downKey, midKey: midKey, layer: layer.kind, rank: rank)
            } else {
                _ = try fit(down.shape, downShape, key: downKey, file: name)
                downValues = try file.finiteValues(downKey, in: name)
            }
            let up = try file.entry(upKey, in: name)
            let upShape = try fit(up.shape, layer.kind.upShape(rank: rank), key: upKey, file: name)
            var alpha: Float?
            if let alphaKey = roles[.alpha] {
                let values = try file.floatValues(alphaKey, in: name)
                guard values.count == 1, values[0].isFinite else {
                    throw LoRAFormatError.invalidTensor(
                        file: name, key: alphaKey,
                        reason: "an alpha must be one finite number, found \(values.count) values")
                }
                alpha = values[0]
            } else if let alphas {
                alpha = alphas.alpha(component: module.component, path: module.fileName, rank: rank)
            }
            modules.append(
                LoadedLoRAModule(
                    component: layer.component, path: layer.path, kind: layer.kind,
                    down: downValues, downShape: downShape,
                    up: try file.finiteValues(upKey, in: name), upShape: upShape, alpha: alpha))
        }
        let order = Dictionary(layout.layers.enumerated().map { (LayerID($1.component, $1.path), $0) }) { first, _ in
            first
        }
        modules.sort { order[LayerID($0.component, $0.path)]! < order[LayerID($1.component, $1.path)]! }
        return LoRAFileContents(
            format: format, modules: modules, ignoredKeys: unknown.sorted(), metadata: file.metadata)
    }

    /// LyCORIS LoCon's Tucker form: a 1×1 `lora_down` `[r, in, 1, 1]`, a `lora_mid` `[r, r, k, k]` convolution with
    /// the layer's kernel, then the 1×1 `lora_up`. Their composition is the plain LoCon down weight
    /// `down′[a, i, h, w] = Σ_b mid[a, b, h, w] · down[b, i]`, so the module is returned in the plain form.
    private static func tuckerDown(
        _ file: SafeTensorsFile, name: String, downKey: String, midKey: String, layer: AdaptableLayerDescription.Kind,
        rank: Int
    ) throws -> [Float] {
        guard case .convolution(let conv) = layer, conv.kernel > 1 else {
            throw LoRAFormatError.unsupported(
                file: name, key: midKey, reason: "a Tucker middle weight on a layer without a spatial kernel")
        }
        let k = conv.kernel
        _ = try fit(file.entry(downKey, in: name).shape, [rank, conv.inChannels, 1, 1], key: downKey, file: name)
        let midShape = try file.entry(midKey, in: name).shape
        guard midShape == [rank, rank, k, k] else {
            throw LoRAFormatError.shapeMismatch(file: name, key: midKey, expected: [rank, rank, k, k], found: midShape)
        }
        let down = try file.finiteValues(downKey, in: name)
        let mid = try file.finiteValues(midKey, in: name)
        let spatial = k * k
        var merged = [Float](repeating: 0, count: rank * conv.inChannels * spatial)
        for a in 0..<rank {
            for b in 0..<rank {
                for s in 0..<spatial {
                    let m = mid[(a * rank + b) * spatial + s]
                    for i in 0..<conv.inChannels {
                        merged[(a * conv.inChannels + i) * spatial + s] += m * down[b * conv.inChannels + i]
                    }
                }
            }
        }
        return merged
    }

    // MARK: Keys

    enum TensorRole: Hashable {
        case down, up, alpha, mid
    }

    private struct ModuleKey: Hashable {
        let component: ModelComponent
        let path: String
        /// The module's name in the file (kohya name, or peft key stem).
        let fileName: String
    }

    private struct LayerID: Hashable {
        let component: ModelComponent
        let path: String
        init(_ component: ModelComponent, _ path: String) {
            self.component = component
            self.path = path
        }
    }

    private static let kohyaSuffixes: [(String, TensorRole)] = [
        (".lora_down.weight", .down), (".lora_up.weight", .up), (".alpha", .alpha), (".lora_mid.weight", .mid),
    ]

    private static let peftSuffixes: [(String, TensorRole)] = [
        (".lora_A.weight", .down), (".lora_B.weight", .up), (".lora.down.weight", .down), (".lora.up.weight", .up),
        (".lora_linear_layer.down.weight", .down), (".lora_linear_layer.up.weight", .up),
    ]

    static func kohyaPart(_ key: String) -> (String, TensorRole)? {
        for (suffix, role) in kohyaSuffixes where key.hasSuffix(suffix) {
            return (String(key.dropLast(suffix.count)), role)
        }
        return nil
    }

    static func peftPart(_ key: String) -> (String, TensorRole)? {
        var stem = key
        if stem.hasPrefix("base_model.model.") { stem.removeFirst("base_model.model.".count) }
        for (suffix, role) in peftSuffixes where stem.hasSuffix(suffix) {
            return (String(stem.dropLast(suffix.count)), role)
        }
        return nil
    }

    /// A peft module stem (`unet.down_blocks…`, `text_encoder.text_model.…`, or a bare path of a single model) to
    /// its layer. Text encoder paths may lack `text_model.` (diffusers with transformers 5 saves them so).
    static func peftLayer(_ stem: String, layout: LoRAModelLayout) -> AdaptableLayerDescription? {
        for component in [ModelComponent.textEncoder2, .textEncoder, .unet]
        where stem.hasPrefix(component.rawValue + ".") {
            let path = String(stem.dropFirst(component.rawValue.count + 1))
            return layout.layer(component, path)
                ?? (component == .unet ? nil : layout.layer(component, "text_model." + path))
        }
        // A bare peft model (`base_model.model.` stripped): the UNet's paths, else a lone text encoder's.
        return layout.layer(.unet, stem) ?? layout.layer(.textEncoder, stem)
            ?? layout.layer(.textEncoder, "text_model." + stem)
    }

    /// The key a module's missing down or up tensor would have, named after the tensor present.
    private static func missingKey(_ roles: [TensorRole: String], wanted: TensorRole) -> String {
        let present = roles[wanted == .down ? .up : .down] ?? roles[.alpha] ?? roles.values.first!
        for suffix in [".alpha", ".lora_mid.weight"] where present.hasSuffix(suffix) {
            return String(present.dropLast(suffix.count)) + (wanted == .down ? ".lora_down.weight" : ".lora_up.weight")
        }
        let pairs = [
            (".lora_down.", ".lora_up."), (".lora_A.", ".lora_B."), (".lora.down.", ".lora.up."),
            (".lora_linear_layer.down.", ".lora_linear_layer.up."),
        ]
        for (down, up) in pairs {
            let (from, to) = wanted == .down ? (up, down) : (down, up)
            if let range = present.range(of: from, options: .backwards) {
                return present.replacingCharacters(in: range, with: to)
            }
        }
        return present
    }

    /// The stored shape if it is the expected one, or differs only by trailing 1×1 dimensions (a Linear stored as
    /// a 1×1 convolution or the reverse, as SD 1.x/2.x `proj_in` files do); returns the expected shape.
    static func fit(_ found: [Int], _ expected: [Int], key: String, file: String) throws -> [Int] {
        func squeezed(_ shape: [Int]) -> [Int] {
            shape.count == 4 && shape[2] == 1 && shape[3] == 1 ? Array(shape[0..<2]) : shape
        }
        guard found == expected || squeezed(found) == squeezed(expected) else {
            throw LoRAFormatError.shapeMismatch(file: file, key: key, expected: expected, found: found)
        }
        return expected
    }
}

extension SafeTensorsFile {
    fileprivate func entry(_ key: String, in file: String) throws -> SafeTensorsEntry {
        guard let entry = self[key] else { throw LoRAFormatError.missingTensor(file: file, key: key) }
        return entry
    }

    /// The values, refusing NaNs and infinities, which would spread through every image.
    fileprivate func finiteValues(_ key: String, in file: String) throws -> [Float] {
        let values = try floatValues(key, in: file)
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw LoRAFormatError.invalidTensor(file: file, key: key, reason: "element \(index) is \(values[index])")
        }
        return values
    }

    fileprivate func floatValues(_ key: String, in file: String) throws -> [Float] {
        guard let entry = self[key], [.float32, .float16, .bfloat16, .float64].contains(entry.dtype) else {
            throw LoRAFormatError.invalidTensor(
                file: file, key: key, reason: "dtype \(self[key]?.dtype.rawValue ?? "?") is not a float type")
        }
        return try floats(key)
    }
}
