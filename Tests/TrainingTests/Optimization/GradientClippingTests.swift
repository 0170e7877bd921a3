import Testing

@testable import Training

/// `torch.nn.utils.clip_grad_norm_` goldens.
@Suite struct GradientClippingTests {
    struct Case: Decodable {
        let name: String
        let max_norm: Double
        let shapes: [[Int]]
    }

    @Test(arguments: ["clip_active", "clip_inactive"])
    func matchesTorch(_ name: String) throws {
        let goldens = try OptimizerGoldens()
        let cases = try goldens.metadataJSON("clipping", as: [Case].self)
        let clip = try #require(cases.first { $0.name == name })
        let parameters = try clip.shapes.enumerated().map { index, shape in
            let parameter = TrainableParameter(
                name: "p\(index)", shape: shape, value: [Float](repeating: 0, count: shape.reduce(1, *)))
            parameter.gradient = try goldens.floats("\(name).grad\(index)")
            return parameter
        }
        // Split across two groups: the norm is over all parameters of all groups.
        let groups = [
            ParameterGroup(name: "unet", parameters: Array(parameters[..<1]), learningRate: 1),
            ParameterGroup(name: "te", parameters: Array(parameters[1...]), learningRate: 1),
        ]
        let total = GradientClipping.clipGradientNorm(groups, maxNorm: clip.max_norm)
        let expectedTotal = try goldens.floats("\(name).total_norm")[0]
        #expect(abs(total - expectedTotal) <= 1e-6 * expectedTotal)
        for (index, parameter) in parameters.enumerated() {
            let ratio = toleranceRatio(
                parameter.gradient, try goldens.floats("\(name).clipped\(index)"), atol: 1e-7, rtol: 1e-6)
            #expect(ratio <= 1, "gradient \(index)")
        }
    }

    @Test func noParametersIsANormOfZero() {
        #expect(GradientClipping.clipGradientNorm([], maxNorm: 1) == 0)
    }
}
