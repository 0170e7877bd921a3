/// One key's value on its way into a `TrainingConfig`.
struct ConfigEntry {
    var value: ConfigValue
    var origin: ValueOrigin
    /// The key to name in errors: what the user wrote (a GUI name when the value was derived from one).
    var reportKey: String
}
