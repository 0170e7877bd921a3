import Foundation

/// Training resolution, sd-scripts' `resolution`: `"512"` (square) or `"width,height"`.
public struct Resolution: Sendable, Equatable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Parses `"512"`, `"768,512"` (width, height, as sd-scripts' `prepare_dataset_args` splits it); spaces around
    /// the numbers are allowed. `nil` when it is not one or two integers.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0 != nil }) else { return nil }
        self.init(width: parts[0]!, height: parts.count == 2 ? parts[1]! : parts[0]!)
    }

    public var description: String { width == height ? "\(width)" : "\(width),\(height)" }
}

/// `mixed_precision`: the dtype of the frozen weights and activations.
public enum MixedPrecision: String, Sendable, CaseIterable {
    case no, fp16, bf16
}

/// `save_precision`: the dtype of the saved LoRA tensors.
public enum SavePrecision: String, Sendable, CaseIterable {
    case float, fp16, bf16
}

/// `save_model_as`: lorad writes `.safetensors` only (sd-scripts also offers `ckpt` and `pt`).
public enum SaveModelFormat: String, Sendable, CaseIterable {
    case safetensors
}

/// lorad's `device`: where training runs.
public enum DeviceSelection: Sendable, Equatable, CustomStringConvertible {
    /// A GPU when one is found, else the CPU.
    case auto
    case cpu
    /// The CUDA device with this ordinal (`"cuda"` is `cuda:0`).
    case cuda(Int)

    /// Parses `auto`, `cpu`, `cuda`, `cuda:N`.
    public init?(parsing text: String) {
        switch text {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "cuda": self = .cuda(0)
        default:
            let digits = text.dropFirst(5)
            guard text.hasPrefix("cuda:"), !digits.isEmpty, digits.count <= 4,
                digits.allSatisfy({ ("0"..."9").contains($0) }), let ordinal = Int(digits)
            else { return nil }
            self = .cuda(ordinal)
        }
    }

    public var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .cuda(let ordinal): "cuda:\(ordinal)"
        }
    }
}

/// One `key=value` entry of `optimizer_args` or `network_args`, split at the first `=` as sd-scripts does.
public struct KeyValueArgument: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Parses `"key=value"`; `nil` without `=` or with an empty key.
    public init?(parsing text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { return nil }
        self.init(key: key, value: String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces))
    }

    public var description: String { "\(key)=\(value)" }
}
