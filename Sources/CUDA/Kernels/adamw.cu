// One AdamW step over f32 master weights and state, as Training/AdamW.swift (torch.optim.AdamW's single-tensor
// path): p *= 1 − lr·wd; m = lerp(m, g, 1 − β1); v = β2·v + (1 − β2)·g²; p −= step · m / (√v / √(1 − β2ᵗ) + eps).
// Rounded operations (no fused multiply-add) so that each value rounds as the CPU's.
#include "common.cuh"

/// The step's scalars, computed on the host in double and rounded to f32 as the CPU optimizer does.
struct AdamWScalars {
    float decay;              // 1 − lr·weight_decay
    int decays;               // whether weight_decay ≠ 0
    float lerp_weight;        // 1 − β1
    float beta2;
    float one_minus_beta2;
    float correction2_sqrt;   // √(1 − β2ᵗ)
    float eps;
    float negative_step_size; // −lr / (1 − β1ᵗ)
};

// torch.lerp's two-sided formula.
__device__ __forceinline__ float torch_lerp(float a, float b, float weight) {
    const float difference = __fsub_rn(b, a);
    return fabsf(weight) < 0.5f ? __fadd_rn(a, __fmul_rn(weight, difference))
                                : __fsub_rn(b, __fmul_rn(difference, __fsub_rn(1.0f, weight)));
}

extern "C" __global__ void adamw_step(
    float* parameters, const float* gradients, float* exp_avg, float* exp_avg_sq, long long count, AdamWScalars s) {
    for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride()) {
        float p = parameters[i];
        if (s.decays) p = __fmul_rn(p, s.decay);
        const float g = gradients[i];
        const float m = torch_lerp(exp_avg[i], g, s.lerp_weight);
        const float v = __fadd_rn(__fmul_rn(exp_avg_sq[i], s.beta2), __fmul_rn(__fmul_rn(s.one_minus_beta2, g), g));
        const float denominator = __fadd_rn(__fdiv_rn(__fsqrt_rn(v), s.correction2_sqrt), s.eps);
        parameters[i] = __fadd_rn(p, __fmul_rn(s.negative_step_size, __fdiv_rn(m, denominator)));
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
    }
}
