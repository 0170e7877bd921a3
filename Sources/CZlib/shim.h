// zlib (Debian: zlib1g-dev), used for PNG's deflate streams and CRCs.
#include <zlib.h>
