/// Where the preview prompts come from (`sample_prompts` in the config).
public enum SamplePromptSource: Sendable, Equatable {
    /// A prompt file as sd-scripts reads it, by extension: `.txt` (one line per prompt), `.toml`
    /// (`[prompt]` defaults with `[[prompt.subset]]` entries) or `.json` (a list of lines or of dicts).
    case file(String)
    /// Prompt text in the `.txt` syntax: what the kohya GUI stores in `sample_prompts` (it writes the text to
    /// `sample/prompt.txt` before calling sd-scripts).
    case text(String)
    /// lorad's extension: a list of prompt lines, each parsed like a `.json` file's string entries (not stripped).
    case lines([String])
}
