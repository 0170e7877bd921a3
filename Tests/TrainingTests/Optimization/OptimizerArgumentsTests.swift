import Testing

@testable import Training

/// kohya's `optimizer_type` and `optimizer_args` reading.
@Suite struct OptimizerArgumentsTests {
    @Test func typeNamesAreCaseInsensitiveAndEmptyIsAdamW() throws {
        #expect(try OptimizerType(kohyaName: "adamw8bit") == .adamW8bit)
        #expect(try OptimizerType(kohyaName: "PRODIGY") == .prodigy)
        #expect(try OptimizerType(kohyaName: "sgdnesterov") == .sgdNesterov)
        #expect(try OptimizerType(kohyaName: "") == .adamW)
        #expect(
            throws: OptimizerError.unknownOptimizer(
                name: "DAdaptAdam", supported: OptimizerType.allCases.map(\.rawValue))
        ) {
            try OptimizerType(kohyaName: "DAdaptAdam")
        }
    }

    @Test func valuesAreReadAsPythonLiterals() throws {
        let prodigy = try #require(
            try OptimizerType.prodigy.makeOptimizer(
                arguments: [
                    "betas=(0.9, 0.99)", "beta3=None", "weight_decay=0.01", "decouple=False",
                    "use_bias_correction=True",
                    "safeguard_warmup=True", "d0=1e-5", "d_coef=2", "growth_rate=1.02", "slice_p=11", "eps = 1e-7",
                ], learningRate: 1) as? Prodigy)
        var expected = Prodigy.Options()
        expected.beta2 = 0.99
        expected.weightDecay = 0.01
        expected.decouple = false
        expected.useBiasCorrection = true
        expected.safeguardWarmup = true
        expected.d0 = 1e-5
        expected.dCoefficient = 2
        expected.growthRate = 1.02
        expected.sliceP = 11
        expected.epsilon = 1e-7
        #expect(prodigy.options == expected)

        let adam = try #require(
            try OptimizerType.adamW.makeOptimizer(arguments: ["betas=0.8,0.95", "weight_decay=0"], learningRate: 1e-4)
                as? AdamW)
        #expect(adam.beta1 == 0.8 && adam.beta2 == 0.95 && adam.weightDecay == 0 && adam.epsilon == 1e-8)

        let nesterov = try #require(try OptimizerType.sgdNesterov.makeOptimizer(arguments: [], learningRate: 1) as? SGD)
        #expect(nesterov.nesterov && nesterov.momentum == 0.9)

        let lion = try #require(
            try OptimizerType.lion.makeOptimizer(
                arguments: ["weight_decay=0.1", "decoupled_weight_decay=True"], learningRate: 1e-4) as? Lion)
        #expect(abs(lion.effectiveWeightDecay - 1000) < 1e-9)

        let eightBit = try #require(
            try OptimizerType.adamW8bit.makeOptimizer(arguments: ["min_8bit_size=16384"], learningRate: 1) as? AdamW8bit
        )
        #expect(eightBit.minimum8BitSize == 16384 && eightBit.weightDecay == 0.01)
    }

    @Test func unknownArgumentNamesTheAcceptedOnes() {
        do {
            _ = try OptimizerType.adamW.makeOptimizer(arguments: ["momentum=0.9"], learningRate: 1)
            Issue.record("accepted momentum for AdamW")
        } catch let error as OptimizerError {
            #expect(
                error
                    == .unknownArgument(
                        optimizer: "AdamW", name: "momentum", accepted: ["betas", "eps", "weight_decay"]))
            #expect(error.description.contains("momentum") && error.description.contains("weight_decay"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test(arguments: [
        (OptimizerType.adamW, "betas=0.9"),
        (.adamW, "betas=0.9,1.5"),
        (.adamW, "weight_decay=True"),
        (.adamW, "weight_decay=-0.1"),
        (.adamW, "eps=abc"),
        (.adamW, "weight_decay=inf"),
        (.adamW8bit, "min_8bit_size=4096.5"),
        (.prodigy, "decouple=1"),
        (.prodigy, "d0=0"),
        (.prodigy, "slice_p=0"),
        (.prodigy, "beta3=2"),
        (.sgd, "nesterov=True"),
        (.lion, "decoupled_weight_decay=yes"),
        (.lion, "betas=0.9,1.5"),
        (.adamW8bit, "eps=-1"),
    ])
    func badValuesNameTheArgument(type: OptimizerType, argument: String) {
        let name = String(argument.split(separator: "=")[0])
        do {
            _ = try type.makeOptimizer(arguments: [argument], learningRate: 1)
            Issue.record("accepted \(argument)")
        } catch let OptimizerError.invalidArgument(optimizer, rejected, _, _) {
            #expect(optimizer == type.rawValue && rejected == name)
        } catch {
            Issue.record("\(argument): \(error)")
        }
    }

    @Test func malformedAndRepeatedArguments() {
        #expect(throws: OptimizerError.malformedArgument(argument: "weight_decay")) {
            try OptimizerType.adamW.makeOptimizer(arguments: ["weight_decay"], learningRate: 1)
        }
        #expect(throws: OptimizerError.malformedArgument(argument: "a=b=c")) {
            try OptimizerType.adamW.makeOptimizer(arguments: ["a=b=c"], learningRate: 1)
        }
        #expect(throws: OptimizerError.duplicateArgument(name: "eps")) {
            try OptimizerType.adamW.makeOptimizer(arguments: ["eps=1e-8", "eps=1e-6"], learningRate: 1)
        }
    }

    @Test func literalParser() {
        typealias L = OptimizerArguments.Literal
        #expect(
            OptimizerArguments.parse("0.9,0.99")
                == L.tuple([.number(0.9, isInteger: false), .number(0.99, isInteger: false)]))
        #expect(
            OptimizerArguments.parse("[1, 2]") == L.tuple([.number(1, isInteger: true), .number(2, isInteger: true)]))
        #expect(OptimizerArguments.parse("(0.5,)") == L.tuple([.number(0.5, isInteger: false)]))
        #expect(OptimizerArguments.parse("-3") == L.number(-3, isInteger: true))
        #expect(OptimizerArguments.parse(".5e-3") == L.number(0.0005, isInteger: false))
        #expect(OptimizerArguments.parse("None") == L.pythonNone)
        #expect(OptimizerArguments.parse("nan") == nil)
        #expect(OptimizerArguments.parse("0x10") == nil)
        #expect(OptimizerArguments.parse("true") == nil)
        #expect(OptimizerArguments.parse("1e") == nil)
    }
}
