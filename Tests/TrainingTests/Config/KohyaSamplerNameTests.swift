import Diffusion
import Testing

@testable import Training

@Suite struct KohyaSamplerNameTests {
    /// sd-scripts' `sample_sampler` choices (train_util.add_training_arguments): each maps to the lorad sampler built
    /// on the same diffusers scheduler, or is rejected.
    @Test func everyKohyaChoice() {
        let choices = [
            "ddim", "pndm", "lms", "euler", "euler_a", "heun", "dpm_2", "dpm_2_a", "dpmsolver", "dpmsolver++",
            "dpmsingle", "k_lms", "k_euler", "k_euler_a", "k_dpm_2", "k_dpm_2_a",
        ]
        #expect(KohyaSamplerName.kohyaNames.map(\.name) == choices)
        let expected: [String: Sampler] = [
            "ddim": .ddim, "euler": .euler, "k_euler": .euler, "euler_a": .eulerAncestral, "k_euler_a": .eulerAncestral,
            "dpmsolver++": .dpmpp2M,
        ]
        for name in choices {
            switch KohyaSamplerName.resolve(name) {
            case .success(let sampler): #expect(expected[name] == sampler, "\(name)")
            case .failure(let error):
                #expect(expected[name] == nil, "\(name)")
                #expect(error.isKohyaName)
            }
        }
    }

    @Test func loradNamesAndUnknownNames() throws {
        for sampler in Sampler.allCases { #expect(try KohyaSamplerName.resolve(sampler.rawValue).get() == sampler) }
        #expect(throws: SamplerNameError(name: "Euler", isKohyaName: false)) {
            try KohyaSamplerName.resolve("Euler").get()
        }
    }
}
