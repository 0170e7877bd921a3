// Σ coefficientᵢ · tensorᵢ over up to 8 tensors of one shape, summed in f32 (Backend.linearCombination; the host
// folds longer lists through an f32 partial sum passed as one of the terms).
#include "common.cuh"

struct LinearTerms {
    const void* tensors[8];
    float coefficients[8];
    int count;
};

#define LORAD_LINEAR_COMBINATION(suffix, T)                                                                   \
    extern "C" __global__ void linear_combination_##suffix(LinearTerms terms, T* out, long long count) {      \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride()) {                      \
            float sum = 0.0f;                                                                                 \
            for (int t = 0; t < terms.count; ++t)                                                             \
                sum += terms.coefficients[t] * lorad::to_float(static_cast<const T*>(terms.tensors[t])[i]);    \
            out[i] = lorad::from_float<T>(sum);                                                               \
        }                                                                                                     \
    }
LORAD_FOR_EACH_STORAGE(LORAD_LINEAR_COMBINATION)
