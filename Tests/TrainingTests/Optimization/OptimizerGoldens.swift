import Foundation
import SafeTensors
import Testing

@testable import Training

/// `Tests/Fixtures/goldens/optimizers.safetensors`, written by `tools/make_optimizer_fixtures.py`.
struct OptimizerGoldens {
    struct Parameter: Decodable {
        let name: String
        let group: String
        let shape: [Int]
    }
    struct Case: Decodable {
        let name: String
        let optimizer: String
        let arguments: [String]
        let learning_rates: [String: Double]
        let multipliers: [Double]
        let problem: String
        let parameters: [Parameter]
    }

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Optimization
        .deletingLastPathComponent()  // TrainingTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/goldens/optimizers.safetensors")

    let file: SafeTensorsFile
    let cases: [Case]
    let steps: Int

    init() throws {
        file = try SafeTensorsFile(contentsOf: Self.url)
        let casesJSON = try #require(file.metadata["cases"])
        cases = try JSONDecoder().decode([Case].self, from: Data(casesJSON.utf8))
        let stepsText = try #require(file.metadata["steps"])
        steps = try #require(Int(stepsText))
    }

    func floats(_ name: String) throws -> [Float] { try file.floats(name) }

    /// An F64 tensor's values (the schedules' multipliers).
    func doubles(_ name: String) throws -> [Double] {
        try file.withBytes(name) { bytes in
            (0..<(bytes.count / 8)).map {
                Double(bitPattern: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
            }
        }
    }

    func metadataJSON<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
        let json = try #require(file.metadata[key])
        return try JSONDecoder().decode(type, from: Data(json.utf8))
    }
}

/// One golden case's problem in lorad's types: the groups in the order of the reference (unet, te), and the
/// gradient rule `g = (p - target) + noise[step]`, which is exact in float32 on both sides.
struct OptimizerProblem {
    let groups: [ParameterGroup]
    let baseRates: [Double]
    private let targets: [String: [Float]]
    private let noise: [String: [[Float]]]

    init(_ goldenCase: OptimizerGoldens.Case, goldens: OptimizerGoldens) throws {
        var groups: [ParameterGroup] = []
        var targets: [String: [Float]] = [:]
        var noise: [String: [[Float]]] = [:]
        for groupName in ["unet", "te"] {
            var parameters: [TrainableParameter] = []
            for spec in goldenCase.parameters where spec.group == groupName {
                let prefix = "\(goldenCase.problem).\(spec.name)"
                parameters.append(
                    TrainableParameter(name: spec.name, shape: spec.shape, value: try goldens.floats("\(prefix).init")))
                targets[spec.name] = try goldens.floats("\(prefix).target")
                noise[spec.name] = try (0..<goldens.steps).map { try goldens.floats("\(prefix).noise\($0)") }
            }
            let rate = try #require(goldenCase.learning_rates[groupName])
            groups.append(ParameterGroup(name: groupName, parameters: parameters, learningRate: rate))
        }
        self.groups = groups
        self.baseRates = groups.map(\.learningRate)
        self.targets = targets
        self.noise = noise
    }

    /// Sets every gradient for step `step`.
    func prepareGradients(step: Int) {
        for parameter in groups.flatMap(\.parameters) {
            let target = targets[parameter.name]!
            let n = noise[parameter.name]![step]
            parameter.gradient = parameter.value.indices.map { (parameter.value[$0] - target[$0]) + n[$0] }
        }
    }

    func step(_ optimizer: any Optimizer, step: Int, multiplier: Double) throws {
        prepareGradients(step: step)
        try optimizer.step(groups, learningRates: baseRates.map { $0 * multiplier })
    }

    var parameters: [TrainableParameter] { groups.flatMap(\.parameters) }
}

/// The largest `|a - b| / (atol + rtol·|b|)`; at most 1 means within tolerance.
func toleranceRatio(_ actual: [Float], _ expected: [Float], atol: Float, rtol: Float) -> Float {
    guard actual.count == expected.count else { return .infinity }
    var worst: Float = 0
    for (a, b) in zip(actual, expected) {
        let ratio = abs(a - b) / (atol + rtol * abs(b))
        worst = max(worst, ratio.isNaN ? .infinity : ratio)
    }
    return worst
}
