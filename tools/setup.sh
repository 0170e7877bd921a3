#!/usr/bin/env bash
# Installs the Debian packages lorad builds against, skipping those already present.
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

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
