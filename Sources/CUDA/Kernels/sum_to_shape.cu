// Sums x down to a shape that broadcasts to it (Backend.sum(_:toShape:)): the gradient of a broadcast in add and
// multiply. The host pads the target shape with leading 1s to x's rank. One block per output element; f32 sums.
#include "common.cuh"

struct ReductionLayout {
    int rank;
    long long input_shape[8];
    long long output_shape[8];
};

#define LORAD_SUM_TO_SHAPE(suffix, T)                                                                              \
    extern "C" __global__ void sum_to_shape_##suffix(const T* x, T* out, ReductionLayout layout) {                 \
        /* This block's output coordinates, and the number of input elements that add into it. */                  \
        long long coordinates[8], remaining = blockIdx.x, reduced_count = 1;                                       \
        for (int d = layout.rank - 1; d >= 0; --d) {                                                               \
            coordinates[d] = remaining % layout.output_shape[d];                                                   \
            remaining /= layout.output_shape[d];                                                                   \
            if (layout.output_shape[d] == 1) reduced_count *= layout.input_shape[d];                               \
        }                                                                                                          \
        float sum = 0.0f;                                                                                          \
        for (long long k = threadIdx.x; k < reduced_count; k += blockDim.x) {                                      \
            long long index = 0, stride = 1, rest = k;                                                             \
            for (int d = layout.rank - 1; d >= 0; --d) {                                                           \
                long long coordinate = coordinates[d];                                                             \
                if (layout.output_shape[d] == 1) {                                                                 \
                    coordinate = rest % layout.input_shape[d];                                                     \
                    rest /= layout.input_shape[d];                                                                 \
                }                                                                                                  \
                index += coordinate * stride;                                                                      \
                stride *= layout.input_shape[d];                                                                   \
            }                                                                                                      \
            sum += lorad::to_float(x[index]);                                                                      \
        }                                                                                                          \
        sum = lorad::block_sum(sum);                                                                               \
        if (threadIdx.x == 0) out[blockIdx.x] = lorad::from_float<T>(sum);                                         \
    }
LORAD_FOR_EACH_STORAGE(LORAD_SUM_TO_SHAPE)
