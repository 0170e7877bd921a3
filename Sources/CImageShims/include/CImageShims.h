// Decoding through libjpeg and libpng with their errors returned instead of exit()/abort(): both libraries report
// fatal errors by calling a handler that must not return, and the only way out of it is longjmp, which Swift cannot
// do. Each function here sets the jump point, runs the whole decode, and turns a failure into a status and a message.
//
// Why not the APIs that return errors by themselves: TurboJPEG (libturbojpeg0-dev) either lets a truncated file
// through padded with grey or, with TJFLAG_STOPONWARNING, also fails on harmless warnings ("extraneous bytes before
// marker") that Pillow accepts; the libjpeg API lets us single out the end-of-data warning. libpng's simplified
// png_image API converts gamma (it treats 16-bit data as linear and honours gAMA), while Pillow, the reference,
// takes samples as stored; the full API with png_set_strip_16 gives Pillow's pixels exactly.
#ifndef LORAD_CIMAGESHIMS_H
#define LORAD_CIMAGESHIMS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LORAD_DECODE_OK = 0,
    /// The library rejected the data; `message` holds its words.
    LORAD_DECODE_CORRUPT = 1,
    /// The data ended before the image did.
    LORAD_DECODE_TRUNCATED = 2,
    /// The declared size exceeds the caller's limits; nothing was allocated for pixels.
    LORAD_DECODE_TOO_LARGE = 3,
    LORAD_DECODE_OUT_OF_MEMORY = 4,
} lorad_decode_status;

typedef struct {
    /// Interleaved 8-bit samples, rows top to bottom; malloc'ed, release with `lorad_decoded_free`.
    uint8_t *pixels;
    uint32_t width;
    uint32_t height;
    /// JPEG: 1 grey, 3 RGB, 4 CMYK as stored (Adobe files store it inverted). PNG: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
    uint32_t channels;
    char message[200];
} lorad_decoded_image;

/// Decodes a JPEG to grey, RGB or raw CMYK. Refuses sides above `max_side` or more than `max_pixels` pixels before
/// allocating. libjpeg's "premature end of file" warning (it pads the rest grey) is reported as TRUNCATED.
lorad_decode_status lorad_jpeg_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                                      lorad_decoded_image *out);

/// Decodes a PNG of any colour type, bit depth and interlacing to 8-bit grey, grey+alpha, RGB or RGBA: palettes and
/// tRNS expanded, low bit depths scaled up, 16-bit samples reduced to their high byte. Gamma chunks are ignored.
lorad_decode_status lorad_png_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                                     lorad_decoded_image *out);

void lorad_decoded_free(lorad_decoded_image *image);

#endif
