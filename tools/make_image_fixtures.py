#!/usr/bin/env python3
"""Writes the image fixtures and their reference pixels for Tests/ImagingTests (deterministic: run it again and
the files come out byte-identical for the same Pillow, libwebp and OpenCV versions).

Every encoded file gets a `<name>.npy` beside it holding what the reference decodes it to: Pillow's
`ImageOps.exif_transpose(Image.open(f))`, then `convert("RGB")`, or for images with transparency
`Image.alpha_composite(Image.new("RGBA", size, background), im.convert("RGBA")).convert("RGB")` over the background
named in manifest.json. PNG files Pillow cannot write (16-bit colour, interlaced) are built here by hand; BMP
variants too, so each header layout is exactly the one named. Resize references come from OpenCV's INTER_AREA and
Pillow's LANCZOS, the two filters kohya sd-scripts' `resize_image` picks between, and the [-1, 1] floats from the
torchvision transform sd-scripts applies (ToTensor, then Normalize([0.5], [0.5])), computed with torch.

Requires: pillow (13.0.0 was used), numpy, torch, opencv-python-headless (4.10.0.84, the version sd-scripts pins).
Usage: python3 tools/make_image_fixtures.py [output folder, default Tests/ImagingTests/Fixtures]
"""

import io
import json
import struct
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageOps

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "Tests/ImagingTests/Fixtures")
WIDTH, HEIGHT = 13, 7  # odd and non-square, so row padding and rotations are exercised
BACKGROUND = (30, 144, 255)  # not white, so a wrong background shows
manifest = {"decode": [], "errors": [], "resize": []}


def rng(seed):
    return np.random.RandomState(seed)


def base_rgb():
    """A gradient with noise: smooth enough for lossy codecs, distinct enough that a flip or rotation shows."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = np.stack([x * 19, y * 36, (x * 7 + y * 13) % 256], -1) + rng(1).randint(0, 24, (HEIGHT, WIDTH, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def base_alpha():
    """Every kind of alpha: 0, 255 and values between."""
    alpha = rng(2).randint(0, 256, (HEIGHT, WIDTH)).astype(np.uint8)
    alpha[0, :4] = [0, 255, 1, 254]
    return alpha


def save_npy(name, array):
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    (OUT / f"{name}.npy").write_bytes(buffer.getvalue())


def pillow_reference(path, background):
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        if has_alpha:
            rgba = image.convert("RGBA")
            backdrop = Image.new("RGBA", rgba.size, tuple(background) + (255,))
            return np.array(Image.alpha_composite(backdrop, rgba).convert("RGB")), True
        return np.array(image.convert("RGB")), False


def add_decoded(name, data, tolerance=0, background=BACKGROUND, reference=None, note="", keep_alpha=False):
    """Writes `name` and its reference; `reference` overrides Pillow where Pillow is knowingly not followed.
    `tolerance` is the largest difference per sample allowed (0 for lossless formats)."""
    path = OUT / name
    path.write_bytes(data)
    rgb, has_alpha = pillow_reference(path, background)
    if reference is not None:
        rgb = reference
    save_npy(name, rgb)
    if keep_alpha:  # what decodeRGBA must give: Pillow's convert("RGBA") after the orientation
        with Image.open(path) as image:
            save_npy(f"{name}.rgba", np.array(ImageOps.exif_transpose(image).convert("RGBA")))
    entry = {"file": name, "tolerance": tolerance, "background": list(background), "width": int(rgb.shape[1]),
             "height": int(rgb.shape[0]), "has_alpha": has_alpha, "keeps_alpha": keep_alpha}
    if note:
        entry["note"] = note
    manifest["decode"].append(entry)


def add_error(name, data, kind, expect):
    """`kind` is the ImageDecodingError case expected; `expect` a phrase its description must contain."""
    (OUT / name).write_bytes(data)
    manifest["errors"].append({"file": name, "error": kind, "contains": expect})


def encode(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def tiff_orientation(value, big_endian):
    """A minimal TIFF structure: header, one IFD holding Orientation (SHORT) and an unrelated tag before it."""
    order = ">" if big_endian else "<"
    header = (b"MM" if big_endian else b"II") + struct.pack(order + "HI", 42, 8)
    entries = [struct.pack(order + "HHIHH", 0x010F, 3, 1, 7, 0),  # Make, type deliberately odd: skipped
               struct.pack(order + "HHIHH", 0x0112, 3, 1, value, 0)]
    return header + struct.pack(order + "H", len(entries)) + b"".join(entries) + struct.pack(order + "I", 0)


# ---------------------------------------------------------------------------------------------------- PNG by hand

def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """One scanline's samples (ints) packed at `bit_depth`, big-endian for 16-bit."""
    if bit_depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if bit_depth == 8:
        return bytes(int(s) for s in samples)
    per_byte = 8 // bit_depth
    out = bytearray()
    for start in range(0, len(samples), per_byte):
        byte = 0
        group = list(samples[start:start + per_byte]) + [0] * (per_byte - len(samples[start:start + per_byte]))
        for sample in group:
            byte = byte << bit_depth | int(sample)
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def write_png(samples, bit_depth, color_type, interlaced=False, extra=b"", palette=None, trns=None):
    """samples: H×W×C integer array. Filter type 0 on every row; Adam7 passes when interlaced."""
    height, width = samples.shape[:2]
    flat = samples.reshape(height, width, -1)
    raw = bytearray()
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            columns = range(x0, width, dx)
            if len(columns) == 0:
                continue
            raw.append(0)
            raw += pack_row([v for x in columns for v in flat[y, x]], bit_depth)
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 1 if interlaced else 0)
    body = png_chunk(b"IHDR", ihdr)
    if palette is not None:
        body += png_chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        body += png_chunk(b"tRNS", trns)
    body += extra
    body += png_chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


# ---------------------------------------------------------------------------------------------------- BMP by hand

def write_bmp(pixels_rows, bits, width, height, top_down=False, compression=0, palette=None, masks=None,
              dib_size=40):
    """pixels_rows: list of packed row bytes, top row first. Rows are padded to 4 bytes and stored bottom-up unless
    top_down. `masks` (R, G, B[, A]) go inside V4 headers, or after a 40-byte header for BI_BITFIELDS."""
    stride = (width * bits + 31) // 32 * 4
    rows = [row + b"\0" * (stride - len(row)) for row in pixels_rows]
    data = b"".join(rows if top_down else rows[::-1])
    if dib_size == 12:
        dib = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        dib = struct.pack("<IiiHHIIiiII", dib_size, width, -height if top_down else height, 1, bits, compression,
                          len(data), 2835, 2835, len(palette) if palette is not None else 0, 0)
        if dib_size >= 52:
            dib += struct.pack("<4I", *(list(masks or [0, 0, 0, 0]) + [0] * 4)[:4])
            dib += b"\0" * (dib_size - len(dib))
    extra = struct.pack("<3I", *masks[:3]) if (masks is not None and dib_size == 40) else b""
    table = b""
    if palette is not None:
        entry = 3 if dib_size == 12 else 4
        table = b"".join(bytes([b, g, r] + [0] * (entry - 3)) for r, g, b in palette)
    offset = 14 + len(dib) + len(extra) + len(table)
    header = b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
    return header + dib + extra + table + data


def bgr_rows(rgb, extra_bytes=b""):
    return [b"".join(bytes([p[2], p[1], p[0]]) + extra_bytes for p in row) for row in rgb]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    rgb = base_rgb()
    alpha = base_alpha()
    rgba = np.dstack([rgb, alpha])
    gray = (rgb.astype(np.int32).sum(-1) // 3).astype(np.uint8)

    # ------------------------------------------------------------------------------------------------ JPEG
    rgb_image = Image.fromarray(rgb)
    add_decoded("rgb.jpg", encode(rgb_image, "JPEG", quality=90), tolerance=1)
    add_decoded("gray.jpg", encode(Image.fromarray(gray), "JPEG", quality=90), tolerance=1)
    add_decoded("progressive.jpg", encode(rgb_image, "JPEG", quality=85, progressive=True), tolerance=1)
    add_decoded("cmyk.jpg", encode(rgb_image.convert("CMYK"), "JPEG", quality=95), tolerance=1)
    for orientation in range(1, 9):
        tiff = tiff_orientation(orientation, big_endian=orientation % 2 == 0)
        add_decoded(f"orientation{orientation}.jpg", encode(rgb_image, "JPEG", quality=95, exif=b"Exif\0\0" + tiff),
                    tolerance=1)
    jpeg = encode(rgb_image, "JPEG", quality=90)
    add_error("truncated.jpg", jpeg[: len(jpeg) * 3 // 5], "truncated", "JPEG")
    # A scan header naming component 9, which the frame does not have: libjpeg reports it.
    scan = jpeg.index(b"\xff\xda")
    add_error("corrupt.jpg", jpeg[: scan + 5] + b"\x09" + jpeg[scan + 6:], "corrupt", "libjpeg")

    # ------------------------------------------------------------------------------------------------ PNG
    add_decoded("rgb.png", encode(rgb_image, "PNG"))
    add_decoded("rgba.png", encode(Image.fromarray(rgba), "PNG"), keep_alpha=True)
    add_decoded("gray.png", encode(Image.fromarray(gray), "PNG"))
    add_decoded("gray_alpha.png", encode(Image.fromarray(np.dstack([gray, alpha]), "LA"), "PNG"), keep_alpha=True)
    add_decoded("gray1.png", encode(Image.fromarray(gray > 100).convert("1"), "PNG"))
    add_decoded("gray2.png", write_png((gray >> 6)[..., None], 2, 0))
    palette = [(i * 15 % 256, i * 40 % 256, 255 - i * 9) for i in range(16)]
    indices = (gray % 16)[..., None]
    add_decoded("palette4.png", write_png(indices, 4, 3, palette=palette))
    add_decoded("palette_trns.png", write_png(indices, 8, 3, palette=palette, trns=bytes([0, 128, 255, 7, 200])),
                keep_alpha=True)
    add_decoded("gray_trns.png", write_png(gray[..., None], 8, 0, trns=struct.pack(">H", int(gray[3, 4]))))
    rgb16 = rgb.astype(np.uint16) * 257 + rng(3).randint(0, 257, rgb.shape).astype(np.uint16)
    add_decoded("rgb16.png", write_png(rgb16, 16, 2))
    rgba16 = np.dstack([rgb16, alpha.astype(np.uint16) * 257 + 100])
    rgba16[..., 3][alpha == 0] = 0
    add_decoded("rgba16.png", write_png(rgba16, 16, 6))
    gray16 = gray.astype(np.uint16) * 256 + rng(4).randint(0, 256, gray.shape).astype(np.uint16)
    # Pillow clips 16-bit grey to 255 on convert("RGB"); we keep the high byte, as for every other 16-bit PNG.
    add_decoded("gray16.png", write_png(gray16[..., None], 16, 0),
                reference=np.repeat((gray16 >> 8).astype(np.uint8)[..., None], 3, -1),
                note="reference is the high byte of each sample, not Pillow's clipped I;16 conversion")
    add_decoded("interlaced_rgba.png", write_png(rgba, 8, 6, interlaced=True))
    add_decoded("interlaced_palette2.png", write_png((gray % 4)[..., None], 2, 3, interlaced=True,
                                                     palette=palette[:4]))
    exif6 = png_chunk(b"eXIf", tiff_orientation(6, big_endian=True))
    add_decoded("orientation6.png", write_png(rgb, 8, 2, extra=exif6), keep_alpha=True)
    png = encode(rgb_image, "PNG")
    add_error("truncated.png", png[: len(png) - 40], "truncated", "PNG")
    idat = png.index(b"IDAT")
    add_error("corrupt.png", png[: idat + 6] + bytes([png[idat + 6] ^ 0xFF]) + png[idat + 7:], "corrupt", "libpng")
    huge = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    add_error("huge.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", huge) + png_chunk(b"IEND", b""), "tooLarge",
              "100000×100000")

    # ------------------------------------------------------------------------------------------------ WebP
    add_decoded("lossy.webp", encode(rgb_image, "WEBP", quality=90, method=4), tolerance=2)
    add_decoded("lossless.webp", encode(rgb_image, "WEBP", lossless=True))
    add_decoded("lossless_alpha.webp", encode(Image.fromarray(rgba), "WEBP", lossless=True, exact=True))
    add_decoded("lossy_alpha.webp", encode(Image.fromarray(rgba), "WEBP", quality=90, alpha_quality=100), tolerance=2)
    add_decoded("orientation8.webp", encode(rgb_image, "WEBP", lossless=True, exif=tiff_orientation(8, False)))
    webp = encode(rgb_image, "WEBP", quality=90)
    add_error("truncated.webp", webp[: len(webp) // 2], "truncated", "WebP")
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0, 0, 0, 0]) + (19999).to_bytes(3, "little") * 2
    add_error("huge.webp", b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x, "tooLarge", "20000×20000")

    # ------------------------------------------------------------------------------------------------ BMP
    add_decoded("rgb24.bmp", write_bmp(bgr_rows(rgb), 24, WIDTH, HEIGHT))
    add_decoded("rgb24_topdown.bmp", write_bmp(bgr_rows(rgb), 24, WIDTH, HEIGHT, top_down=True))
    # The fourth byte of BI_RGB 32-bit pixels is unused; Pillow ignores it, and the junk here must not leak in.
    add_decoded("rgb32.bmp", write_bmp(bgr_rows(rgb, b"\x42"), 32, WIDTH, HEIGHT))
    bgra_rows = [b"".join(bytes([p[2], p[1], p[0], a]) for p, a in zip(row, arow)) for row, arow in zip(rgb, alpha)]
    add_decoded("rgba32_v4.bmp", write_bmp(bgra_rows, 32, WIDTH, HEIGHT, compression=3, dib_size=108,
                                           masks=[0xFF0000, 0xFF00, 0xFF, 0xFF000000]))
    rgb565 = [b"".join(struct.pack("<H", (p[0] >> 3) << 11 | (p[1] >> 2) << 5 | p[2] >> 3) for p in row) for row in rgb]
    add_decoded("rgb565.bmp", write_bmp(rgb565, 16, WIDTH, HEIGHT, compression=3, masks=[0xF800, 0x7E0, 0x1F]))
    rgb555 = [b"".join(struct.pack("<H", (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | p[2] >> 3) for p in row) for row in rgb]
    add_decoded("rgb555.bmp", write_bmp(rgb555, 16, WIDTH, HEIGHT))
    bmp_palette = [(i * 37 % 256, i * 91 % 256, i * 13 % 256) for i in range(256)]
    add_decoded("palette8.bmp", write_bmp([bytes(r) for r in gray], 8, WIDTH, HEIGHT, palette=bmp_palette))
    add_decoded("palette4.bmp", write_bmp([pack_row(r % 16, 4) for r in gray], 4, WIDTH, HEIGHT,
                                          palette=bmp_palette[:16]))
    add_decoded("palette1.bmp", write_bmp([pack_row(r > 100, 1) for r in gray], 1, WIDTH, HEIGHT,
                                          palette=[(10, 20, 30), (250, 240, 5)]))
    add_decoded("core24.bmp", write_bmp(bgr_rows(rgb), 24, WIDTH, HEIGHT, dib_size=12))
    bmp = write_bmp(bgr_rows(rgb), 24, WIDTH, HEIGHT)
    add_error("truncated.bmp", bmp[:-30], "truncated", "BMP")
    add_error("rle8.bmp", write_bmp([bytes(r) for r in gray], 8, WIDTH, HEIGHT, compression=1, palette=bmp_palette),
              "unsupportedVariant", "RLE8")
    add_error("huge.bmp", bmp[:18] + struct.pack("<ii", 100000, 100000) + bmp[26:], "tooLarge", "100000×100000")

    # ------------------------------------------------------------------------------------------------ hostile
    add_error("random.bin", rng(5).randint(0, 256, 300).astype(np.uint8).tobytes(), "unsupportedFormat",
              "first bytes")
    add_error("empty.jpg", b"", "empty", "empty")
    add_error("gif.png", encode(rgb_image, "GIF"), "unsupportedFormat", "GIF")
    sof = jpeg.index(b"\xff\xc0")
    add_error("huge.jpg", jpeg[: sof + 5] + struct.pack(">HH", 60000, 60000) + jpeg[sof + 9:], "tooLarge",
              "60000×60000")

    # ------------------------------------------------------------------------------------------------ compositing
    # Every alpha value against many colour values and a non-white background: the rounding is checked everywhere.
    values = rng(6).randint(0, 256, (32, 32, 3)).astype(np.uint8)
    alphas = np.arange(1024).reshape(32, 32) % 256
    composite = np.dstack([values, alphas]).astype(np.uint8)
    add_decoded("composite.png", encode(Image.fromarray(composite), "PNG"))
    add_decoded("composite_white.png", encode(Image.fromarray(composite), "PNG"), background=(255, 255, 255))

    # ------------------------------------------------------------------------------------------------ resizing
    source = rng(7).randint(0, 256, (23, 37, 3)).astype(np.uint8)
    save_npy("resize_source", source)
    save_npy("resize_source_gray", source[..., 0])
    save_npy("resize_source_rgba", np.dstack([source, source[..., 1]]))
    cases = [((12, 9), "area"), ((37, 10), "area"), ((18, 11), "area"), ((12, 7), "area"), ((9, 5), "area"),
             ((1, 1), "area"), ((29, 41), "lanczos"), ((50, 12), "lanczos"), ((74, 46), "lanczos"),
             ((37, 30), "lanczos"), ((12, 30), "lanczos"), ((38, 22), "lanczos")]
    for channels, suffix in [(3, ""), (1, "_gray"), (4, "_rgba")]:
        image = np.load(OUT / f"resize_source{suffix}.npy")
        for (width, height), method in cases:
            # Integer factors take OpenCV's block-average path; crop so they divide exactly.
            if (width, height) == (18, 11):
                image_in, name_in = image[:22, :36], "crop36x22"
            elif (width, height) == (12, 7):
                image_in, name_in = image[:21, :36], "crop36x21"
            else:
                image_in, name_in = image, "full"
            if method == "area":
                result = cv2.resize(image_in, (width, height), interpolation=cv2.INTER_AREA)
            elif channels == 4:
                # Pillow premultiplies RGBA before resampling; resample the four channels independently instead,
                # which is what the Swift side does (it resizes composited RGB for training).
                planes = [Image.fromarray(np.ascontiguousarray(image_in[..., c])) for c in range(4)]
                result = np.stack([np.array(p.resize((width, height), Image.Resampling.LANCZOS)) for p in planes], -1)
            else:
                result = np.array(Image.fromarray(image_in).resize((width, height), Image.Resampling.LANCZOS))
            name = f"resize{suffix}_{name_in}_to_{width}x{height}"
            save_npy(name, result)
            manifest["resize"].append({"name": name, "source": f"resize_source{suffix}", "crop": name_in,
                                       "width": width, "height": height, "method": method})

    # ------------------------------------------------------------------------------------------------ floats
    tensor = torch.from_numpy(rgb).to(torch.float32).div(255)
    save_npy("signed_unit_values", ((tensor - 0.5) / 0.5).numpy())
    save_npy("signed_unit_source", rgb)

    manifest["versions"] = {"pillow": Image.__version__, "opencv": cv2.__version__, "numpy": np.__version__,
                            "torch": torch.__version__}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()
