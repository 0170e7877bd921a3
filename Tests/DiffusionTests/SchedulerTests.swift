import Diffusion
import Foundation
import Tensors
import TestSupport
import Testing

/// The samplers' schedules and update rules against diffusers 0.42.1. Expected values come from
/// `Scheduler.from_config(config).set_timesteps(steps)` (and, for the goldens, from `tools/make_fixtures.py`).
/// Timesteps must match exactly; sigmas and `init_noise_sigma` to 1e-6 relative (float32 schedules that differ only
/// where torch's vectorised linspace/pow round differently: measured ≤ 5e-7).
@Suite struct SchedulerTests {
    /// runwayml SD 1.5's `scheduler_config.json` (a PNDM config: no timestep_spacing, steps_offset 1).
    static let sd15 = """
        {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085,
         "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1,
         "trained_betas": null, "clip_sample": false}
        """
    /// SDXL base's (an Euler config with "leading" spacing).
    static let sdxl = """
        {"_class_name": "EulerDiscreteScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
         "beta_start": 0.00085, "interpolation_type": "linear", "num_train_timesteps": 1000,
         "prediction_type": "epsilon", "sample_max_value": 1.0, "set_alpha_to_one": false, "skip_prk_steps": true,
         "steps_offset": 1, "timestep_spacing": "leading", "trained_betas": null, "use_karras_sigmas": false}
        """

    static func config(_ json: String, predictionType: String? = nil) throws -> SchedulerConfig {
        var config = try SchedulerConfig(json: Data(json.utf8))
        if let predictionType { config.predictionType = predictionType }
        return config
    }

    struct Expected: Sendable, CustomStringConvertible {
        var config: String
        var sampler: Sampler
        var timesteps: [Float]
        var sigmas: [Float]
        var initNoiseSigma: Float
        var description: String { "\(config == SchedulerTests.sd15 ? "sd15" : "sdxl") \(sampler.rawValue)" }
    }

    /// diffusers' schedules for 5 steps.
    static let schedules: [Expected] = [
        Expected(
            config: sd15, sampler: .euler, timesteps: [999, 749.25, 499.5, 249.75, 0],
            sigmas: [14.614646911621094, 4.086089611053467, 1.6155834197998047, 0.6951509714126587, 0.02916753478348255, 0],
            initNoiseSigma: 14.614646911621094),
        Expected(
            config: sd15, sampler: .eulerAncestral, timesteps: [999, 749.25, 499.5, 249.75, 0],
            sigmas: [14.614646911621094, 4.086089611053467, 1.6155834197998047, 0.6951509714126587, 0.02916753478348255, 0],
            initNoiseSigma: 14.614646911621094),
        Expected(config: sd15, sampler: .ddim, timesteps: [801, 601, 401, 201, 1], sigmas: [], initNoiseSigma: 1),
        Expected(
            config: sd15, sampler: .dpmpp2M, timesteps: [999, 799, 599, 400, 200],
            sigmas: [14.614646911621094, 5.087765216827393, 2.2764639854431152, 1.1643916368484497, 0.5716663599014282, 0],
            initNoiseSigma: 1),
        Expected(
            config: sd15, sampler: .dpmpp2MKarras, timesteps: [999, 786, 427, 59, 0],
            sigmas: [14.614646911621094, 4.796544075012207, 1.2741053104400635, 0.2479517161846161, 0.02916753478348255, 0],
            initNoiseSigma: 1),
        Expected(
            config: sdxl, sampler: .euler, timesteps: [801, 601, 401, 201, 1],
            sigmas: [5.134433269500732, 2.2928547859191895, 1.1682164669036865, 0.574050784111023, 0.04131447896361351, 0],
            initNoiseSigma: 5.2309088706970215),
        Expected(
            config: sdxl, sampler: .eulerAncestral, timesteps: [801, 601, 401, 201, 1],
            sigmas: [5.134433269500732, 2.2928547859191895, 1.1682164669036865, 0.574050784111023, 0.04131447896361351, 0],
            initNoiseSigma: 5.2309088706970215),
        Expected(config: sdxl, sampler: .ddim, timesteps: [801, 601, 401, 201, 1], sigmas: [], initNoiseSigma: 1),
        Expected(
            config: sdxl, sampler: .dpmpp2M, timesteps: [831, 665, 499, 333, 167],
            sigmas: [5.906451225280762, 2.907122850418091, 1.6128870248794556, 0.9323583841323853, 0.49469730257987976, 0],
            initNoiseSigma: 1),
    ]

    @Test(arguments: schedules)
    func scheduleMatchesDiffusers(_ expected: Expected) throws {
        let scheduler = try expected.sampler.makeScheduler(
            config: Self.config(expected.config), steps: 5, noiseSeed: 0)
        #expect(scheduler.timesteps == expected.timesteps)
        #expect(scheduler.sigmas.count == expected.sigmas.count)
        for (actual, reference) in zip(scheduler.sigmas, expected.sigmas) {
            #expect(abs(actual - reference) <= 1e-6 * abs(reference), "sigma \(actual) vs \(reference)")
        }
        #expect(abs(scheduler.initNoiseSigma - expected.initNoiseSigma) <= 1e-6 * expected.initNoiseSigma)
    }

    struct Update: Sendable, CustomStringConvertible {
        var sampler: Sampler
        var predictionType: String
        var result: [Float]
        var description: String { "\(sampler.rawValue) \(predictionType)" }
    }

    /// The sample after 5 steps of SD 1.5's schedule from x = sin(0.37·i)·init_noise_sigma, with the stand-in model
    /// output 0.3·(scaled input) + (t/1000)·cos(0.91·i) (diffusers, float32, shape [1, 2, 2, 2]).
    static let updates: [Update] = [
        Update(sampler: .euler, predictionType: "epsilon", result: [
            -7.993358135223389, -2.4873390197753906, 6.481183052062988, 13.316390991210938, 13.681563377380371,
            7.721522808074951, -0.10701778531074524, -4.458349227905273,
        ]),
        Update(sampler: .ddim, predictionType: "epsilon", result: [
            -2.317169427871704, -0.3832624852657318, 2.508660078048706, 4.696915626525879, 4.896353244781494,
            3.1362931728363037, 0.7130469083786011, -0.8029078841209412,
        ]),
        Update(sampler: .dpmpp2M, predictionType: "epsilon", result: [
            -6.248100280761719, -1.7492791414260864, 5.429657459259033, 10.891854286193848, 11.231314659118652,
            6.5539231300354, 0.34584447741508484, -3.2023632526397705,
        ]),
        Update(sampler: .dpmpp2MKarras, predictionType: "epsilon", result: [
            -4.356785774230957, -0.9412333965301514, 4.3054585456848145, 8.284781455993652, 8.598649024963379,
            5.310459613800049, 0.8547129034996033, -1.8293536901474,
        ]),
        Update(sampler: .euler, predictionType: "v_prediction", result: [
            -0.4691828191280365, -0.13392885029315948, 0.4029286503791809, 0.8115217089653015, 0.8362998366355896,
            0.48531100153923035, 0.02030501700937748, -0.24419911205768585,
        ]),
        Update(sampler: .ddim, predictionType: "v_prediction", result: [
            -0.3978113830089569, -0.06454301625490189, 0.4330275356769562, 0.8094757199287415, 0.8440630435943604,
            0.5417759418487549, 0.12518133223056793, -0.13602380454540253,
        ]),
        Update(sampler: .dpmpp2M, predictionType: "v_prediction", result: [
            -0.4081944525241852, -0.0632973164319992, 0.44979381561279297, 0.8378616571426392, 0.8741636276245117,
            0.5637060403823853, 0.13490353524684906, -0.13532760739326477,
        ]),
        Update(sampler: .dpmpp2MKarras, predictionType: "v_prediction", result: [
            -0.26236873865127563, 0.10863729566335678, 0.5675408244132996, 0.9084004759788513, 0.9731019735336304,
            0.7592642307281494, 0.41563576459884644, 0.12941129505634308,
        ]),
    ]

    /// The update rules, apart from the model: f32 arithmetic in another order than diffusers', measured ≤ 5e-7 of
    /// the peak; tolerance 1e-5·(1 + |expected|).
    @Test(arguments: updates)
    func updateMatchesDiffusers(_ update: Update) throws {
        let backend = CPUBackend()
        let count = 8
        let start = backend.upload((0..<count).map { Float(Foundation.sin(Double($0) * 0.37)) }, shape: [1, 2, 2, 2])
        let base = backend.upload((0..<count).map { Float(Foundation.cos(Double($0) * 0.91)) }, shape: [1, 2, 2, 2])
        var scheduler = try update.sampler.makeScheduler(
            config: Self.config(Self.sd15, predictionType: update.predictionType), steps: 5, noiseSeed: 0)
        var x = backend.scale(start, by: scheduler.initNoiseSigma)
        for (index, t) in scheduler.timesteps.enumerated() {
            let input = scheduler.scaleModelInput(x, step: index, on: backend)
            let output = backend.linearCombination([(0.3, input), (t / 1000, base)])
            x = scheduler.step(output, step: index, sample: x, on: backend)
        }
        assertClose(
            x, backend.upload(update.result, shape: [1, 2, 2, 2]), rtol: 1e-5, atol: 1e-5, label: update.description)
    }

    /// Euler ancestral's noise comes from its seed: with a zero model output the sample moves only by the noise,
    /// which must repeat for a seed and change with it.
    @Test func ancestralNoiseIsSeeded() throws {
        let backend = CPUBackend()
        let config = try Self.config(Self.sd15)
        func run(seed: UInt64) throws -> [Float] {
            var scheduler = try Sampler.eulerAncestral.makeScheduler(config: config, steps: 3, noiseSeed: seed)
            var x = backend.full([1, 2, 2, 4], value: 1)
            for index in scheduler.timesteps.indices {
                x = scheduler.step(backend.zeros([1, 2, 2, 4]), step: index, sample: x, on: backend)
            }
            return backend.download(x)
        }
        #expect(try run(seed: 7) == run(seed: 7))
        #expect(try run(seed: 7) != run(seed: 8))
    }

    @Test func defaultsComeFromEachScheduler() throws {
        // The SD 1.5 PNDM config has no timestep_spacing: Euler takes "linspace", DDIM "leading".
        let config = try Self.config(Self.sd15)
        #expect(try EulerDiscreteScheduler(config: config, steps: 2).timesteps == [999, 0])
        #expect(try DDIMScheduler(config: config, steps: 2).timesteps == [501, 1])
        // Python's json writes DPM-Solver's default lambda_min_clipped as -Infinity.
        let dpm = try SchedulerConfig(json: Data(#"{"lambda_min_clipped": -Infinity, "steps_offset": 1}"#.utf8))
        #expect(dpm.lambdaMinClipped == -.infinity)
    }

    @Test func unsupportedSettingsAreRejected() throws {
        var config = try Self.config(Self.sd15)
        config.thresholding = true
        #expect(throws: SchedulerError.unsupported("thresholding", "true")) {
            try DDIMScheduler(config: config, steps: 5)
        }
        config = try Self.config(Self.sd15)
        config.interpolationType = "log_linear"
        #expect(throws: SchedulerError.unsupported("interpolation_type", "log_linear")) {
            try EulerDiscreteScheduler(config: config, steps: 5)
        }
        config = try Self.config(Self.sd15, predictionType: "sample")
        #expect(throws: SchedulerError.unsupported("prediction_type", "sample")) {
            try EulerDiscreteScheduler(config: config, steps: 5)
        }
        #expect(throws: SchedulerError.self) { try DDIMScheduler(config: Self.config(Self.sd15), steps: 1001) }
        for sampler in Sampler.allCases {
            #expect(throws: SchedulerError.self) {
                try sampler.makeScheduler(config: Self.config(Self.sd15), steps: 0, noiseSeed: 0)
            }
        }
    }

    // MARK: Goldens

    static let fixtureModels = ["sd15-tiny", "sd2-tiny", "sdxl-tiny"]

    /// The fixture's `scheduler_config.json`: the published model's file, which the goldens were made with (SD
    /// 1.5's and SD 2.1's lack `timestep_spacing`, so Euler and DPM++ use their own default, "linspace").
    static func goldenSchedulerConfig(_ model: String) throws -> SchedulerConfig {
        try SchedulerConfig(
            json: Data(contentsOf: Fixtures.model(model).appendingPathComponent("scheduler/scheduler_config.json")))
    }

    /// Every tiny model's sampler schedules against the pipeline goldens (the golden's step count).
    @Test(arguments: fixtureModels, Sampler.allCases)
    func goldenSchedule(model: String, sampler: Sampler) throws {
        let golden = try Golden(model)
        let config = try Self.goldenSchedulerConfig(model)
        let steps = try #require(golden.file.metadata["pipe.steps"].flatMap { Int($0) })
        let scheduler = try sampler.makeScheduler(config: config, steps: steps, noiseSeed: 0)
        #expect(scheduler.timesteps == (try golden.values("pipe.\(sampler.rawValue).timesteps")))
        if sampler != .ddim {
            let sigmas = try golden.values("pipe.\(sampler.rawValue).sigmas")
            #expect(scheduler.sigmas.count == sigmas.count)
            for (actual, reference) in zip(scheduler.sigmas, sigmas) {
                #expect(abs(actual - reference) <= 1e-6 * abs(reference), "\(model) sigma \(actual) vs \(reference)")
            }
        }
    }
}
