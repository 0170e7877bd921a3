#!/usr/bin/env bash
# Installs the Debian packages lorad builds against, skipping those already present, and NVRTC for the kernel tests.
# Runs apt-get as root, or through sudo for another user. Safe to run again.
set -euo pipefail

packages=(
  libopenblas-dev   # BLAS for the CPU backend's matrix products
  zlib1g-dev        # deflate for PNG files and the bundled tokenizer vocabulary
  libjpeg62-turbo-dev  # JPEG decoding for training images (libjpeg-turbo's libjpeg API)
  libpng-dev        # PNG decoding for training images (all bit depths, palettes, interlacing)
  libwebp-dev       # WebP decoding for training images (lossy, lossless, alpha)
  libsqlite3-dev    # SQLite for the server's records, linked by GRDB
  libcurl4-openssl-dev  # libcurl, which FoundationNetworking's URLSession (webhook deliveries) links in a static build
  pkg-config        # how SwiftPM finds the libraries above
  chromium          # headless browser for the web page's end-to-end test (Tests/LoradCLITests/Browser)
  chromium-driver   # chromedriver, the WebDriver server that test drives Chromium through
  curl jq           # the README's curl session, which a test runs as written
)

# pip fetches NVRTC below; only needed when python3 has no pip module.
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "installing: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# NVRTC (CUDA 13) from PyPI, so that KernelCompilationTests compile every CUDA kernel on a machine without a GPU or
# a CUDA toolkit. The wheel is a zip; its nvidia/cu13/lib holds libnvrtc.so.13 and libnvrtc-builtins.
nvrtc_dir="${XDG_CACHE_HOME:-$HOME/.cache}/lorad/nvrtc"
if [ ! -e "$nvrtc_dir/nvidia/cu13/lib/libnvrtc.so.13" ]; then
  echo "fetching nvidia-cuda-nvrtc into $nvrtc_dir" >&2
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$download" "nvidia-cuda-nvrtc>=13,<14"
  mkdir -p "$nvrtc_dir"
  python3 - "$download" "$nvrtc_dir" <<'PYTHON'
import pathlib, sys, zipfile
download, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for wheel in download.glob("*.whl"):
    zipfile.ZipFile(wheel).extractall(target)
PYTHON
fi
