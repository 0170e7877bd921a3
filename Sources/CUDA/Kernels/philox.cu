// Philox4x32-10 normal and uniform draws and dropout masks, the same numbers as Tensors/Philox.swift: element i is
// index g = offset + i, which uses block g / 4 (counter (block.lo, block.hi, stream, 0), key (seed.lo, seed.hi))
// and lane g % 4. Uniforms are (word + 0.5)·2⁻³²; normals are Box–Muller on the lane pairs (0, 1) and (2, 3),
// cosine for the even lane and sine for the odd one, in double precision before rounding to f32.
#include "common.cuh"

namespace {

struct PhiloxWords {
    unsigned w[4];
};

__device__ PhiloxWords philox_block(unsigned long long seed, unsigned stream, unsigned long long block) {
    unsigned c0 = static_cast<unsigned>(block), c1 = static_cast<unsigned>(block >> 32), c2 = stream, c3 = 0;
    unsigned k0 = static_cast<unsigned>(seed), k1 = static_cast<unsigned>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
        const unsigned long long p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
        const unsigned n0 = static_cast<unsigned>(p1 >> 32) ^ c1 ^ k0, n1 = static_cast<unsigned>(p1);
        const unsigned n2 = static_cast<unsigned>(p0 >> 32) ^ c3 ^ k1, n3 = static_cast<unsigned>(p0);
        c0 = n0, c1 = n1, c2 = n2, c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return {{c0, c1, c2, c3}};
}

__device__ __forceinline__ double unit(unsigned word) { return (static_cast<double>(word) + 0.5) * 0x1p-32; }

__device__ float uniform_at(unsigned long long seed, unsigned stream, unsigned long long index) {
    return static_cast<float>(unit(philox_block(seed, stream, index / 4).w[index % 4]));
}

__device__ float normal_at(unsigned long long seed, unsigned stream, unsigned long long index) {
    const PhiloxWords words = philox_block(seed, stream, index / 4);
    const int lane = static_cast<int>(index % 4), pair = lane / 2 * 2;
    const double radius = sqrt(-2.0 * log(unit(words.w[pair])));
    const double angle = 2.0 * 3.141592653589793 * unit(words.w[pair + 1]);
    return static_cast<float>(lane % 2 == 0 ? radius * cos(angle) : radius * sin(angle));
}

}  // namespace

#define LORAD_PHILOX(suffix, T)                                                                                    \
    extern "C" __global__ void random_normal_##suffix(                                                             \
        T* out, long long count, unsigned long long seed, unsigned stream, unsigned long long offset) {            \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            out[i] = lorad::from_float<T>(normal_at(seed, stream, offset + i));                                    \
    }                                                                                                              \
    extern "C" __global__ void random_uniform_##suffix(                                                            \
        T* out, long long count, unsigned long long seed, unsigned stream, unsigned long long offset) {            \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            out[i] = lorad::from_float<T>(uniform_at(seed, stream, offset + i));                                   \
    }                                                                                                              \
    /* 1/(1 − p) where the uniform draw is ≥ p, else 0 (PyTorch's inverted dropout). */                           \
    extern "C" __global__ void dropout_mask_##suffix(                                                              \
        T* out, long long count, float drop_probability, unsigned long long seed, unsigned stream,                 \
        unsigned long long offset) {                                                                               \
        const float kept = 1.0f / (1.0f - drop_probability);                                                       \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            out[i] = lorad::from_float<T>(uniform_at(seed, stream, offset + i) >= drop_probability ? kept : 0.0f); \
    }
LORAD_FOR_EACH_STORAGE(LORAD_PHILOX)
