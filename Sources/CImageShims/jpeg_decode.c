#include "CImageShims.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

typedef struct {
    struct jpeg_error_mgr manager;  // first, so libjpeg's pointer to it is also a pointer to this
    jmp_buf jump;
    int saw_premature_end;
    char *message;
} guarded_errors;

static void exit_by_jump(j_common_ptr cinfo) {
    guarded_errors *errors = (guarded_errors *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, errors->message);
    longjmp(errors->jump, 1);
}

// Warnings (level -1) are what libjpeg emits for recoverable damage; only running out of data matters to us,
// because libjpeg then pads the image with grey instead of failing. Trace messages (level >= 0) are dropped.
static void note_warning(j_common_ptr cinfo, int level) {
    guarded_errors *errors = (guarded_errors *)cinfo->err;
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) errors->saw_premature_end = 1;
}

lorad_decode_status lorad_jpeg_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                                      lorad_decoded_image *out) {
    memset(out, 0, sizeof(*out));
    struct jpeg_decompress_struct cinfo;
    guarded_errors errors;
    memset(&errors, 0, sizeof(errors));
    errors.message = out->message;
    cinfo.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = exit_by_jump;
    errors.manager.emit_message = note_warning;
    // Volatile: assigned between setjmp and a possible longjmp, read after it.
    uint8_t *volatile pixels = NULL;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        // Running out of data makes libjpeg insert an end marker, which then fails as "no image" or similar.
        if (errors.saw_premature_end) {
            snprintf(out->message, sizeof(out->message), "the file ends inside the JPEG data");
            return LORAD_DECODE_TRUNCATED;
        }
        return LORAD_DECODE_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (errors.saw_premature_end) {
        jpeg_destroy_decompress(&cinfo);
        snprintf(out->message, sizeof(out->message), "the file ends inside the JPEG header");
        return LORAD_DECODE_TRUNCATED;
    }
    if (cinfo.image_width > max_side || cinfo.image_height > max_side ||
        (uint64_t)cinfo.image_width * cinfo.image_height > max_pixels) {
        out->width = cinfo.image_width;
        out->height = cinfo.image_height;
        jpeg_destroy_decompress(&cinfo);
        return LORAD_DECODE_TOO_LARGE;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * cinfo.output_components;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        return LORAD_DECODE_OUT_OF_MEMORY;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + stride * cinfo.output_scanline;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    out->width = cinfo.output_width;
    out->height = cinfo.output_height;
    out->channels = (uint32_t)cinfo.output_components;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (errors.saw_premature_end) {
        free(pixels);
        memset(out, 0, sizeof(*out));
        snprintf(out->message, sizeof(out->message), "the file ends inside the JPEG image data");
        return LORAD_DECODE_TRUNCATED;
    }
    out->pixels = pixels;
    return LORAD_DECODE_OK;
}

void lorad_decoded_free(lorad_decoded_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
