import Foundation
import SafeTensors
import Testing

@testable import Training

/// Every optimizer against its reference (torch, lion_pytorch, prodigyopt, bitsandbytes' kernels), step by step.
@Suite struct OptimizerReferenceTests {
    static let caseNames = [
        "adamw_default", "adamw_options", "adamw8bit_default", "adamw8bit_options", "lion_default", "lion_options",
        "prodigy_default", "prodigy_options", "prodigy_zero_group", "prodigy_no_momentum", "sgd_plain",
        "sgd_momentum", "sgd_nesterov",
    ]

    @Test func theFixtureHasEveryCase() throws {
        let goldens = try OptimizerGoldens()
        #expect(goldens.cases.map(\.name) == Self.caseNames)
    }

    @Test(arguments: caseNames)
    func matchesReferenceEveryStep(_ name: String) throws {
        let goldens = try OptimizerGoldens()
        let goldenCase = try #require(goldens.cases.first { $0.name == name })
        let problem = try OptimizerProblem(goldenCase, goldens: goldens)
        let type = try OptimizerType(kohyaName: goldenCase.optimizer)
        let optimizer = try type.makeOptimizer(arguments: goldenCase.arguments, learningRate: problem.baseRates[0])
        // The references round differently in places (torch fuses multiply-adds), by a float ulp or two.
        let (atol, rtol): (Float, Float) = (2e-7, 2e-6)
        for step in 0..<goldens.steps {
            try problem.step(optimizer, step: step, multiplier: goldenCase.multipliers[step])
            for parameter in problem.parameters {
                let key = "\(name).\(parameter.name).step\(step)"
                guard goldens.file[key] != nil else { continue }  // the large tensor's middle steps are not stored
                let ratio = toleranceRatio(parameter.value, try goldens.floats(key), atol: atol, rtol: rtol)
                #expect(ratio <= 1, "\(key): \(ratio)× the tolerance")
            }
        }
    }

    @Test func adamW8bitQuantisedMomentsMatchTheKernel() throws {
        let goldens = try OptimizerGoldens()
        let goldenCase = try #require(goldens.cases.first { $0.name == "adamw8bit_default" })
        let problem = try OptimizerProblem(goldenCase, goldens: goldens)
        let optimizer = try AdamW8bit()
        for step in 0..<goldens.steps {
            try problem.step(optimizer, step: step, multiplier: goldenCase.multipliers[step])
        }
        let state = optimizer.state()
        for slot in ["absmax1", "absmax2"] {
            let ratio = toleranceRatio(
                try #require(state.tensors["b.\(slot)"]).values, try goldens.floats("adamw8bit_default.b.\(slot)"),
                atol: 1e-9, rtol: 1e-5)
            #expect(ratio <= 1, "\(slot)")
        }
        for slot in ["state1", "state2"] {
            let codes = try #require(state.tensors["b.\(slot)"]).values
            let expected = try goldens.floats("adamw8bit_default.b.\(slot)")
            #expect(codes.count == expected.count)
            let differing = zip(codes, expected).filter { $0 != $1 }.count
            // Only an exact near-tie could round the other way.
            #expect(differing <= codes.count / 1000, "\(slot): \(differing) codes differ")
        }
        #expect(state.tensors["a.state1"] != nil && state.tensors["a.absmax1"] == nil, "small tensors stay 32-bit")
    }
}
