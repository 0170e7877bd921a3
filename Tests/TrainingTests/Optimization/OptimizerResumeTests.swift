import Testing

@testable import Training

/// Saving the state mid-run and continuing in a fresh optimizer gives bit-identical weights; bad input is rejected.
@Suite struct OptimizerResumeTests {
    @Test(arguments: OptimizerReferenceTests.caseNames)
    func resumeIsBitIdentical(_ name: String) throws {
        let goldens = try OptimizerGoldens()
        let goldenCase = try #require(goldens.cases.first { $0.name == name })
        let type = try OptimizerType(kohyaName: goldenCase.optimizer)
        func make(_ rate: Double) throws -> any Optimizer {
            try type.makeOptimizer(arguments: goldenCase.arguments, learningRate: rate)
        }
        let straight = try OptimizerProblem(goldenCase, goldens: goldens)
        let resumed = try OptimizerProblem(goldenCase, goldens: goldens)
        let first = try make(straight.baseRates[0])
        var second = try make(straight.baseRates[0])
        for step in 0..<goldens.steps {
            try straight.step(first, step: step, multiplier: goldenCase.multipliers[step])
            try resumed.step(second, step: step, multiplier: goldenCase.multipliers[step])
            if step == 1 {
                let saved = second.state()
                second = try make(straight.baseRates[0])
                try second.restore(saved)
                #expect(second.state() == saved)
            }
        }
        for (a, b) in zip(straight.parameters, resumed.parameters) {
            #expect(a.value.map(\.bitPattern) == b.value.map(\.bitPattern), "\(a.name)")
        }
        #expect(first.state() == second.state())
    }

    @Test func restoreRejectsForeignAndMalformedStates() throws {
        let parameter = TrainableParameter(name: "w", shape: [2], value: [1, 2])
        parameter.gradient = [0.5, -0.5]
        let groups = [ParameterGroup(name: "unet", parameters: [parameter], learningRate: 1e-3)]
        let adam = try AdamW()
        try adam.step(groups, multiplier: 1)
        var state = adam.state()
        // Lion reads `exp_avg` too; AdamW's second moment is foreign to it.
        #expect(throws: OptimizerError.malformedState(entry: "w.exp_avg_sq", reason: "not an entry of this optimizer"))
        {
            try Lion().restore(state)
        }
        state.tensors["w.exp_avg_sq"] = .init(shape: [3], values: [0, 0, 0])
        #expect(throws: OptimizerError.self) { try AdamW().restore(state) }
        state = adam.state()
        state.scalars["w.step"] = 1.5
        #expect(throws: OptimizerError.malformedState(entry: "w.step", reason: "1.5 is not a step count")) {
            try AdamW().restore(state)
        }
        state = try AdamW8bit().state()
        state.scalars["big.step"] = 1
        state.tensors["big.state1"] = .init(shape: [4096], values: [Float](repeating: 300, count: 4096))
        state.tensors["big.state2"] = .init(shape: [4096], values: [Float](repeating: 0, count: 4096))
        state.tensors["big.absmax1"] = .init(shape: [16], values: [Float](repeating: 1, count: 16))
        state.tensors["big.absmax2"] = .init(shape: [16], values: [Float](repeating: 1, count: 16))
        #expect(throws: OptimizerError.self) { try AdamW8bit().restore(state) }
        // A state whose buffers do not fit the parameter fails at the step, before anything changes.
        var shortState = adam.state()
        shortState.tensors["w.exp_avg"] = .init(shape: [1], values: [0])
        shortState.tensors["w.exp_avg_sq"] = .init(shape: [1], values: [0])
        let restored = try AdamW()
        try restored.restore(shortState)
        let valueBefore = parameter.value
        #expect(throws: OptimizerError.self) { try restored.step(groups, multiplier: 1) }
        #expect(parameter.value == valueBefore)
    }

    @Test func stepRejectsBadInputBeforeChangingAnything() throws {
        let a = TrainableParameter(name: "a", shape: [2, 2], value: [1, 2, 3, 4])
        a.gradient = [1, 1, 1, 1]
        let before = a.value
        let optimizer = try AdamW()
        #expect(throws: OptimizerError.learningRateCount(groups: 1, learningRates: 2)) {
            try optimizer.step([ParameterGroup(name: "unet", parameters: [a], learningRate: 1)], learningRates: [1, 1])
        }
        #expect(throws: OptimizerError.invalidLearningRate(group: "unet", value: -1)) {
            try optimizer.step([ParameterGroup(name: "unet", parameters: [a], learningRate: 1)], learningRates: [-1])
        }
        #expect(throws: OptimizerError.duplicateParameter(name: "a")) {
            try optimizer.step(
                [
                    ParameterGroup(name: "unet", parameters: [a], learningRate: 1),
                    ParameterGroup(name: "te", parameters: [a], learningRate: 1),
                ], learningRates: [1, 1])
        }
        let broken = TrainableParameter(name: "b", shape: [3], value: [1, 2, 3])
        broken.gradient = [1]
        #expect(throws: OptimizerError.parameterSize(name: "b", shape: [3], values: 3, gradients: 1)) {
            try optimizer.step(
                [ParameterGroup(name: "unet", parameters: [a, broken], learningRate: 1)], learningRates: [1])
        }
        #expect(a.value == before)
    }

    @Test func prodigyRejectsUnequalGroupRatesButAllowsZero() throws {
        let a = TrainableParameter(name: "a", shape: [2], value: [1, 2])
        let b = TrainableParameter(name: "b", shape: [2], value: [3, 4])
        a.gradient = [0.1, 0.2]
        b.gradient = [0.3, 0.4]
        let groups = [
            ParameterGroup(name: "unet", parameters: [a], learningRate: 1),
            ParameterGroup(name: "te", parameters: [b], learningRate: 0.5),
        ]
        let prodigy = try Prodigy()
        #expect(throws: OptimizerError.prodigyGroupLearningRates(rates: [1, 0.5])) {
            try prodigy.step(groups, learningRates: [1, 0.5])
        }
        // The first step only starts the estimate (the weights have not moved yet); later ones raise d.
        for _ in 0..<3 { try prodigy.step(groups, learningRates: [1, 0]) }
        #expect(prodigy.stepSizeEstimate > 1e-6)
        // A zero-rate group's moments never update, so without weight decay its weights stay.
        #expect(b.value == [3, 4])
    }
}
