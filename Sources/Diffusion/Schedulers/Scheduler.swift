import Tensors

/// A sampler's schedule and update rule, as one diffusers scheduler after `set_timesteps(steps)`.
///
/// The pipeline runs `for i in timesteps.indices`: the UNet sees `scaleModelInput(x, i)` at `timesteps[i]`, and
/// `step` turns its (guided) output into the next sample. Schedules are computed on the host; updates are backend
/// ops on NHWC latents.
public protocol Scheduler: Sendable {
    /// The UNet timestep of each step.
    var timesteps: [Float] { get }
    /// The noise level of each step followed by the final one (k-diffusion σ); empty for DDIM, which has none.
    var sigmas: [Float] { get }
    /// The standard deviation of the initial latents (the pipeline multiplies unit noise by it).
    var initNoiseSigma: Float { get }
    /// The UNet input for step `index` (diffusers' `scale_model_input`).
    func scaleModelInput(_ sample: Tensor, step index: Int, on backend: any Backend) -> Tensor
    /// The sample after step `index` (`prev_sample` of diffusers' `step`). Steps must run in order.
    mutating func step(_ modelOutput: Tensor, step index: Int, sample: Tensor, on backend: any Backend) -> Tensor
}
