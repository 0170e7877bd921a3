// add and multiply with broadcasting: `b` broadcasts to `a`'s shape, aligned right (Backend.add / Backend.multiply).
#include "common.cuh"

/// `a`'s shape and `b`'s strides in `a`'s index space (0 along the dimensions where `b` has size 1 or none).
struct BroadcastLayout {
    int rank;
    long long shape[8];
    long long b_strides[8];
};

__device__ __forceinline__ long long broadcast_index(long long i, const BroadcastLayout& layout) {
    long long b_index = 0;
    for (int d = layout.rank - 1; d >= 0; --d) {
        b_index += (i % layout.shape[d]) * layout.b_strides[d];
        i /= layout.shape[d];
    }
    return b_index;
}

#define LORAD_BROADCAST(suffix, T)                                                                                  \
    extern "C" __global__ void add_##suffix(const T* a, const T* b, T* out, long long count, BroadcastLayout layout) { \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                              \
            out[i] = lorad::from_float<T>(lorad::to_float(a[i]) + lorad::to_float(b[broadcast_index(i, layout)]));   \
    }                                                                                                               \
    extern "C" __global__ void multiply_##suffix(                                                                   \
        const T* a, const T* b, T* out, long long count, BroadcastLayout layout) {                                  \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                              \
            out[i] = lorad::from_float<T>(lorad::to_float(a[i]) * lorad::to_float(b[broadcast_index(i, layout)]));   \
    }
LORAD_FOR_EACH_STORAGE(LORAD_BROADCAST)
