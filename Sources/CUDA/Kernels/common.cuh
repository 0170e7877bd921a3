// Shared by every kernel: 16-bit storage types, conversions to and from f32, block reductions and the instantiation
// macro. NVRTC compiles these without a CUDA toolkit (the PyPI wheel and a bare driver ship no cuda_fp16.h), so the
// f16 and bf16 storage types are defined here as their bits, converted with PTX `cvt` and integer rounding.
#pragma once

namespace lorad {

/// IEEE half precision, as stored (cuda_fp16.h's __half).
struct __align__(2) f16 {
    unsigned short bits;
};

/// bfloat16, as stored (cuda_bf16.h's __nv_bfloat16).
struct __align__(2) bf16 {
    unsigned short bits;
};

__device__ __forceinline__ float to_float(float x) { return x; }

__device__ __forceinline__ float to_float(f16 x) {
    float result;
    asm("cvt.f32.f16 %0, %1;" : "=f"(result) : "h"(x.bits));
    return result;
}

__device__ __forceinline__ float to_float(bf16 x) { return __uint_as_float(static_cast<unsigned>(x.bits) << 16); }

template <typename T> __device__ __forceinline__ T from_float(float x);

template <> __device__ __forceinline__ float from_float<float>(float x) { return x; }

template <> __device__ __forceinline__ f16 from_float<f16>(float x) {
    f16 result;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(result.bits) : "f"(x));
    return result;
}

// Round to nearest, ties to even, as PyTorch's and the CPU backend's conversion; NaNs stay (quiet) NaNs.
template <> __device__ __forceinline__ bf16 from_float<bf16>(float x) {
    unsigned bits = __float_as_uint(x);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return bf16{static_cast<unsigned short>((bits >> 16) | 0x40u)};
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return bf16{static_cast<unsigned short>(bits >> 16)};
}

/// The first index and stride of a grid-stride loop over `count` elements.
__device__ __forceinline__ long long first_index() {
    return static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long grid_stride() { return static_cast<long long>(gridDim.x) * blockDim.x; }

/// The sum of every thread's `value` in the block, returned to all threads. `blockDim.x` must be a multiple of 32
/// and at most 1024. Fixed order, so that a kernel gives the same bits on every run.
__device__ __forceinline__ float block_sum(float value) {
    __shared__ float warp_sums[32];
    for (int offset = 16; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();  // warp_sums may still be read by a previous call
    if (lane == 0) warp_sums[warp] = value;
    __syncthreads();
    value = threadIdx.x < blockDim.x / 32 ? warp_sums[lane] : 0.0f;
    if (warp == 0) {
        for (int offset = 16; offset > 0; offset /= 2) value += __shfl_down_sync(0xffffffffu, value, offset);
        if (lane == 0) warp_sums[0] = value;
    }
    __syncthreads();
    return warp_sums[0];
}

/// The block's maximum of `value`, as `block_sum`.
__device__ __forceinline__ float block_max(float value) {
    __shared__ float warp_maxima[32];
    for (int offset = 16; offset > 0; offset /= 2) value = fmaxf(value, __shfl_down_sync(0xffffffffu, value, offset));
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();
    if (lane == 0) warp_maxima[warp] = value;
    __syncthreads();
    value = threadIdx.x < blockDim.x / 32 ? warp_maxima[lane] : __int_as_float(0xff800000);
    if (warp == 0) {
        for (int offset = 16; offset > 0; offset /= 2) value = fmaxf(value, __shfl_down_sync(0xffffffffu, value, offset));
        if (lane == 0) warp_maxima[0] = value;
    }
    __syncthreads();
    return warp_maxima[0];
}

/// Pointwise nonlinearities, numbered as the host's `Activation` (kernels take the number as an argument).
enum ActivationKind { kNone = -1, kSiLU = 0, kGELU = 1, kQuickGELU = 2 };

__device__ __forceinline__ float activate(int kind, float x) {
    switch (kind) {
    case kSiLU: return x / (1.0f + expf(-x));
    case kGELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case kQuickGELU: return x / (1.0f + expf(-1.702f * x));
    default: return x;
    }
}

/// d/dx of `activate(kind, x)`.
__device__ __forceinline__ float activation_derivative(int kind, float x) {
    switch (kind) {
    case kSiLU: {
        const float s = 1.0f / (1.0f + expf(-x));
        return s * (1.0f + x * (1.0f - s));
    }
    case kGELU:  // Φ(x) + x·φ(x)
        return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * expf(-0.5f * x * x) * 0.39894228040143268f;
    case kQuickGELU: {
        const float s = 1.0f / (1.0f + expf(-1.702f * x));
        return s * (1.0f + 1.702f * x * (1.0f - s));
    }
    default: return 1.0f;
    }
}

}  // namespace lorad

// Instantiates `M(suffix, type)` for each storage type; kernels are `extern "C"` so that their names are plain.
#define LORAD_FOR_EACH_STORAGE(M) M(f32, float) M(f16, lorad::f16) M(bf16, lorad::bf16)
