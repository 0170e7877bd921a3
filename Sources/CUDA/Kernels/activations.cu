// SiLU, exact GELU and quick-GELU, and GEGLU, with their gradients (Backend.activation, .geglu and their backward
// passes). `kind` is lorad::ActivationKind.
#include "common.cuh"

#define LORAD_ACTIVATIONS(suffix, T)                                                                               \
    extern "C" __global__ void activation_##suffix(const T* x, T* out, long long count, int kind) {                \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            out[i] = lorad::from_float<T>(lorad::activate(kind, lorad::to_float(x[i])));                           \
    }                                                                                                              \
    extern "C" __global__ void activation_backward_##suffix(                                                       \
        const T* grad_output, const T* x, T* grad_input, long long count, int kind) {                              \
        for (long long i = lorad::first_index(); i < count; i += lorad::grid_stride())                             \
            grad_input[i] = lorad::from_float<T>(                                                                  \
                lorad::to_float(grad_output[i]) * lorad::activation_derivative(kind, lorad::to_float(x[i])));      \
    }                                                                                                              \
    /* x [rows, 2·width] → out [rows, width]: the first half times GELU of the second (the gate). */             \
    extern "C" __global__ void geglu_##suffix(const T* x, T* out, long long rows, long long width) {               \
        for (long long i = lorad::first_index(); i < rows * width; i += lorad::grid_stride()) {                    \
            const long long row = i / width, column = i % width;                                                   \
            const float hidden = lorad::to_float(x[row * 2 * width + column]);                                     \
            const float gate = lorad::to_float(x[row * 2 * width + width + column]);                               \
            out[i] = lorad::from_float<T>(hidden * lorad::activate(lorad::kGELU, gate));                           \
        }                                                                                                          \
    }                                                                                                              \
    extern "C" __global__ void geglu_backward_##suffix(                                                            \
        const T* grad_output, const T* x, T* grad_input, long long rows, long long width) {                        \
        for (long long i = lorad::first_index(); i < rows * width; i += lorad::grid_stride()) {                    \
            const long long row = i / width, column = i % width;                                                   \
            const long long hidden_index = row * 2 * width + column, gate_index = hidden_index + width;            \
            const float upstream = lorad::to_float(grad_output[i]);                                                \
            const float hidden = lorad::to_float(x[hidden_index]), gate = lorad::to_float(x[gate_index]);          \
            grad_input[hidden_index] = lorad::from_float<T>(upstream * lorad::activate(lorad::kGELU, gate));       \
            grad_input[gate_index] =                                                                               \
                lorad::from_float<T>(upstream * hidden * lorad::activation_derivative(lorad::kGELU, gate));        \
        }                                                                                                          \
    }
LORAD_FOR_EACH_STORAGE(LORAD_ACTIVATIONS)
