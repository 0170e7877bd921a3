import Foundation
import Testing

@testable import Training

/// kohya's `lr_scheduler` choices against the transformers schedule functions it calls.
@Suite struct LearningRateScheduleTests {
    struct Case: Decodable {
        let key: String
        let name: String
        let total: Int
        let warmup: Double?
        let cycles: Int?
        let power: Double?
        let learning_rate: Double?
        let min_ratio: Double?
        let decay: Double?
    }

    /// A JSON number is an integer step count unless it has a fraction, as kohya tells ints from floats.
    static func stepCount(_ value: Double?) -> LearningRateSchedule.StepCount {
        guard let value else { return .steps(0) }
        return value == value.rounded() && value >= 1 ? .steps(Int(value)) : .fraction(value)
    }

    @Test func everyScheduleMatchesTransformers() throws {
        let goldens = try OptimizerGoldens()
        let cases = try goldens.metadataJSON("schedules", as: [Case].self)
        #expect(Set(cases.map(\.name)) == Set(LearningRateSchedule.Kind.allCases.map(\.rawValue)))
        for item in cases {
            let schedule = try LearningRateSchedule(
                name: item.name, totalSteps: item.total, warmup: Self.stepCount(item.warmup), cycles: item.cycles ?? 1,
                power: item.power ?? 1, learningRate: item.learning_rate ?? 1e-3, minimumRatio: item.min_ratio,
                decay: Self.stepCount(item.decay))
            let expected = try goldens.doubles(item.key)
            for (step, value) in expected.enumerated() {
                let actual = schedule.multiplier(step: step)
                #expect(abs(actual - value) <= 1e-12 * max(1, abs(value)), "\(item.key) \(item.name) step \(step)")
            }
        }
    }

    @Test func warmupRatioIsTruncatedToSteps() throws {
        let schedule = try LearningRateSchedule(
            name: "linear", totalSteps: 30, warmup: .fraction(0.15), learningRate: 1e-4)
        #expect(schedule.warmupSteps == 4)  // int(0.15 * 30) = int(4.5)
        #expect(schedule.learningRate(base: 2e-4, step: 2) == 2e-4 * 0.5)
    }

    @Test func unknownAndUnsupportedNamesListTheSupportedOnes() {
        for name in ["adafactor:1e-3", "piecewise_constant", "cosine_annealing"] {
            do {
                _ = try LearningRateSchedule(name: name, totalSteps: 10, learningRate: 1e-4)
                Issue.record("\(name) accepted")
            } catch let error as LearningRateScheduleError {
                guard case .unknownScheduler(let rejected, let supported) = error else {
                    Issue.record("\(error)")
                    continue
                }
                #expect(rejected == name && supported.contains("cosine_with_restarts"))
                #expect(error.description.contains("cosine_with_restarts"))
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func invalidCombinationsAreRejectedLikeKohya() {
        func rejects(_ field: String, _ build: () throws -> LearningRateSchedule) {
            do {
                _ = try build()
                Issue.record("accepted a bad \(field)")
            } catch let LearningRateScheduleError.invalidValue(name, _, _) {
                #expect(name == field)
            } catch {
                Issue.record("\(error)")
            }
        }
        rejects("lr_warmup_steps") { try .init(name: "constant", totalSteps: 10, warmup: .steps(2), learningRate: 1) }
        rejects("lr_scheduler_min_lr_ratio") { try .init(name: "cosine_with_min_lr", totalSteps: 10, learningRate: 1) }
        rejects("lr_decay_steps") { try .init(name: "warmup_stable_decay", totalSteps: 10, learningRate: 1) }
        rejects("learning_rate") { try .init(name: "polynomial", totalSteps: 10, learningRate: 1e-8) }
        rejects("lr_warmup_steps") {
            try .init(name: "linear", totalSteps: 10, warmup: .fraction(1.5), learningRate: 1)
        }
        rejects("lr_warmup_steps") { try .init(name: "linear", totalSteps: 10, warmup: .steps(-1), learningRate: 1) }
        rejects("max_train_steps") { try .init(name: "linear", totalSteps: 0, learningRate: 1) }
        rejects("lr_scheduler_num_cycles") {
            try .init(name: "cosine_with_restarts", totalSteps: 10, cycles: 0, learningRate: 1)
        }
    }
}
