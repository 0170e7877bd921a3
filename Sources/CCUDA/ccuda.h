// The parts of the CUDA driver API, NVRTC, cuBLAS, cuBLASLt and cuDNN that lorad calls, as function-pointer types
// for symbols bound at run time with dlsym. No CUDA header or library is needed to build: the opaque handles, enum
// values and signatures below are copied from the public headers of CUDA 12 and 13 (the ABI of these calls has
// not changed since CUDA 11).
#ifndef LORAD_CCUDA_H
#define LORAD_CCUDA_H

#include <stddef.h>

// MARK: Driver API (libcuda.so.1)

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;

enum {
    CCUDA_SUCCESS = 0,
    CCUDA_ERROR_OUT_OF_MEMORY = 2,
    CCUDA_ERROR_NO_DEVICE = 100,
};

enum {
    CCUDA_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    CCUDA_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    CCUDA_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115,
};

enum { CCUDA_STREAM_NON_BLOCKING = 1 };

typedef CUresult (*cuInit_t)(unsigned int flags);
typedef CUresult (*cuDriverGetVersion_t)(int *version);
typedef CUresult (*cuGetErrorName_t)(CUresult error, const char **name);
typedef CUresult (*cuGetErrorString_t)(CUresult error, const char **description);
typedef CUresult (*cuDeviceGetCount_t)(int *count);
typedef CUresult (*cuDeviceGet_t)(CUdevice *device, int ordinal);
typedef CUresult (*cuDeviceGetName_t)(char *name, int length, CUdevice device);
typedef CUresult (*cuDeviceGetAttribute_t)(int *value, int attribute, CUdevice device);
typedef CUresult (*cuDeviceTotalMem_t)(size_t *bytes, CUdevice device);
typedef CUresult (*cuDevicePrimaryCtxRetain_t)(CUcontext *context, CUdevice device);
typedef CUresult (*cuDevicePrimaryCtxRelease_t)(CUdevice device);
typedef CUresult (*cuCtxSetCurrent_t)(CUcontext context);
typedef CUresult (*cuCtxGetCurrent_t)(CUcontext *context);
typedef CUresult (*cuMemGetInfo_t)(size_t *free, size_t *total);
typedef CUresult (*cuStreamCreate_t)(CUstream *stream, unsigned int flags);
typedef CUresult (*cuStreamDestroy_t)(CUstream stream);
typedef CUresult (*cuStreamSynchronize_t)(CUstream stream);
typedef CUresult (*cuMemAllocAsync_t)(CUdeviceptr *pointer, size_t bytes, CUstream stream);
typedef CUresult (*cuMemFreeAsync_t)(CUdeviceptr pointer, CUstream stream);
typedef CUresult (*cuMemcpyHtoDAsync_t)(CUdeviceptr destination, const void *source, size_t bytes, CUstream stream);
typedef CUresult (*cuMemcpyDtoHAsync_t)(void *destination, CUdeviceptr source, size_t bytes, CUstream stream);
typedef CUresult (*cuMemcpyDtoDAsync_t)(CUdeviceptr destination, CUdeviceptr source, size_t bytes, CUstream stream);
typedef CUresult (*cuMemsetD8Async_t)(CUdeviceptr destination, unsigned char value, size_t count, CUstream stream);
typedef CUresult (*cuModuleLoadData_t)(CUmodule *module, const void *image);
typedef CUresult (*cuModuleUnload_t)(CUmodule module);
typedef CUresult (*cuModuleGetFunction_t)(CUfunction *function, CUmodule module, const char *name);
typedef CUresult (*cuLaunchKernel_t)(
    CUfunction function, unsigned int gridX, unsigned int gridY, unsigned int gridZ, unsigned int blockX,
    unsigned int blockY, unsigned int blockZ, unsigned int sharedMemoryBytes, CUstream stream, void **parameters,
    void **extra);

// MARK: NVRTC (libnvrtc.so.13 / .12)

typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;

enum { CCUDA_NVRTC_SUCCESS = 0 };

typedef nvrtcResult (*nvrtcVersion_t)(int *major, int *minor);
typedef const char *(*nvrtcGetErrorString_t)(nvrtcResult result);
typedef nvrtcResult (*nvrtcGetNumSupportedArchs_t)(int *count);
typedef nvrtcResult (*nvrtcGetSupportedArchs_t)(int *architectures);
typedef nvrtcResult (*nvrtcCreateProgram_t)(
    nvrtcProgram *program, const char *source, const char *name, int headerCount, const char *const *headers,
    const char *const *includeNames);
typedef nvrtcResult (*nvrtcDestroyProgram_t)(nvrtcProgram *program);
typedef nvrtcResult (*nvrtcCompileProgram_t)(nvrtcProgram program, int optionCount, const char *const *options);
typedef nvrtcResult (*nvrtcGetProgramLogSize_t)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*nvrtcGetProgramLog_t)(nvrtcProgram program, char *log);
typedef nvrtcResult (*nvrtcGetCUBINSize_t)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*nvrtcGetCUBIN_t)(nvrtcProgram program, char *cubin);
typedef nvrtcResult (*nvrtcGetPTXSize_t)(nvrtcProgram program, size_t *size);
typedef nvrtcResult (*nvrtcGetPTX_t)(nvrtcProgram program, char *ptx);

// MARK: cuBLAS (libcublas.so.13 / .12), cuBLASLt, cuDNN

typedef int cublasStatus_t;
typedef struct cublasContext *cublasHandle_t;

enum { CCUDA_CUBLAS_STATUS_SUCCESS = 0 };
enum { CCUDA_CUBLAS_OP_N = 0, CCUDA_CUBLAS_OP_T = 1 };
enum { CCUDA_LIBRARY_MAJOR_VERSION = 0, CCUDA_LIBRARY_MINOR_VERSION = 1, CCUDA_LIBRARY_PATCH_LEVEL = 2 };

typedef cublasStatus_t (*cublasGetProperty_t)(int property, int *value);
typedef cublasStatus_t (*cublasCreate_t)(cublasHandle_t *handle);
typedef cublasStatus_t (*cublasDestroy_t)(cublasHandle_t handle);
typedef cublasStatus_t (*cublasSetStream_t)(cublasHandle_t handle, CUstream stream);
typedef cublasStatus_t (*cublasSgemm_t)(
    cublasHandle_t handle, int transposeA, int transposeB, int m, int n, int k, const float *alpha, const float *a,
    int lda, const float *b, int ldb, const float *beta, float *c, int ldc);

typedef size_t (*cublasLtGetVersion_t)(void);
typedef size_t (*cudnnGetVersion_t)(void);

#endif
