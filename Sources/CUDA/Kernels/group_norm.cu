// Group normalisation of x [N, positions, C] (channels last) with the per-channel affine map and an optional fused
// activation, and its backward pass (Backend.groupNorm / .groupNormBackward). One block per (sample, group);
// statistics in f32, two passes (mean, then squared deviations) so that large means do not cancel.
#include "common.cuh"

namespace {

struct GroupStatistics {
    float mean;
    float inverse_deviation;
};

template <typename T>
__device__ GroupStatistics group_statistics(
    const T* group_start, long long count, int per_group, int channels, float eps) {
    float sum = 0.0f;
    for (long long k = threadIdx.x; k < count; k += blockDim.x)
        sum += lorad::to_float(group_start[(k / per_group) * channels + k % per_group]);
    const float mean = lorad::block_sum(sum) / count;
    float squares = 0.0f;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const float d = lorad::to_float(group_start[(k / per_group) * channels + k % per_group]) - mean;
        squares += d * d;
    }
    return {mean, rsqrtf(lorad::block_sum(squares) / count + eps)};
}

template <typename T>
__device__ void group_norm_forward(
    const T* x, const T* weight, const T* bias, T* out, int positions, int channels, int groups, float eps,
    int activation) {
    const int sample = blockIdx.x / groups, group = blockIdx.x % groups, per_group = channels / groups;
    const long long count = static_cast<long long>(positions) * per_group;
    const long long start = static_cast<long long>(sample) * positions * channels + group * per_group;
    const GroupStatistics statistics = group_statistics(x + start, count, per_group, channels, eps);
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const int c = group * per_group + static_cast<int>(k % per_group);
        const long long i = start + (k / per_group) * channels + k % per_group;
        const float normalized = (lorad::to_float(x[i]) - statistics.mean) * statistics.inverse_deviation;
        const float z = normalized * lorad::to_float(weight[c]) + lorad::to_float(bias[c]);
        out[i] = lorad::from_float<T>(lorad::activate(activation, z));
    }
}

// With x̂ the normalised input, z = γ·x̂ + β and dz = dy·act′(z): dβ = Σ dz, dγ = Σ dz·x̂ and
// dx = (1/σ)·(γ·dz − mean(γ·dz) − x̂·mean(γ·dz·x̂)) over the group. Each block also writes its sample's per-channel
// Σ dz and Σ dz·x̂ to `partial [N, C, 2]`, which group_norm_parameter_gradients sums over the samples.
template <typename T>
__device__ void group_norm_backward(
    const T* grad_output, const T* x, const T* weight, const T* bias, T* grad_input, float* partial, int positions,
    int channels, int groups, float eps, int activation) {
    const int sample = blockIdx.x / groups, group = blockIdx.x % groups, per_group = channels / groups;
    const long long count = static_cast<long long>(positions) * per_group;
    const long long start = static_cast<long long>(sample) * positions * channels + group * per_group;
    const GroupStatistics statistics = group_statistics(x + start, count, per_group, channels, eps);
    float mean_gradient = 0.0f, mean_gradient_product = 0.0f;
    for (int j = 0; j < per_group; ++j) {
        const int c = group * per_group + j;
        const float gamma = lorad::to_float(weight[c]), beta = lorad::to_float(bias[c]);
        float sum_dz = 0.0f, sum_dz_normalized = 0.0f;
        for (int p = threadIdx.x; p < positions; p += blockDim.x) {
            const long long i = start + static_cast<long long>(p) * channels + j;
            const float normalized = (lorad::to_float(x[i]) - statistics.mean) * statistics.inverse_deviation;
            const float dz =
                lorad::to_float(grad_output[i]) * lorad::activation_derivative(activation, normalized * gamma + beta);
            sum_dz += dz;
            sum_dz_normalized += dz * normalized;
        }
        sum_dz = lorad::block_sum(sum_dz);
        sum_dz_normalized = lorad::block_sum(sum_dz_normalized);
        if (threadIdx.x == 0) {
            partial[(static_cast<long long>(sample) * channels + c) * 2] = sum_dz;
            partial[(static_cast<long long>(sample) * channels + c) * 2 + 1] = sum_dz_normalized;
        }
        mean_gradient += gamma * sum_dz;
        mean_gradient_product += gamma * sum_dz_normalized;
    }
    mean_gradient /= count;
    mean_gradient_product /= count;
    for (long long k = threadIdx.x; k < count; k += blockDim.x) {
        const int c = group * per_group + static_cast<int>(k % per_group);
        const long long i = start + (k / per_group) * channels + k % per_group;
        const float gamma = lorad::to_float(weight[c]);
        const float normalized = (lorad::to_float(x[i]) - statistics.mean) * statistics.inverse_deviation;
        const float dz = lorad::to_float(grad_output[i]) *
                         lorad::activation_derivative(activation, normalized * gamma + lorad::to_float(bias[c]));
        grad_input[i] = lorad::from_float<T>(
            statistics.inverse_deviation * (gamma * dz - mean_gradient - normalized * mean_gradient_product));
    }
}

}  // namespace

#define LORAD_GROUP_NORM(suffix, T)                                                                                \
    extern "C" __global__ void group_norm_##suffix(                                                                \
        const T* x, const T* weight, const T* bias, T* out, int positions, int channels, int groups, float eps,     \
        int activation) {                                                                                          \
        group_norm_forward(x, weight, bias, out, positions, channels, groups, eps, activation);                    \
    }                                                                                                              \
    extern "C" __global__ void group_norm_backward_##suffix(                                                       \
        const T* grad_output, const T* x, const T* weight, const T* bias, T* grad_input, float* partial,           \
        int positions, int channels, int groups, float eps, int activation) {                                      \
        group_norm_backward(                                                                                       \
            grad_output, x, weight, bias, grad_input, partial, positions, channels, groups, eps, activation);      \
    }                                                                                                              \
    /* partial [N, C, 2] → grad_weight, grad_bias [C]: one thread per channel, samples in order. */                \
    extern "C" __global__ void group_norm_parameter_gradients_##suffix(                                            \
        const float* partial, T* grad_weight, T* grad_bias, int samples, int channels) {                           \
        for (long long c = lorad::first_index(); c < channels; c += lorad::grid_stride()) {                        \
            float bias_sum = 0.0f, weight_sum = 0.0f;                                                              \
            for (int n = 0; n < samples; ++n) {                                                                    \
                bias_sum += partial[(static_cast<long long>(n) * channels + c) * 2];                               \
                weight_sum += partial[(static_cast<long long>(n) * channels + c) * 2 + 1];                         \
            }                                                                                                      \
            grad_weight[c] = lorad::from_float<T>(weight_sum);                                                     \
            grad_bias[c] = lorad::from_float<T>(bias_sum);                                                         \
        }                                                                                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_GROUP_NORM)
