/// Everything wrong with the weights of one component, gathered while the model is built.
public struct ParameterProblems: Equatable, Sendable, CustomStringConvertible {
    /// A parameter stored with other dimensions than the architecture needs.
    public struct Misshapen: Equatable, Sendable {
        public var name: String
        public var expected: [Int]
        public var found: [Int]
    }

    /// Parameters the architecture needs and the file lacks (file names, with the model's name where it differs).
    public var missing: [String] = []
    public var misshapen: [Misshapen] = []
    /// Tensors whose element type is not a floating-point type lorad reads.
    public var unreadable: [String] = []
    /// Tensors in the component's part of the file that the architecture does not use.
    public var unused: [String] = []

    public var isEmpty: Bool { missing.isEmpty && misshapen.isEmpty && unreadable.isEmpty && unused.isEmpty }

    /// Lists longer than this are cut, so that a file of the wrong model still gives a readable message.
    static let listedPerKind = 20

    public var description: String {
        var lines: [String] = []
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("\(items.count) \(title):")
            lines += items.prefix(Self.listedPerKind).map { "  \($0)" }
            if items.count > Self.listedPerKind { lines.append("  … and \(items.count - Self.listedPerKind) more") }
        }
        list("missing", missing)
        list("with the wrong shape", misshapen.map { "\($0.name): expected \($0.expected), found \($0.found)" })
        list("of an unsupported element type", unreadable)
        list("unused", unused)
        return lines.joined(separator: "\n")
    }
}
