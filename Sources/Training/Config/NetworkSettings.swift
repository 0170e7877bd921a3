/// `network_module`: the adapter implementations lorad trains.
public enum NetworkModule: String, Sendable, CaseIterable {
    /// sd-scripts' `networks.lora`: LoRA on attention and MLP layers, and LoCon on convolutions when
    /// `network_args` has `conv_dim`.
    case lora = "networks.lora"
    /// LyCORIS' `lycoris.kohya` with `algo=locon` (LoRA on linear and convolution layers).
    case lycorisLoCon = "lycoris.kohya"
}

/// The `network_args` lorad understands, parsed from sd-scripts' `key=value` list.
public struct NetworkArguments: Sendable, Equatable {
    /// `conv_dim`: rank of the LoCon adapters on 3×3 convolutions; `nil` trains no convolution.
    public var convDim: Int?
    /// `conv_alpha`: their alpha; sd-scripts uses 1 when `conv_dim` is given without it.
    public var convAlpha: Double?
    /// `rank_dropout`: probability of dropping each rank of the adapter's hidden value, in [0, 1).
    public var rankDropout: Double?
    /// `module_dropout`: probability of skipping a whole adapter for a step, in [0, 1).
    public var moduleDropout: Double?
    /// `algo` for `lycoris.kohya`; lorad supports `locon`.
    public var algo: String?
    /// The entries as written, for the `ss_network_args` metadata.
    public var raw: [KeyValueArgument]

    public init(
        convDim: Int? = nil, convAlpha: Double? = nil, rankDropout: Double? = nil, moduleDropout: Double? = nil,
        algo: String? = nil, raw: [KeyValueArgument] = []
    ) {
        self.convDim = convDim
        self.convAlpha = convAlpha
        self.rankDropout = rankDropout
        self.moduleDropout = moduleDropout
        self.algo = algo
        self.raw = raw
    }

    /// The alpha of the convolution adapters as sd-scripts' `create_network` settles it (1 when unset).
    public var effectiveConvAlpha: Double? { convDim == nil ? nil : (convAlpha ?? 1) }

    /// Keys of LyCORIS' `lycoris.kohya` that the kohya GUI always writes; accepted at their neutral value.
    static let lycorisNeutralKeys: [String: Set<String>] = [
        "preset": ["full"],
        "use_tucker": ["False", "false"], "use_scalar": ["False", "false"], "bypass_mode": ["False", "false"],
        "dora_wd": ["False", "false"], "rank_dropout_scale": ["False", "false"], "train_norm": ["False", "false"],
        "use_cp": ["False", "false"], "decompose_both": ["False", "false"],
    ]

    /// Parses `entries` for `module`; problems are returned as messages (the caller names the key).
    static func parse(_ entries: [KeyValueArgument], module: NetworkModule) -> (NetworkArguments, [String]) {
        var arguments = NetworkArguments(raw: entries)
        var problems: [String] = []
        func number(_ entry: KeyValueArgument, _ range: String, _ accepts: (Double) -> Bool) -> Double? {
            guard let value = Double(entry.value.trimmingQuotes), value.isFinite, accepts(value) else {
                problems.append("\(entry.key)=\(entry.value): expected a number \(range)")
                return nil
            }
            return value
        }
        for entry in entries {
            switch entry.key {
            case "conv_dim":
                if let value = number(entry, "≥ 1 (an integer)", { $0 >= 1 && $0 == $0.rounded() }) {
                    arguments.convDim = Int(value)
                }
            case "conv_alpha":
                if let value = number(entry, "> 0", { $0 > 0 }) { arguments.convAlpha = value }
            case "rank_dropout":
                if let value = number(entry, "in [0, 1)", { $0 >= 0 && $0 < 1 }) { arguments.rankDropout = value }
            case "module_dropout":
                if let value = number(entry, "in [0, 1)", { $0 >= 0 && $0 < 1 }) { arguments.moduleDropout = value }
            case "algo" where module == .lycorisLoCon:
                let algo = entry.value.trimmingQuotes
                if algo == "locon" || algo == "lora" {
                    arguments.algo = "locon"
                } else {
                    problems.append("algo=\(algo): lorad trains LyCORIS algo=locon only")
                }
            case let key where module == .lycorisLoCon && lycorisNeutralKeys[key] != nil:
                if !lycorisNeutralKeys[key]!.contains(entry.value.trimmingQuotes) {
                    problems.append(
                        "\(entry.key)=\(entry.value): not supported by lorad (accepted only as "
                            + lycorisNeutralKeys[key]!.sorted().joined(separator: " or ") + ")")
                }
            default:
                let supported =
                    module == .lora
                    ? "conv_dim, conv_alpha, rank_dropout, module_dropout"
                    : "algo, conv_dim, conv_alpha, rank_dropout, module_dropout, preset=full"
                problems.append(
                    "\(entry.key): network argument not supported by lorad for \(module.rawValue) (supported: \(supported))"
                )
            }
        }
        if module == .lycorisLoCon, arguments.algo == nil {
            // LyCORIS' own default algo is lora, which with conv_dim is LoCon.
            arguments.algo = "locon"
        }
        return (arguments, problems)
    }
}

extension String {
    /// The GUI quotes some values (`conv_dim="8"`); sd-scripts passes them through its shell, which drops the quotes.
    var trimmingQuotes: String {
        var text = Substring(self)
        while let first = text.first, first == "\"" || first == "'", text.last == first, text.count >= 2 {
            text = text.dropFirst().dropLast()
        }
        return String(text)
    }
}
