/// The names the kohya GUI (bmaltais/kohya_ss) writes in its saved `.json` configs, turned into sd-scripts options
/// the way the GUI's `lora_gui.py: train_model` turns them into the TOML it hands to sd-scripts:
///
/// | GUI key | sd-scripts option | conversion |
/// |---|---|---|
/// | `max_resolution` | `resolution` | same text |
/// | `optimizer` | `optimizer_type` | same name |
/// | `epoch` | `max_train_epochs` | only when neither `max_train_steps` nor `max_train_epochs` is set (non-zero); the GUI then derives the steps from the epochs |
/// | `lr_warmup` | `lr_warmup_steps` | a percentage of the total steps → the fraction `lr_warmup / 100`; a non-zero `lr_warmup_steps` wins (GUI `resolve_lr_warmup_steps`) |
/// | `LoRA_type` | `network_module`, `network_args` | `Standard` → `networks.lora`; `Kohya LoCon` → `networks.lora` with `conv_dim`/`conv_alpha`; `LoCon`, `LyCORIS/LoCon` → `lycoris.kohya` with `algo=locon`, `preset`, `conv_dim`, `conv_alpha`; the GUI's top-level `rank_dropout`/`module_dropout` join `network_args` when non-zero |
/// | `lora_network_weights` | `network_weights` | same path (older GUI name) |
/// | `noise_offset_type` | — | `Original` drops the multires settings, `Multires` drops `noise_offset`, as the GUI does |
/// | `caption_extention` | `caption_extension` | sd-scripts' own misspelt alias |
/// | `pretrained_model`, `batch_size` | `pretrained_model_name_or_path`, `train_batch_size` | short names GUIs and guides use |
/// | `use_8bit_adam`, `use_lion_optimizer` | `optimizer_type` | `AdamW8bit`, `Lion` (sd-scripts' old flags) |
///
/// A GUI config is recognised by its `LoRA_type` key; in one, the GUI's conventions also apply: `seed` 0 means a
/// random seed, `unet_lr` / `text_encoder_lr` 0 mean "not set", and which of them is 0 decides
/// `network_train_unet_only` / `network_train_text_encoder_only` (GUI `resolve_network_train_flags`); and
/// `sample_prompts` holds the prompt text itself rather than a file name.
enum KohyaGUIKeys {
    static let renamed: [String: String] = [
        "max_resolution": "resolution", "optimizer": "optimizer_type", "lora_network_weights": "network_weights",
        "caption_extention": "caption_extension", "pretrained_model": "pretrained_model_name_or_path",
        "batch_size": "train_batch_size",
    ]

    /// Keys this type reads and removes (besides `renamed`).
    static let consumed: Set<String> = [
        "epoch", "lr_warmup", "LoRA_type", "conv_dim", "conv_alpha", "rank_dropout", "module_dropout",
        "LyCORIS_preset", "noise_offset_type", "use_8bit_adam", "use_lion_optimizer",
    ]

    /// The sd-scripts options each GUI key sets, so an override of either side replaces the other.
    static let targets: [String: [String]] = [
        "max_resolution": ["resolution"], "optimizer": ["optimizer_type"], "lora_network_weights": ["network_weights"],
        "caption_extention": ["caption_extension"], "epoch": ["max_train_epochs"], "lr_warmup": ["lr_warmup_steps"],
        "LoRA_type": ["network_module", "network_args"], "use_8bit_adam": ["optimizer_type"],
        "use_lion_optimizer": ["optimizer_type"], "pretrained_model": ["pretrained_model_name_or_path"],
        "batch_size": ["train_batch_size"],
    ]

    /// Rewrites GUI keys in `entries` into sd-scripts options.
    static func translate(
        _ entries: inout [String: ConfigEntry], notices: inout [ConfigNotice], issues: inout [ConfigIssue]
    ) {
        let guiOrigin = entries["LoRA_type"]?.origin
        var translator = Translator(entries: entries)

        for (guiKey, option) in renamed.sorted(by: { $0.key < $1.key }) {
            if let entry = translator.take(guiKey) { translator.derive(option, entry.value, from: entry) }
        }
        for (guiKey, optimizer) in [("use_8bit_adam", "AdamW8bit"), ("use_lion_optimizer", "Lion")] {
            guard let entry = translator.take(guiKey) else { continue }
            if entry.value == .bool(true) {
                translator.derive("optimizer_type", .string(optimizer), from: entry)
            } else if entry.value != .bool(false) {
                translator.issues.append(
                    ConfigIssue(key: guiKey, message: "expected true or false, got \(entry.value)"))
            }
        }
        translator.translateEpoch()
        translator.translateWarmup()
        translator.translateNoiseType()
        translator.translateNetwork()
        if let guiOrigin { translator.applyGUIConventions(origin: guiOrigin) }

        entries = translator.entries
        notices += translator.notices
        issues += translator.issues
    }

    private struct Translator {
        var entries: [String: ConfigEntry]
        var notices: [ConfigNotice] = []
        var issues: [ConfigIssue] = []

        init(entries: [String: ConfigEntry]) { self.entries = entries }

        mutating func take(_ key: String) -> ConfigEntry? { entries.removeValue(forKey: key) }

        /// Whether `key` is set to something other than off (absent, blank or 0).
        func isSet(_ key: String) -> Bool {
            guard let value = entries[key]?.value, !ConfigValueReading.isUnset(value) else { return false }
            return value.number.map { $0 != 0 } ?? (value != .string("0"))
        }

        /// Sets `option` from a GUI key. A blank on either side gives way (GUI configs carry old and new names, one
        /// of them empty); otherwise an explicit `option` from the same kind of source is a conflict, and an
        /// override beats a file value either way.
        mutating func derive(_ option: String, _ value: ConfigValue, from source: ConfigEntry) {
            if ConfigValueReading.isUnset(value) { return }
            if let explicit = entries[option], !ConfigValueReading.isUnset(explicit.value) {
                if explicit.origin.isOverride && !source.origin.isOverride { return }
                if explicit.origin.isOverride == source.origin.isOverride {
                    issues.append(
                        ConfigIssue(
                            key: source.reportKey,
                            message: "sets \(option) (kohya GUI name), which is also given; keep one of them"))
                    return
                }
            }
            entries[option] = ConfigEntry(value: value, origin: source.origin, reportKey: source.reportKey)
        }

        mutating func translateEpoch() {
            guard let epoch = take("epoch") else { return }
            if isSet("max_train_steps") || isSet("max_train_epochs") {
                notices.append(
                    ConfigNotice(
                        key: "epoch",
                        message: "ignored: max_train_steps or max_train_epochs is given, as in the kohya GUI"))
            } else if !ConfigValueReading.isUnset(epoch.value) {
                entries.removeValue(forKey: "max_train_epochs")
                derive("max_train_epochs", epoch.value, from: epoch)
            }
        }

        mutating func translateWarmup() {
            guard let warmup = take("lr_warmup") else { return }
            if ConfigValueReading.isUnset(warmup.value) { return }
            let percentRange = NumberRange(lower: 0, lowerInclusive: true, upper: 100, upperInclusive: true)
            let percent: Double
            do {
                percent = try ConfigValueReading.number(warmup.value, percentRange)
            } catch {
                issues.append(
                    ConfigIssue(key: "lr_warmup", message: error.message + " (a percentage of the total steps)"))
                return
            }
            if isSet("lr_warmup_steps") {
                if percent != 0 {
                    notices.append(
                        ConfigNotice(
                            key: "lr_warmup", message: "ignored: lr_warmup_steps is given and wins, as in the kohya GUI"
                        ))
                }
            } else if percent != 0 {
                entries.removeValue(forKey: "lr_warmup_steps")
                derive("lr_warmup_steps", .string("\(percent)%"), from: warmup)
            }
        }

        mutating func translateNoiseType() {
            guard let type = take("noise_offset_type") else { return }
            let inactive: [String]
            switch type.value {
            case .string("Original"): inactive = ["multires_noise_iterations", "multires_noise_discount"]
            case .string("Multires"):
                inactive = ["noise_offset", "adaptive_noise_scale", "noise_offset_random_strength"]
            default:
                issues.append(
                    ConfigIssue(
                        key: "noise_offset_type", message: "\(type.value) is not one of \"Original\", \"Multires\""))
                return
            }
            for key in inactive where take(key) != nil {
                notices.append(ConfigNotice(key: key, message: "ignored: noise_offset_type is \(type.value)"))
            }
        }

        mutating func translateNetwork() {
            let parts = ["conv_dim", "conv_alpha", "rank_dropout", "module_dropout", "LyCORIS_preset"]
            guard let type = take("LoRA_type") else {
                for key in parts where take(key) != nil {
                    notices.append(
                        ConfigNotice(
                            key: key, message: "a kohya GUI setting used only with LoRA_type; give it in network_args"))
                }
                return
            }
            var given: [String: ConfigEntry] = [:]
            for key in parts { given[key] = take(key) }
            func argument(_ key: String, as name: String? = nil, whenZero: Bool = false) -> ConfigValue? {
                guard let value = given[key]?.value, !ConfigValueReading.isUnset(value) else { return nil }
                if !whenZero, value.number == 0 || value == .string("0") { return nil }
                let text: String
                switch value {
                case .string(let string): text = string
                case .double(let number) where number == number.rounded(): text = String(Int(number))
                default: text = value.description
                }
                return .string("\(name ?? key)=\(text)")
            }
            let module: NetworkModule
            var arguments: [ConfigValue] = []
            switch type.value {
            case .string("Standard"):
                module = .lora
            case .string("Kohya LoCon"):
                module = .lora
                arguments += [argument("conv_dim"), argument("conv_alpha")].compactMap { $0 }
            case .string("LoCon"), .string("LyCORIS/LoCon"):
                module = .lycorisLoCon
                arguments += [argument("LyCORIS_preset", as: "preset"), argument("conv_dim"), argument("conv_alpha")]
                    .compactMap { $0 }
                arguments.append(.string("algo=locon"))
            default:
                issues.append(
                    ConfigIssue(
                        key: "LoRA_type",
                        message:
                            "\(type.value) is not supported; lorad trains \"Standard\", \"Kohya LoCon\" and \"LyCORIS/LoCon\""
                    ))
                return
            }
            arguments += [argument("rank_dropout"), argument("module_dropout")].compactMap { $0 }
            for key in parts where given[key] != nil && !arguments.contains(where: { argumentKey($0) == key }) {
                if key == "LyCORIS_preset" && module == .lycorisLoCon { continue }
                notices.append(
                    ConfigNotice(key: key, message: "not used with LoRA_type \(type.value), as in the kohya GUI"))
            }
            derive("network_module", .string(module.rawValue), from: type)
            if !arguments.isEmpty { derive("network_args", .array(arguments), from: type) }
        }

        private func argumentKey(_ value: ConfigValue) -> String? {
            guard case .string(let text) = value else { return nil }
            return text.split(separator: "=").first.map(String.init)
        }

        /// The GUI's meaning of zeros in its own JSON.
        mutating func applyGUIConventions(origin: ValueOrigin) {
            if let seed = entries["seed"], seed.value.integer == 0 || seed.value == .string("0") {
                entries["seed"]?.value = .null
            }
            func rate(_ key: String) -> Double {
                guard let value = entries[key]?.value else { return 0 }
                return (try? ConfigValueReading.number(value, .atLeast(0))) ?? 0
            }
            let textEncoder = rate("text_encoder_lr")
            let unet = rate("unet_lr")
            if textEncoder == 0, entries["text_encoder_lr"] != nil { entries["text_encoder_lr"]?.value = .null }
            if unet == 0, entries["unet_lr"] != nil { entries["unet_lr"]?.value = .null }
            let source = ConfigEntry(value: .null, origin: origin, reportKey: "unet_lr")
            if textEncoder == 0 && unet != 0 {
                derive("network_train_unet_only", .bool(true), from: source)
            } else if textEncoder != 0 && unet == 0 {
                derive("network_train_text_encoder_only", .bool(true), from: source)
            }
        }
    }
}
