// One-input pointwise maps: clamp and exp (Backend.clamp / Backend.exp).
#include "common.cuh"

#define LORAD_POINTWISE(suffix, T)                                                                               \
    extern "C" __global__ void clamp_##suffix(const T* x, T* out, long long count, float low, float high) {      \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                           \
            out[i] = lorad::from_float<T>(fminf(fmaxf(lorad::to_float(x[i]), low), high));                      \
    }                                                                                                            \
    extern "C" __global__ void exp_##suffix(const T* x, T* out, long long count) {                               \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                           \
            out[i] = lorad::from_float<T>(expf(lorad::to_float(x[i])));                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_POINTWISE)
