// Nearest-neighbour resize of x [N, H, W, C] and its gradient (Backend.upsampleNearest / .upsampleNearestBackward),
// with PyTorch's index rule: source = min(⌊target · (in / out)⌋, in − 1), computed in f32 as the CPU backend does.
#include "common.cuh"

namespace {

__device__ __forceinline__ int nearest_source(int target, int input_size, int output_size) {
    const float scale = __fdiv_rn(static_cast<float>(input_size), static_cast<float>(output_size));
    return min(static_cast<int>(floorf(__fmul_rn(static_cast<float>(target), scale))), input_size - 1);
}

// The sum of the gradient over the output positions whose source is `source` (a consecutive run, since the rule
// is monotone), in increasing order.
template <typename T>
__device__ float sum_copies(
    const T* grad_output, long long image_offset, int y, int x, int c, int input_height, int input_width,
    int output_height, int output_width, int channels) {
    int first_row = max(0, static_cast<int>(floorf(static_cast<float>(y) * output_height / input_height)) - 1);
    while (first_row < output_height && nearest_source(first_row, input_height, output_height) < y) ++first_row;
    int first_column = max(0, static_cast<int>(floorf(static_cast<float>(x) * output_width / input_width)) - 1);
    while (first_column < output_width && nearest_source(first_column, input_width, output_width) < x) ++first_column;
    float sum = 0.0f;
    for (int row = first_row; row < output_height && nearest_source(row, input_height, output_height) == y; ++row)
        for (int column = first_column;
             column < output_width && nearest_source(column, input_width, output_width) == x; ++column)
            sum += lorad::to_float(grad_output[image_offset + (static_cast<long long>(row) * output_width + column) * channels + c]);
    return sum;
}

}  // namespace

#define LORAD_UPSAMPLE_NEAREST(suffix, T)                                                                          \
    extern "C" __global__ void upsample_nearest_##suffix(                                                          \
        const T* x, T* out, int images, int input_height, int input_width, int channels, int output_height,        \
        int output_width) {                                                                                        \
        const long long count = static_cast<long long>(images) * output_height * output_width * channels;          \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride()) {                           \
            const int c = i % channels, column = (i / channels) % output_width;                                    \
            const int row = (i / channels / output_width) % output_height;                                         \
            const long long image = i / channels / output_width / output_height;                                   \
            const int source_row = nearest_source(row, input_height, output_height);                               \
            const int source_column = nearest_source(column, input_width, output_width);                           \
            out[i] = x[((image * input_height + source_row) * input_width + source_column) * channels + c];        \
        }                                                                                                          \
    }                                                                                                              \
    extern "C" __global__ void upsample_nearest_backward_##suffix(                                                 \
        const T* grad_output, T* grad_input, int images, int input_height, int input_width, int channels,          \
        int output_height, int output_width) {                                                                     \
        const long long count = static_cast<long long>(images) * input_height * input_width * channels;            \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride()) {                           \
            const int c = i % channels, x = (i / channels) % input_width;                                          \
            const int y = (i / channels / input_width) % input_height;                                             \
            const long long image = i / channels / input_width / input_height;                                     \
            const long long image_offset = image * output_height * output_width * channels;                        \
            grad_input[i] = lorad::from_float<T>(sum_copies(                                                       \
                grad_output, image_offset, y, x, c, input_height, input_width, output_height, output_width,        \
                channels));                                                                                        \
        }                                                                                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_UPSAMPLE_NEAREST)
