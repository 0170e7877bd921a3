import Foundation
import SafeTensors
import Testing
import Tensors

/// The backward ops against PyTorch autograd (`Tests/Fixtures/goldens/backward.safetensors`, written by
/// `tools/make_backward_fixtures.py`; images NHWC, convolution weights OHWI). Both sides compute in f32 and sum in
/// different orders, so results are held to |a − b| ≤ 1e-5 + 1e-4·|b|.
struct GradientGoldenTests {
    let backend = CPUBackend()
    let golden: BackwardGolden

    init() throws { golden = try BackwardGolden(backend: backend) }

    func expectMatches(_ actual: Tensor?, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try golden.tensor(name)
        guard let actual else {
            Issue.record("\(name): no tensor", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.shape == expected.shape, "\(name): shape \(actual.shape), expected \(expected.shape)",
                sourceLocation: sourceLocation)
        guard actual.shape == expected.shape else { return }
        let ratio = Reference.worstRatio(
            backend.download(actual), backend.download(expected).map(Double.init), rtol: 1e-4, atol: 1e-5)
        #expect(ratio <= 1, "\(name): worst error is \(ratio)× the tolerance", sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        ("conv_s2", 2, Padding2D(top: 1, left: 0, bottom: 2, right: 1)), ("conv_3x3", 1, Padding2D.uniform(1)),
    ])
    func convolution(name: String, stride: Int, padding: Padding2D) throws {
        let (x, weight, dy) = (try golden.tensor("\(name).x"), try golden.tensor("\(name).weight"), try golden.tensor("\(name).dy"))
        try expectMatches(
            backend.conv2dBackwardInput(dy, weight: weight, inputShape: x.shape, stride: stride, padding: padding),
            "\(name).dx")
        try expectMatches(
            backend.conv2dBackwardWeight(
                dy, input: x, kernelHeight: weight.shape[1], kernelWidth: weight.shape[2], stride: stride,
                padding: padding),
            "\(name).dweight")
        try expectMatches(backend.sum(dy, toShape: [weight.shape[0]]), "\(name).dbias")
    }

    @Test func groupNormThenSiLU() throws {
        let result = backend.groupNormBackward(
            try golden.tensor("group_norm_silu.dy"), input: try golden.tensor("group_norm_silu.x"), groups: 3,
            weight: try golden.tensor("group_norm_silu.weight"), bias: try golden.tensor("group_norm_silu.bias"),
            eps: 1e-6, activation: .silu, parameterGradients: true)
        try expectMatches(result.input, "group_norm_silu.dx")
        try expectMatches(result.weight, "group_norm_silu.dweight")
        try expectMatches(result.bias, "group_norm_silu.dbias")
    }

    @Test func layerNorm() throws {
        let result = backend.layerNormBackward(
            try golden.tensor("layer_norm.dy"), input: try golden.tensor("layer_norm.x"),
            weight: try golden.tensor("layer_norm.weight"), bias: try golden.tensor("layer_norm.bias"), eps: 1e-5,
            parameterGradients: true)
        try expectMatches(result.input, "layer_norm.dx")
        try expectMatches(result.weight, "layer_norm.dweight")
        try expectMatches(result.bias, "layer_norm.dbias")
    }

    @Test(arguments: [Activation.silu, .gelu, .quickGELU])
    func activation(kind: Activation) throws {
        let name = kind.rawValue
        try expectMatches(
            backend.activationBackward(try golden.tensor("\(name).dy"), input: try golden.tensor("\(name).x"), kind),
            "\(name).dx")
    }

    @Test func geglu() throws {
        try expectMatches(
            backend.gegluBackward(try golden.tensor("geglu.dy"), input: try golden.tensor("geglu.x")), "geglu.dx")
    }

    @Test(arguments: [
        ("attention_self", 2, false), ("attention_causal", 3, true), ("attention_cross", 2, false),
        ("attention_causal_cross", 1, true),
    ])
    func attention(name: String, heads: Int, causal: Bool) throws {
        let result = backend.attentionBackward(
            try golden.tensor("\(name).dy"), query: try golden.tensor("\(name).q"), key: try golden.tensor("\(name).k"),
            value: try golden.tensor("\(name).v"), heads: heads, causal: causal)
        try expectMatches(result.query, "\(name).dq")
        try expectMatches(result.key, "\(name).dk")
        try expectMatches(result.value, "\(name).dv")
    }

    @Test func upsampleNearest() throws {
        let x = try golden.tensor("upsample.x")
        try expectMatches(
            backend.upsampleNearestBackward(try golden.tensor("upsample.dy"), inputHeight: x.shape[1], inputWidth: x.shape[2]),
            "upsample.dx")
    }

    @Test func scatterAddRows() throws {
        let rows = try golden.values("scatter.rows").map { Int($0) }
        let expected = try golden.tensor("scatter.dx")
        try expectMatches(
            backend.scatterAddRows(try golden.tensor("scatter.dy"), rows: rows, count: expected.shape[0]), "scatter.dx")
    }

    @Test(arguments: [("c", [5]), ("b11c", [2, 1, 1, 5]), ("one", [1]), ("scalar", []), ("h11", [3, 1, 1])])
    func broadcastSum(name: String, shape: [Int]) throws {
        try expectMatches(backend.sum(try golden.tensor("broadcast.dy"), toShape: shape), "broadcast.d\(name)")
    }
}

/// The tensors of `Tests/Fixtures/goldens/backward.safetensors`, found from this file's path.
struct BackwardGolden {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TensorsTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/goldens/backward.safetensors")

    let file: SafeTensorsFile
    let backend: CPUBackend

    init(backend: CPUBackend) throws {
        file = try SafeTensorsFile(contentsOf: Self.url)
        self.backend = backend
    }

    func values(_ name: String) throws -> [Float] { try file.floats(name) }

    func tensor(_ name: String) throws -> Tensor {
        guard let entry = file[name] else { throw SafeTensorsError.tensorNotFound(name: name) }
        return backend.upload(try file.floats(name), shape: entry.shape)
    }
}
