import Diffusion

/// sd-scripts' `sample_sampler` names (the `--ss` prompt option too) and the lorad sampler each one means.
///
/// sd-scripts' `get_my_scheduler` builds a diffusers scheduler per name; lorad maps a name only where its own sampler
/// is that same scheduler: `ddim` → DDIM, `euler`/`k_euler` → Euler, `euler_a`/`k_euler_a` → Euler ancestral,
/// `dpmsolver++` → DPM++ 2M (`DPMSolverMultistepScheduler`, algorithm dpmsolver++). lorad's own names
/// (`dpmpp_2m`, `dpmpp_2m_karras`, …) are accepted as well. The rest (pndm, lms, heun, dpm_2, dpm_2_a, dpmsolver,
/// dpmsingle, k_lms, k_dpm_2, k_dpm_2_a) are errors: lorad has no such scheduler.
public enum KohyaSamplerName {
    /// Every kohya name, with its lorad sampler or `nil` where lorad has none.
    public static let kohyaNames: [(name: String, sampler: Sampler?)] = [
        ("ddim", .ddim), ("pndm", nil), ("lms", nil), ("euler", .euler), ("euler_a", .eulerAncestral),
        ("heun", nil), ("dpm_2", nil), ("dpm_2_a", nil), ("dpmsolver", nil), ("dpmsolver++", .dpmpp2M),
        ("dpmsingle", nil), ("k_lms", nil), ("k_euler", .euler), ("k_euler_a", .eulerAncestral), ("k_dpm_2", nil),
        ("k_dpm_2_a", nil),
    ]

    /// The names `resolve` accepts, for error messages.
    public static var supportedNames: [String] {
        var names = kohyaNames.filter { $0.sampler != nil }.map(\.name)
        for sampler in Sampler.allCases where !names.contains(sampler.rawValue) { names.append(sampler.rawValue) }
        return names
    }

    /// The sampler for a kohya or lorad name (exact spelling), or an error message naming the supported ones.
    public static func resolve(_ name: String) -> Result<Sampler, SamplerNameError> {
        if let entry = kohyaNames.first(where: { $0.name == name }) {
            if let sampler = entry.sampler { return .success(sampler) }
            return .failure(SamplerNameError(name: name, isKohyaName: true))
        }
        if let sampler = Sampler(rawValue: name) { return .success(sampler) }
        return .failure(SamplerNameError(name: name, isKohyaName: false))
    }
}

/// A sampler name lorad cannot run.
public struct SamplerNameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// Whether sd-scripts knows the name (lorad just lacks that scheduler).
    public var isKohyaName: Bool

    public var description: String {
        let reason = isKohyaName ? "is a kohya sampler lorad does not implement" : "is not a sampler name"
        return "\"\(name)\" \(reason); supported: " + KohyaSamplerName.supportedNames.joined(separator: ", ")
    }
}
