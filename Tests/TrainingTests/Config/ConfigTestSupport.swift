import Testing

@testable import Training

/// The required options but `resolution`, for tests that set it themselves.
let requiredWithoutResolution = """
    pretrained_model_name_or_path = "/models/sd15.safetensors"
    train_data_dir = "/data/img"

    """

/// The three required options, so a test can add only what it checks.
let requiredTOML = requiredWithoutResolution + "resolution = 512\n"

/// Parses TOML text whose relative paths resolve against `/base`, overrides against `/work`.
func loadTOML(_ text: String, overrides: [String] = []) throws(ConfigError) -> LoadedTrainingConfig {
    try TrainingConfig.parse(
        text, format: .toml, baseDirectory: "/base", overrides: overrides, workingDirectory: "/work")
}

/// The issues a config raises, or none when it loads.
func issues(_ text: String, overrides: [String] = []) -> [ConfigIssue] {
    do {
        _ = try loadTOML(text, overrides: overrides)
        return []
    } catch {
        return error.issues
    }
}
