/// A bad command-line argument, found after parsing (an unknown sampler, a model that does not load, …).
/// `lorad` prints it as one line on stderr and exits with status 2, as it does for parse errors.
struct UsageError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
