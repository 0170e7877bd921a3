// Conversions between the storage types (Backend.cast): through f32, rounding to nearest even.
#include "common.cuh"

#define LORAD_CAST(from_suffix, From, to_suffix, To)                                                               \
    extern "C" __global__ void cast_##from_suffix##_to_##to_suffix(const From* x, To* out, long long count) {      \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            out[i] = lorad::from_float<To>(lorad::to_float(x[i]));                                                 \
    }
#define LORAD_CAST_FROM(from_suffix, From)                                                                         \
    LORAD_CAST(from_suffix, From, f32, float)                                                                      \
    LORAD_CAST(from_suffix, From, f16, lorad::f16)                                                                 \
    LORAD_CAST(from_suffix, From, bf16, lorad::bf16)
LORAD_FOR_EACH_STORAGE(LORAD_CAST_FROM)
