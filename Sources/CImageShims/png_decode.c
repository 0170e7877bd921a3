#include "CImageShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out;
    char *message;
} memory_reader;

static void read_from_memory(png_structp png, png_bytep target, size_t count) {
    memory_reader *reader = png_get_io_ptr(png);
    if (count > reader->size - reader->offset) {
        reader->ran_out = 1;
        png_error(png, "the file ends inside the PNG data");
    }
    memcpy(target, reader->data + reader->offset, count);
    reader->offset += count;
}

static void keep_error(png_structp png, png_const_charp text) {
    memory_reader *reader = png_get_io_ptr(png);
    // The reader's own error already explains itself; keep that one.
    if (!reader->ran_out) snprintf(reader->message, 200, "%s", text);
    else snprintf(reader->message, 200, "the file ends inside the PNG data");
    png_longjmp(png, 1);
}

// Warnings (a bad CRC in an ancillary chunk, an unknown sRGB profile) do not affect the pixels.
static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

lorad_decode_status lorad_png_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                                     lorad_decoded_image *out) {
    memset(out, 0, sizeof(*out));
    memory_reader reader = {data, size, 0, 0, out->message};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, keep_error, ignore_warning);
    if (!png) return LORAD_DECODE_OUT_OF_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return LORAD_DECODE_OUT_OF_MEMORY;
    }
    // Volatile: assigned between setjmp and a possible longjmp, read after it.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return reader.ran_out ? LORAD_DECODE_TRUNCATED : LORAD_DECODE_CORRUPT;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    // libpng's own limit is 1,000,000 per side; ours is tighter. Larger IHDR values become an error below instead.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if (width > max_side || height > max_side || (uint64_t)width * height > max_pixels) {
        out->width = width;
        out->height = height;
        png_destroy_read_struct(&png, &info, NULL);
        return LORAD_DECODE_TOO_LARGE;
    }
    png_set_expand(png);
    // Pillow keeps the high byte of 16-bit samples (its ";16B" unpackers); so do we, rather than rounding.
    png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t stride = png_get_rowbytes(png, info);
    uint32_t channels = png_get_channels(png, info);
    pixels = malloc(stride * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        return LORAD_DECODE_OUT_OF_MEMORY;
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + stride * y;
    png_read_image(png, rows);
    // Chunks after the image data (a late eXIf) are read by the Swift side; the pixels are complete here.
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    out->pixels = pixels;
    out->width = width;
    out->height = height;
    out->channels = channels;
    return LORAD_DECODE_OK;
}
