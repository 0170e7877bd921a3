// Layer normalisation over the last dimension of x [rows, width], and its backward pass (Backend.layerNorm /
// .layerNormBackward). One block per row; statistics in f32, two passes. `bias` and `grad_bias` may be null.
#include "common.cuh"

namespace {

struct RowStatistics {
    float mean;
    float inverse_deviation;
};

template <typename T> __device__ RowStatistics row_statistics(const T* row, int width, float eps) {
    float sum = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) sum += lorad::to_float(row[i]);
    const float mean = lorad::block_sum(sum) / width;
    float squares = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        const float d = lorad::to_float(row[i]) - mean;
        squares += d * d;
    }
    return {mean, rsqrtf(lorad::block_sum(squares) / width + eps)};
}

template <typename T>
__device__ void layer_norm_forward(const T* x, const T* weight, const T* bias, T* out, int width, float eps) {
    const long long offset = static_cast<long long>(blockIdx.x) * width;
    const RowStatistics statistics = row_statistics(x + offset, width, eps);
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        const float normalized = (lorad::to_float(x[offset + i]) - statistics.mean) * statistics.inverse_deviation;
        const float shift = bias ? lorad::to_float(bias[i]) : 0.0f;
        out[offset + i] = lorad::from_float<T>(normalized * lorad::to_float(weight[i]) + shift);
    }
}

// dx = (1/σ)·(γ·dy − mean(γ·dy) − x̂·mean(γ·dy·x̂)) over the row. The row's statistics go to `statistics [rows, 2]`
// for layer_norm_parameter_gradients.
template <typename T>
__device__ void layer_norm_backward(
    const T* grad_output, const T* x, const T* weight, T* grad_input, float* statistics_out, int width, float eps) {
    const long long offset = static_cast<long long>(blockIdx.x) * width;
    const RowStatistics statistics = row_statistics(x + offset, width, eps);
    float sum_gradient = 0.0f, sum_gradient_product = 0.0f;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        const float normalized = (lorad::to_float(x[offset + i]) - statistics.mean) * statistics.inverse_deviation;
        const float scaled = lorad::to_float(grad_output[offset + i]) * lorad::to_float(weight[i]);
        sum_gradient += scaled;
        sum_gradient_product += scaled * normalized;
    }
    const float mean_gradient = lorad::block_sum(sum_gradient) / width;
    const float mean_gradient_product = lorad::block_sum(sum_gradient_product) / width;
    for (int i = threadIdx.x; i < width; i += blockDim.x) {
        const float normalized = (lorad::to_float(x[offset + i]) - statistics.mean) * statistics.inverse_deviation;
        const float scaled = lorad::to_float(grad_output[offset + i]) * lorad::to_float(weight[i]);
        grad_input[offset + i] = lorad::from_float<T>(
            statistics.inverse_deviation * (scaled - mean_gradient - normalized * mean_gradient_product));
    }
    if (threadIdx.x == 0) {
        statistics_out[2 * blockIdx.x] = statistics.mean;
        statistics_out[2 * blockIdx.x + 1] = statistics.inverse_deviation;
    }
}

}  // namespace

#define LORAD_LAYER_NORM(suffix, T)                                                                                \
    extern "C" __global__ void layer_norm_##suffix(                                                                \
        const T* x, const T* weight, const T* bias, T* out, int width, float eps) {                                \
        layer_norm_forward(x, weight, bias, out, width, eps);                                                      \
    }                                                                                                              \
    extern "C" __global__ void layer_norm_backward_##suffix(                                                       \
        const T* grad_output, const T* x, const T* weight, T* grad_input, float* statistics, int width, float eps) { \
        layer_norm_backward(grad_output, x, weight, grad_input, statistics, width, eps);                           \
    }                                                                                                              \
    /* dγ = Σ dy·x̂ and dβ = Σ dy over the rows: one thread per channel, rows in order. */                        \
    extern "C" __global__ void layer_norm_parameter_gradients_##suffix(                                            \
        const T* grad_output, const T* x, const float* statistics, T* grad_weight, T* grad_bias, int rows,         \
        int width) {                                                                                               \
        for (long long c = lorad::first_index(); c < width; c += lorad::grid_stride()) {                           \
            float weight_sum = 0.0f, bias_sum = 0.0f;                                                              \
            for (int r = 0; r < rows; ++r) {                                                                       \
                const long long i = static_cast<long long>(r) * width + c;                                         \
                const float upstream = lorad::to_float(grad_output[i]);                                            \
                weight_sum += upstream * (lorad::to_float(x[i]) - statistics[2 * r]) * statistics[2 * r + 1];      \
                bias_sum += upstream;                                                                              \
            }                                                                                                      \
            grad_weight[c] = lorad::from_float<T>(weight_sum);                                                     \
            if (grad_bias) grad_bias[c] = lorad::from_float<T>(bias_sum);                                          \
        }                                                                                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_LAYER_NORM)
