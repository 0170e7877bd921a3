/// An option value whose written form is not its description: it gives the value a config file would hold.
protocol ConfigValueConvertible {
    var configValue: ConfigValue { get }
}

extension LearningRateSchedule.StepCount: ConfigValueConvertible {
    var configValue: ConfigValue {
        switch self {
        case .steps(let count): .integer(count)
        case .fraction(let ratio): .double(ratio)
        }
    }
}

extension NetworkArguments: ConfigValueConvertible {
    var configValue: ConfigValue { .array(raw.map { .string($0.description) }) }
}

extension SamplePromptSource: ConfigValueConvertible {
    var configValue: ConfigValue {
        switch self {
        case .file(let path): .string(path)
        case .text(let text): .string(text)
        case .lines(let lines): .array(lines.map(ConfigValue.string))
        }
    }
}
