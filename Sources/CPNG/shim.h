// libpng 1.6 (Debian: libpng-dev), for PNG decoding.
#include <png.h>
