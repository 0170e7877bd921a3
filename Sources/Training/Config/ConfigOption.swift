/// How an option's value is written in an override (`--set key=value`), which has no types of its own.
enum OptionKind {
    case bool, integer, number, string, numberList, stringList
}

/// Where a value came from, for resolving relative paths.
struct ValueOrigin {
    /// The folder relative paths are resolved against: the config file's, or the working directory for overrides.
    let baseDirectory: String
    let isOverride: Bool
    /// Whether the value comes from a kohya GUI config (one with `LoRA_type`), whose `sample_prompts` is prompt text.
    var isGUIConfig = false
}

/// One sd-scripts option lorad implements: its name, how overrides are typed, and how a value is checked and stored.
struct ConfigOption {
    let name: String
    let kind: OptionKind
    /// Stores `value`; a blank value (null or `""`) has been turned into a reset before this is called.
    let apply: (ConfigValue, inout TrainingConfig, ValueOrigin) throws(ValueProblem) -> Void
    /// Puts the default back.
    let reset: (inout TrainingConfig) -> Void
    /// The value the config holds now, as it would be written (for showing a job's effective options).
    let read: (TrainingConfig) -> ConfigValue

    private static func reading<Value>(_ field: WritableKeyPath<TrainingConfig, Value>) -> (TrainingConfig) ->
        ConfigValue
    {
        { ConfigValue(reflecting: $0[keyPath: field]) }
    }

    private static func resetting<Value>(_ field: WritableKeyPath<TrainingConfig, Value>) -> (inout TrainingConfig) ->
        Void
    {
        { $0[keyPath: field] = TrainingConfig()[keyPath: field] }
    }

    static func flag(_ name: String, _ field: WritableKeyPath<TrainingConfig, Bool>) -> ConfigOption {
        ConfigOption(
            name: name, kind: .bool,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.bool(value)
            }, reset: resetting(field), read: reading(field))
    }

    static func integer(_ name: String, _ field: WritableKeyPath<TrainingConfig, Int>, _ range: NumberRange)
        -> ConfigOption
    {
        ConfigOption(
            name: name, kind: .integer,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.integer(value, range)
            }, reset: resetting(field), read: reading(field))
    }

    /// An optional integer; with `zeroUnsets`, 0 means "off" as in the kohya GUI (and, for these options, in
    /// sd-scripts, where 0 disables or is invalid).
    static func optionalInteger(
        _ name: String, _ field: WritableKeyPath<TrainingConfig, Int?>, _ range: NumberRange, zeroUnsets: Bool = false
    ) -> ConfigOption {
        ConfigOption(
            name: name, kind: .integer,
            apply: { value, config, _ throws(ValueProblem) in
                if zeroUnsets, value.integer == 0 || value == .string("0") {
                    config[keyPath: field] = nil
                } else {
                    config[keyPath: field] = try ConfigValueReading.integer(value, range)
                }
            }, reset: resetting(field), read: reading(field))
    }

    static func number(_ name: String, _ field: WritableKeyPath<TrainingConfig, Double>, _ range: NumberRange)
        -> ConfigOption
    {
        ConfigOption(
            name: name, kind: .number,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.number(value, range)
            }, reset: resetting(field), read: reading(field))
    }

    static func optionalNumber(
        _ name: String, _ field: WritableKeyPath<TrainingConfig, Double?>, _ range: NumberRange,
        zeroUnsets: Bool = false
    ) -> ConfigOption {
        ConfigOption(
            name: name, kind: .number,
            apply: { value, config, _ throws(ValueProblem) in
                let number = try ConfigValueReading.number(value, zeroUnsets ? .atLeast(0) : range)
                if zeroUnsets, number == 0 {
                    config[keyPath: field] = nil
                } else {
                    guard range.contains(number) else {
                        throw ValueProblem("\(number) is out of range: expected a number \(range.description)")
                    }
                    config[keyPath: field] = number
                }
            }, reset: resetting(field), read: reading(field))
    }

    static func text(_ name: String, _ field: WritableKeyPath<TrainingConfig, String>) -> ConfigOption {
        ConfigOption(
            name: name, kind: .string,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.string(value)
            }, reset: resetting(field), read: reading(field))
    }

    static func optionalText(_ name: String, _ field: WritableKeyPath<TrainingConfig, String?>) -> ConfigOption {
        ConfigOption(
            name: name, kind: .string,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.string(value)
            }, reset: resetting(field), read: reading(field))
    }

    static func path(_ name: String, _ field: WritableKeyPath<TrainingConfig, String?>) -> ConfigOption {
        ConfigOption(
            name: name, kind: .string,
            apply: { value, config, origin throws(ValueProblem) in
                config[keyPath: field] = try ConfigValueReading.path(value, base: origin.baseDirectory)
            }, reset: resetting(field), read: reading(field))
    }

    static func choice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ field: WritableKeyPath<TrainingConfig, Choice>
    ) -> ConfigOption where Choice.RawValue == String {
        ConfigOption(
            name: name, kind: .string,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try parseChoice(value, Choice.self)
            }, reset: resetting(field), read: reading(field))
    }

    static func optionalChoice<Choice: RawRepresentable & CaseIterable>(
        _ name: String, _ field: WritableKeyPath<TrainingConfig, Choice?>
    ) -> ConfigOption where Choice.RawValue == String {
        ConfigOption(
            name: name, kind: .string,
            apply: { value, config, _ throws(ValueProblem) in
                config[keyPath: field] = try parseChoice(value, Choice.self)
            }, reset: resetting(field), read: reading(field))
    }

    static func parseChoice<Choice: RawRepresentable & CaseIterable>(_ value: ConfigValue, _: Choice.Type)
        throws(ValueProblem) -> Choice where Choice.RawValue == String
    {
        let text = try ConfigValueReading.string(value)
        guard let choice = Choice(rawValue: text) else {
            let names = Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ValueProblem("\"\(text)\" is not one of \(names)")
        }
        return choice
    }

    static func custom(
        _ name: String, _ kind: OptionKind, _ field: WritableKeyPath<TrainingConfig, some Any>,
        _ apply: @escaping (ConfigValue, inout TrainingConfig, ValueOrigin) throws(ValueProblem) -> Void
    ) -> ConfigOption {
        ConfigOption(name: name, kind: kind, apply: apply, reset: resetting(field), read: reading(field))
    }
}
