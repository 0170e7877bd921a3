import Foundation

/// Per-module alphas of a diffusers/peft file, from the `LoraConfig` fields diffusers stores under
/// `lora_adapter_metadata` (`<component>.lora_alpha`, `.alpha_pattern`, `.use_rslora`). peft matches a pattern key
/// against a module name as the regular expression `(.*\.)?(key)$` (`peft/utils/other.py:get_pattern_key`).
struct PeftAlphas {
    private struct ComponentConfig {
        var alpha: Float?
        var patterns: [(NSRegularExpression, Float)] = []
        var rsLoRA = false
    }

    private var configs: [ModelComponent: ComponentConfig] = [:]

    /// `nil` when the file has no `lora_adapter_metadata`, whose modules then have alpha = rank.
    init?(metadata: [String: String], file: String) throws {
        let key = "lora_adapter_metadata"
        guard let raw = metadata[key] else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] else {
            throw LoRAFormatError.invalidMetadata(file: file, key: key, reason: "not a JSON object")
        }
        func number(_ value: Any?, _ field: String) throws -> Float? {
            guard let value, !(value is NSNull) else { return nil }
            guard let number = value as? NSNumber, !(value is Bool), number.floatValue.isFinite else {
                throw LoRAFormatError.invalidMetadata(file: file, key: key, reason: "\(field) is not a number")
            }
            return number.floatValue
        }
        for component in ModelComponent.allCases {
            let prefix = component.rawValue + "."
            var config = ComponentConfig()
            config.alpha = try number(object[prefix + "lora_alpha"], prefix + "lora_alpha")
            config.rsLoRA = object[prefix + "use_rslora"] as? Bool ?? false
            if let patterns = object[prefix + "alpha_pattern"] as? [String: Any] {
                for (pattern, value) in patterns.sorted(by: { $0.key < $1.key }) {
                    guard let alpha = try number(value, prefix + "alpha_pattern." + pattern),
                        let regex = try? NSRegularExpression(pattern: "^(.*\\.)?(\(pattern))$")
                    else {
                        throw LoRAFormatError.invalidMetadata(
                            file: file, key: key, reason: "\(prefix)alpha_pattern entry '\(pattern)' is not usable")
                    }
                    config.patterns.append((regex, alpha))
                }
            }
            configs[component] = config
        }
    }

    /// The alpha of the module at `path` (as named in the file) of `component`, for its `rank`; rsLoRA's
    /// `alpha/√r` scale is returned as the equivalent `alpha·√r / r`.
    func alpha(component: ModelComponent, path: String, rank: Int) -> Float? {
        guard let config = configs[component] else { return nil }
        var bare = path
        if bare.hasPrefix(component.rawValue + ".") { bare.removeFirst(component.rawValue.count + 1) }
        let range = NSRange(bare.startIndex..., in: bare)
        let alpha = config.patterns.first { $0.0.firstMatch(in: bare, range: range) != nil }?.1 ?? config.alpha
        guard let alpha else { return nil }
        return config.rsLoRA ? alpha * Float(rank).squareRoot() : alpha
    }
}
