// libwebp (Debian: libwebp-dev), for WebP decoding (lossy, lossless, alpha).
#include <webp/decode.h>
