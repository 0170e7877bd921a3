import Foundation

/// A loaded configuration and the notices about keys it accepted without using.
public struct LoadedTrainingConfig: Sendable, Equatable {
    public var config: TrainingConfig
    public var notices: [ConfigNotice]
}

extension TrainingConfig {
    /// Loads `lorad train --config FILE`: TOML or JSON by the file's extension (`.toml`, `.json`) or, failing that,
    /// by its content; then applies `overrides` (`key=value`, later ones win) and checks everything. Relative paths
    /// in the file are resolved against the file's folder; in overrides, against `workingDirectory`.
    ///
    /// Keys may be sd-scripts' option names (tables are merged, as sd-scripts does) or the names the kohya GUI
    /// writes (see `KohyaGUIKeys`). Throws every problem at once.
    public static func load(
        path: String, overrides: [String] = [],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> LoadedTrainingConfig {
        let absolute = absoluteURL(of: path, workingDirectory: workingDirectory)
        let options = try fileOptions(path: path, workingDirectory: workingDirectory)
        do {
            return try build(
                file: options, baseDirectory: absolute.deletingLastPathComponent().path, overrides: overrides,
                workingDirectory: workingDirectory)
        } catch {
            throw ConfigError(issues: error.issues, file: path)
        }
    }

    /// The options of a config file as `load` reads them before checking anything: TOML or JSON as `load` detects
    /// it, tables merged into the top level, values as written (relative paths not yet resolved).
    public static func fileOptions(
        path: String, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> [String: ConfigValue] {
        let absolute = absoluteURL(of: path, workingDirectory: workingDirectory)
        guard let data = FileManager.default.contents(atPath: absolute.path) else {
            throw ConfigError(issues: [ConfigIssue(key: "", message: "cannot read the file")], file: path)
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(key: "", message: "not UTF-8 text")], file: path)
        }
        do {
            return try ConfigFileFormat.detect(path: path, content: content).parse(content)
        } catch {
            throw ConfigError(issues: error.issues, file: path)
        }
    }

    private static func absoluteURL(of path: String, workingDirectory: String) -> URL {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: workingDirectory, isDirectory: true))
            .standardizedFileURL
    }

    /// Parses configuration text; `baseDirectory` resolves its relative paths.
    public static func parse(
        _ content: String, format: ConfigFileFormat, baseDirectory: String, overrides: [String] = [],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigError) -> LoadedTrainingConfig {
        try build(
            file: try format.parse(content), baseDirectory: baseDirectory, overrides: overrides,
            workingDirectory: workingDirectory)
    }

    /// Builds a config from options already decoded, such as the server's job JSON.
    public static func decode(options: [String: ConfigValue], baseDirectory: String) throws(ConfigError)
        -> LoadedTrainingConfig
    {
        try build(file: options, baseDirectory: baseDirectory, overrides: [], workingDirectory: baseDirectory)
    }

    private static func build(
        file: [String: ConfigValue], baseDirectory: String, overrides: [String], workingDirectory: String
    ) throws(ConfigError) -> LoadedTrainingConfig {
        var issues: [ConfigIssue] = []
        var notices: [ConfigNotice] = []
        let fileOrigin = ValueOrigin(
            baseDirectory: baseDirectory, isOverride: false, isGUIConfig: file["LoRA_type"] != nil)
        var entries = file.reduce(into: [String: ConfigEntry]()) { entries, item in
            entries[item.key] = ConfigEntry(value: item.value, origin: fileOrigin, reportKey: item.key)
        }
        let overrideOrigin = ValueOrigin(baseDirectory: workingDirectory, isOverride: true)
        for text in overrides {
            do {
                let (key, value) = try ConfigOverride.parse(text)
                // An override replaces the file's value under either name, sd-scripts' or the GUI's.
                for (guiKey, options) in KohyaGUIKeys.targets where guiKey == key || options.contains(key) {
                    if entries[guiKey]?.origin.isOverride == false { entries.removeValue(forKey: guiKey) }
                    for option in options where guiKey == key && entries[option]?.origin.isOverride == false {
                        entries.removeValue(forKey: option)
                    }
                }
                entries[key] = ConfigEntry(value: value, origin: overrideOrigin, reportKey: key)
            } catch {
                issues.append(error)
            }
        }

        KohyaGUIKeys.translate(&entries, notices: &notices, issues: &issues)

        var config = TrainingConfig()
        let options = ConfigOptions.all
        for key in entries.keys.sorted() {
            let entry = entries[key]!
            if let option = options[key] {
                if ConfigValueReading.isUnset(entry.value) {
                    option.reset(&config)
                } else {
                    do {
                        try option.apply(entry.value, &config, entry.origin)
                    } catch {
                        issues.append(ConfigIssue(key: entry.reportKey, message: error.message))
                    }
                }
            } else if let reason = IgnoredOptions.noEffect[key] {
                notices.append(ConfigNotice(key: key, message: "no effect in lorad: \(reason)"))
            } else if IgnoredOptions.guiOnly.contains(key) {
                notices.append(ConfigNotice(key: key, message: "a kohya GUI setting with no effect in lorad"))
            } else if IgnoredOptions.unsupported[key] != nil {
                if IgnoredOptions.isOff(entry.value, key: key) {
                    notices.append(
                        ConfigNotice(key: key, message: "not implemented by lorad; accepted because it is off"))
                } else {
                    issues.append(
                        ConfigIssue(
                            key: key,
                            message: "\(entry.value) is not supported by lorad; remove the option or turn it off"))
                }
            } else {
                issues.append(ConfigIssue(key: key, message: unknownKeyMessage(key)))
            }
        }

        ConfigValidation.validate(&config, notices: &notices, issues: &issues)
        guard issues.isEmpty else { throw ConfigError(issues: issues) }
        return LoadedTrainingConfig(config: config, notices: notices)
    }

    /// Every option lorad implements with the value this config holds, defaults included: what a job really runs
    /// with.
    public var effectiveOptions: [String: ConfigValue] {
        ConfigOptions.all.mapValues { $0.read(self) }
    }

    private static func unknownKeyMessage(_ key: String) -> String {
        let others =
            Array(IgnoredOptions.noEffect.keys) + Array(IgnoredOptions.guiOnly)
            + Array(IgnoredOptions.unsupported.keys) + Array(KohyaGUIKeys.renamed.keys) + Array(KohyaGUIKeys.consumed)
        let options = Array(ConfigOptions.all.keys)
        guard let suggestion = KeySuggestion.nearest(to: key, options: options, others: others)
        else { return "unknown option" }
        return "unknown option; did you mean \"\(suggestion)\"?"
    }
}
