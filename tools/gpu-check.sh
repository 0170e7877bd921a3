#!/usr/bin/env bash
# Builds a self-contained, stripped lorad for a GPU machine and prints how to check CUDA there with the session's
# `run` tool: `lorad doctor` (driver, libraries, GPUs, an NVRTC kernel and a cuBLAS GEMM), then the hidden
# `lorad doctor --self-test`, which compiles every kernel in Sources/CUDA/Kernels for the GPU and compares it with the
# CPU backend on random inputs. Nothing here needs a GPU; the printed command does.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.device/gpu-check   # ignored by git; the run tool carries it with `carry`
swift build -c release --static-swift-stdlib --product lorad
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)

rm -rf "$out"
mkdir -p "$out"
cp "$bin/lorad" "$out/lorad"
strip "$out/lorad"
# Bundle.module looks for the resource bundles (the kernels, the OpenAPI document, the CLIP vocabulary) beside the
# executable.
for bundle in "$bin"/*.resources; do cp -R "$bundle" "$out/"; done
du -sh "$out" >&2

# The GPU machine's CUDA libraries: the toolkit's folder and pip's nvidia-* wheels, where present.
libraries='$(ls -d /usr/local/cuda/lib64 /usr/local/cuda/targets/*/lib /usr/lib/python3*/*-packages/nvidia/*/lib /usr/local/lib/python3*/*-packages/nvidia/*/lib 2>/dev/null | paste -sd: -)'
cat <<MESSAGE
Run on the GPU machine (the run tool), carrying the build:
  carry:   ["$out"]
  command: export LORAD_CUDA_LIBRARY_PATH=$libraries; $out/lorad doctor; $out/lorad doctor --self-test
Both print what they found; the exit status is 0 only when everything found works.
MESSAGE
