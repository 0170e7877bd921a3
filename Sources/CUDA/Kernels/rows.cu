// Row gather (embedding lookup, Backend.gatherRows / .embedding) and its gradient, the scatter-add of rows
// (Backend.scatterAddRows). Row indices are checked by the host. The scatter-add takes the sources of each target
// row as CSR lists (`offsets [count + 1]`, `sources`) in increasing source index, so repeated rows add in a fixed
// order and no atomics are needed.
#include "common.cuh"

#define LORAD_ROWS(suffix, T)                                                                                      \
    extern "C" __global__ void gather_rows_##suffix(                                                               \
        const T* table, const int* rows, T* out, long long count, long long width) {                               \
        for (long long i = lorad::first_index(); i < count * width; i += lorad::grid_stride())                     \
            out[i] = table[static_cast<long long>(rows[i / width]) * width + i % width];                           \
    }                                                                                                              \
    extern "C" __global__ void scatter_add_rows_##suffix(                                                          \
        const T* x, const int* offsets, const int* sources, T* out, long long count, long long width) {            \
        for (long long i = lorad::first_index(); i < count * width; i += lorad::grid_stride()) {                   \
            const long long row = i / width, column = i % width;                                                   \
            float sum = 0.0f;                                                                                      \
            for (int s = offsets[row]; s < offsets[row + 1]; ++s)                                                  \
                sum += lorad::to_float(x[static_cast<long long>(sources[s]) * width + column]);                    \
            out[i] = lorad::from_float<T>(sum);                                                                    \
        }                                                                                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_ROWS)
