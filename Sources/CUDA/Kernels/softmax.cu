// Row softmax of attention scores and its gradient. scores [rows, columns] with rows = batch·heads·queries; the
// scale (D^-1/2) is applied first, and with `causal` set, query q (row % queries) sees keys 0…q only, as the CPU
// backend's attention. One block per row, f32 arithmetic.
#include "common.cuh"

namespace {

__device__ __forceinline__ int visible_columns(int row, int columns, int queries, int causal) {
    return causal ? min(columns, row % queries + 1) : columns;
}

template <typename T>
__device__ void softmax_forward(const T* scores, T* probabilities, int columns, float scale, int causal, int queries) {
    const long long offset = static_cast<long long>(blockIdx.x) * columns;
    const int visible = visible_columns(blockIdx.x, columns, queries, causal);
    float maximum = __int_as_float(0xff800000);
    for (int i = threadIdx.x; i < visible; i += blockDim.x)
        maximum = fmaxf(maximum, scale * lorad::to_float(scores[offset + i]));
    maximum = lorad::block_max(maximum);
    float sum = 0.0f;
    for (int i = threadIdx.x; i < visible; i += blockDim.x) sum += expf(scale * lorad::to_float(scores[offset + i]) - maximum);
    const float inverse_sum = 1.0f / lorad::block_sum(sum);
    for (int i = threadIdx.x; i < columns; i += blockDim.x) {
        const float p = i < visible ? expf(scale * lorad::to_float(scores[offset + i]) - maximum) * inverse_sum : 0.0f;
        probabilities[offset + i] = lorad::from_float<T>(p);
    }
}

// With y = softmax(scale·s): ds = scale · y · (dy − Σ dy·y). Masked columns have y = 0 and get 0.
template <typename T>
__device__ void softmax_backward(const T* probabilities, const T* grad_probabilities, T* grad_scores, int columns, float scale) {
    const long long offset = static_cast<long long>(blockIdx.x) * columns;
    float dot = 0.0f;
    for (int i = threadIdx.x; i < columns; i += blockDim.x)
        dot += lorad::to_float(probabilities[offset + i]) * lorad::to_float(grad_probabilities[offset + i]);
    dot = lorad::block_sum(dot);
    for (int i = threadIdx.x; i < columns; i += blockDim.x) {
        const float y = lorad::to_float(probabilities[offset + i]);
        grad_scores[offset + i] = lorad::from_float<T>(scale * y * (lorad::to_float(grad_probabilities[offset + i]) - dot));
    }
}

}  // namespace

#define LORAD_SOFTMAX(suffix, T)                                                                                   \
    extern "C" __global__ void softmax_##suffix(                                                                   \
        const T* scores, T* probabilities, int columns, float scale, int causal, int queries) {                    \
        softmax_forward(scores, probabilities, columns, scale, causal, queries);                                   \
    }                                                                                                              \
    extern "C" __global__ void softmax_backward_##suffix(                                                          \
        const T* probabilities, const T* grad_probabilities, T* grad_scores, int columns, float scale) {           \
        softmax_backward(probabilities, grad_probabilities, grad_scores, columns, scale);                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_SOFTMAX)
