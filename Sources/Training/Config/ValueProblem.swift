/// What is wrong with one value, before the caller knows which key or line it belongs to.
struct ValueProblem: Error {
    let message: String

    init(_ message: String) { self.message = message }
}
