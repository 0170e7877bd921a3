// libjpeg-turbo's libjpeg API (Debian: libjpeg62-turbo-dev), for JPEG decoding.
// jpeglib.h needs stdio.h's FILE and size_t declared first.
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
