#!/usr/bin/env python3
"""Writes Tests/Fixtures/goldens/buckets.json by running kohya-ss/sd-scripts' own dataset code.

    python3 tools/make_bucket_fixtures.py /path/to/sd-scripts

sd-scripts must be checked out at that path (its `library/` package is imported from there; no file of it is copied
into this repository). Needs what `library/train_util.py` imports (torch, transformers, diffusers, accelerate, cv2,
imagesize, toml, numpy); torchvision and kohya's two long-prompt pipelines are not needed: stand-ins are installed in
`sys.modules` before the import, since nothing used here touches them. CPU only, no network, a few seconds,
deterministic (sorted keys, seeded sizes).

What it records:
  bucket_cases   for each bucket setting: kohya's predefined resolutions (`BucketManager.make_buckets`) and for
                 each image size the bucket, resized size and aspect error of `select_bucket`, the centred crop offsets
                 of `trim_and_resize_if_required` (run on a coordinate image already of the resized size, so no
                 resampling happens and the crop's corner holds its offsets) and the SDXL crop conditioning of `get_crop_ltrb` (plain and
                 flipped, as `__getitem__` mirrors it). `kohya_error` marks sizes where kohya raises.
  dataset_cases  folder trees of `N_name` concepts (image files carry only a PNG header, which is all `imagesize`
                 reads) loaded by `DreamBoothDataset` with `make_buckets`: each image's caption, repeats and bucket
                 (regularisation balancing included), the bucket counts, `len(dataset)` (kohya's batches per epoch)
                 and train_network.py's step arithmetic for a few `gradient_accumulation_steps` /
                 `max_train_epochs` settings.
  image_headers  the sizes kohya's `get_image_size` (the `imagesize` package) and Pillow read from small real images that
                 this script writes with Pillow to Tests/Fixtures/images/ (PNG, baseline and progressive JPEG, lossy,
                 lossless and extended WebP, BMP bottom-up, top-down and OS/2).
  caption_cases  `process_caption` outputs for settings whose result involves no random draw (rates 0 or 1,
                 every-n-epochs dropout, fewer than two shuffled tokens, prefixes, separators).

Concept folders are passed to kohya sorted by name (kohya lists them in directory order, which the file system
decides; lorad sorts them).
"""
import json
import os
import struct
import sys
import tempfile
import types
import zlib

import numpy as np


def import_train_util(sd_scripts):
    import transformers  # noqa: F401
    from transformers.utils import import_utils
    import diffusers.optimization  # noqa: F401
    import diffusers.models.attention_processor  # noqa: F401

    # transformers and diffusers cache "torchvision is absent" before the stand-in exists.
    import_utils.is_torchvision_available()
    from transformers import CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer  # noqa: F401
    from diffusers import StableDiffusionPipeline, AutoencoderKL  # noqa: F401

    torchvision = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")

    class Transform:
        def __init__(self, *args, **kwargs):
            pass

    transforms.Compose = transforms.ToTensor = transforms.Normalize = Transform
    torchvision.transforms = transforms
    sys.modules["torchvision"] = torchvision
    sys.modules["torchvision.transforms"] = transforms
    for name, cls in [
        ("library.lpw_stable_diffusion", "StableDiffusionLongPromptWeightingPipeline"),
        ("library.sdxl_lpw_stable_diffusion", "SdxlStableDiffusionLongPromptWeightingPipeline"),
    ]:
        module = types.ModuleType(name)
        setattr(module, cls, type(cls, (), {}))
        sys.modules[name] = module
    sys.path.insert(0, sd_scripts)
    import library.train_util as train_util
    import library.config_util as config_util

    return train_util, config_util


BUCKET_SETTINGS = [
    # (resolution (w, h), enable_bucket, min_bucket_reso, max_bucket_reso, bucket_reso_steps, bucket_no_upscale)
    ((512, 512), True, 256, 1024, 64, False),
    ((768, 768), True, 256, 1024, 64, False),
    ((1024, 1024), True, 256, 2048, 64, False),
    ((512, 768), True, 320, 1024, 64, False),
    ((640, 512), True, 200, 1000, 32, False),
    ((512, 512), True, 256, 1024, 64, True),
    ((1024, 1024), True, 256, 2048, 32, True),
    ((768, 512), True, 256, 1024, 8, True),
    ((512, 512), False, 256, 1024, 64, False),
    ((768, 512), False, 256, 1024, 64, False),
]

FIXED_SIZES = [
    (512, 512), (768, 768), (1024, 1024), (512, 768), (768, 512), (640, 448), (448, 640), (1920, 1080),
    (1080, 1920), (4032, 3024), (3024, 4032), (100, 100), (63, 63), (64, 64), (65, 65), (1, 1), (300, 200),
    (2000, 100), (100, 2000), (5000, 17), (17, 5000), (511, 513), (1023, 767), (256, 1024), (1024, 256), (333, 777),
    (6000, 4000), (2048, 2048), (513, 512), (512, 511),
]


def image_sizes():
    rng = np.random.default_rng(20251123)
    sizes = list(FIXED_SIZES)
    for _ in range(50):
        sizes.append((int(rng.integers(16, 4096)), int(rng.integers(16, 4096))))
    return sizes


def bucket_case(train_util, settings):
    resolution, enable_bucket, min_reso, max_reso, steps, no_upscale = settings
    if enable_bucket:
        min_reso, max_reso = train_util.BaseDataset.adjust_min_max_bucket_reso_by_steps(
            None, resolution, min_reso, max_reso, steps)
        manager = train_util.BucketManager(no_upscale, resolution, min_reso, max_reso, steps)
        if not no_upscale:
            manager.make_buckets()
    else:
        manager = train_util.BucketManager(False, resolution, None, None, None)
        manager.set_predefined_resos([resolution])
    case = {
        "resolution": list(resolution), "enable_bucket": enable_bucket, "min_bucket_reso": settings[2],
        "max_bucket_reso": settings[3], "bucket_reso_steps": steps, "bucket_no_upscale": no_upscale,
        "predefined": [list(r) for r in manager.predefined_resos] if enable_bucket and not no_upscale else [],
        "images": [],
    }
    for width, height in image_sizes():
        entry = {"size": [width, height]}
        try:
            reso, resized, ar_error = manager.select_bucket(width, height)
        except ZeroDivisionError:
            entry["kohya_error"] = True
            case["images"].append(entry)
            continue
        if reso[0] <= 0 or reso[1] <= 0:
            entry["kohya_error"] = True  # kohya's own assert in trim_and_resize_if_required fails later
            case["images"].append(entry)
            continue
        # Pixel coordinates in the image, so the crop offsets can be read from the cropped corner.
        ys, xs = np.mgrid[0:resized[1], 0:resized[0]]
        image = np.stack([xs, ys, np.zeros_like(xs)], axis=-1).astype(np.int32)
        cropped, _, _ = train_util.trim_and_resize_if_required(False, image, reso, resized)
        # What trim_and_resize_if_required returns for the original image (the stand-in above is pre-resized).
        crop_ltrb = train_util.BucketManager.get_crop_ltrb(reso, (width, height))
        right = crop_ltrb[2]
        entry.update({
            "bucket": list(reso), "resized": list(resized), "aspect_error": ar_error,
            "crop_left": int(cropped[0, 0, 0]), "crop_top": int(cropped[0, 0, 1]),
            "sdxl_crop_top_left": [int(crop_ltrb[1]), int(crop_ltrb[0])],
            "sdxl_crop_top_left_flipped": [int(crop_ltrb[1]), int(reso[0] - right)],
        })
        case["images"].append(entry)
    return case


def png_header(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


DATASET_CASES = [
    {
        "name": "two concepts, buckets",
        "resolution": [512, 512], "enable_bucket": True, "bucket_no_upscale": False, "train_batch_size": 2,
        "train": {
            "10_sks dog": [("a.png", (512, 768), "a dog, sitting"), ("b.jpg", (1024, 1024), None),
                           ("c.png", (300, 200), "dog"), ("d.webp", (640, 480), "dog, grass")],
            "3_other_thing": [("x.png", (768, 512), "thing"), ("y.png", (2000, 1000), None)],
            "notanumber_x": [("ignored.png", (512, 512), "ignored")],
        },
        "reg": None,
    },
    {
        "name": "regularisation fewer than training",
        "resolution": [512, 512], "enable_bucket": True, "bucket_no_upscale": False, "train_batch_size": 3,
        "train": {"5_person": [(f"p{i}.png", (512 + 64 * i, 512), f"photo {i}") for i in range(7)]},
        "reg": {"1_person": [(f"r{i}.png", (512, 512 + 64 * i), None) for i in range(4)],
                "2_man": [("m0.png", (768, 768), None), ("m1.png", (512, 640), None)]},
    },
    {
        "name": "regularisation more than training",
        "resolution": [768, 512], "enable_bucket": True, "bucket_no_upscale": True, "train_batch_size": 4,
        "train": {"2_cat": [(f"c{i}.png", (900 + 37 * i, 700 - 20 * i), "cat") for i in range(5)]},
        "reg": {"3_animal": [(f"a{i}.png", (640 + 11 * i, 640), None) for i in range(9)]},
    },
    {
        "name": "no buckets",
        "resolution": [512, 512], "enable_bucket": False, "bucket_no_upscale": False, "train_batch_size": 1,
        "train": {"1_style": [("s1.png", (512, 512), "style"), ("s2.png", (600, 800), "style"),
                              ("s3.bmp", (512, 512), None)],
                  "20_": [("e.png", (512, 512), None)]},
        "reg": None,
    },
]


def dataset_case(train_util, config_util, spec, root):
    for part in ("train", "reg"):
        for folder, images in (spec[part] or {}).items():
            os.makedirs(os.path.join(root, part, folder))
            for name, (width, height), caption in images:
                with open(os.path.join(root, part, folder, name), "wb") as f:
                    f.write(png_header(width, height))
                if caption is not None:
                    stem = os.path.splitext(name)[0]
                    with open(os.path.join(root, part, folder, stem + ".txt"), "w") as f:
                        f.write(caption + "\nsecond line is ignored\n")
    configs = config_util.generate_dreambooth_subsets_config_by_subdirs(
        os.path.join(root, "train"), os.path.join(root, "reg") if spec["reg"] else None)
    configs.sort(key=lambda c: (c["is_reg"], os.path.basename(c["image_dir"])))
    subsets = [
        train_util.DreamBoothSubset(
            image_dir=c["image_dir"], is_reg=c["is_reg"], class_tokens=c["class_tokens"], caption_extension=".txt",
            cache_info=False, alpha_mask=False, num_repeats=c["num_repeats"], shuffle_caption=False,
            caption_separator=",", keep_tokens=0, keep_tokens_separator="", secondary_separator=None,
            enable_wildcard=False, color_aug=False, flip_aug=False, face_crop_aug_range=None, random_crop=False,
            caption_dropout_rate=0.0, caption_dropout_every_n_epochs=0, caption_tag_dropout_rate=0.0,
            caption_prefix=None, caption_suffix=None, token_warmup_min=1, token_warmup_step=0)
        for c in configs
    ]
    dataset = train_util.DreamBoothDataset(
        subsets=subsets, is_training_dataset=True, batch_size=spec["train_batch_size"],
        resolution=tuple(spec["resolution"]), network_multiplier=1.0, enable_bucket=spec["enable_bucket"],
        min_bucket_reso=256, max_bucket_reso=1024, bucket_reso_steps=64, bucket_no_upscale=spec["bucket_no_upscale"],
        prior_loss_weight=1.0, debug_dataset=False, validation_split=0.0, validation_seed=None,
        resize_interpolation=None)
    dataset.make_buckets()
    batches = len(dataset)
    steps = []
    for accumulation, max_train_steps, max_train_epochs in [(1, 1600, None), (1, 100, 3), (3, 1600, 2), (4, 7, None)]:
        # train_network.py, one process: the DataLoader yields the dataset's batches one by one.
        if max_train_epochs is not None:
            max_train_steps = max_train_epochs * int(np.ceil(batches / 1 / accumulation))
        per_epoch = int(np.ceil(batches / accumulation))
        epochs = int(np.ceil(max_train_steps / per_epoch))
        steps.append({"gradient_accumulation_steps": accumulation, "max_train_steps_option": max_train_steps
                      if max_train_epochs is None else 1600, "max_train_epochs": max_train_epochs,
                      "steps_per_epoch": per_epoch, "max_train_steps": max_train_steps, "epochs": epochs})
    images = []
    for key, info in dataset.image_data.items():
        images.append({"path": os.path.relpath(key, root), "caption": info.caption, "repeats": info.num_repeats,
                       "is_reg": info.is_reg, "bucket": list(info.bucket_reso)})
    buckets = [{"bucket": list(reso), "count": len(items)}
               for reso, items in zip(dataset.bucket_manager.resos, dataset.bucket_manager.buckets) if items]
    layout = {part: {folder: [[name, list(size), caption] for name, size, caption in entries]
                     for folder, entries in (spec[part] or {}).items()} for part in ("train", "reg")}
    return {"name": spec["name"], "resolution": spec["resolution"], "enable_bucket": spec["enable_bucket"],
            "bucket_no_upscale": spec["bucket_no_upscale"], "train_batch_size": spec["train_batch_size"],
            "layout": layout, "num_train_images": dataset.num_train_images, "num_reg_images": dataset.num_reg_images,
            "images": images, "buckets": buckets, "batches_per_epoch": batches, "steps": steps}


CAPTION_CASES = [
    # (caption, settings, current_epoch)
    ("a, b, c", {}, 1),
    ("a, b, c", {"caption_prefix": "pre", "caption_suffix": "post"}, 1),
    ("a, b, c", {"caption_dropout_rate": 1.0}, 1),
    ("a, b, c", {"caption_dropout_every_n_epochs": 2}, 2),
    ("a, b, c", {"caption_dropout_every_n_epochs": 2}, 3),
    ("sks, b, c , d", {"caption_tag_dropout_rate": 1.0, "keep_tokens": 1}, 1),
    ("sks, b, c , d", {"caption_tag_dropout_rate": 1.0, "keep_tokens": 2}, 1),
    ("sks dog, b ,,  c", {"shuffle_caption": True, "keep_tokens": 3}, 1),
    ("sks dog, b ,,  c", {"shuffle_caption": True, "keep_tokens": 9}, 1),
    ("  one token  ", {"shuffle_caption": True}, 1),
    ("first, second ||| a, b ||| last, end", {"keep_tokens_separator": "|||", "caption_tag_dropout_rate": 1.0}, 1),
    ("first, second ||| a ||| last ||| more", {"keep_tokens_separator": "|||", "shuffle_caption": True}, 1),
    ("x ||| , a, ", {"keep_tokens_separator": "|||", "shuffle_caption": True}, 1),
    ("a; b; c", {"caption_separator": ";", "shuffle_caption": True, "keep_tokens": 3}, 1),
    ("a::b, c", {"secondary_separator": "::"}, 1),
    ("a::b, c", {"secondary_separator": "::", "caption_prefix": "p", "caption_tag_dropout_rate": 1.0,
                 "keep_tokens": 2}, 1),
    ("line one\nline two", {"caption_prefix": "p"}, 1),
]


def caption_case(train_util, caption, settings, epoch):
    subset = types.SimpleNamespace(
        caption_prefix=settings.get("caption_prefix"), caption_suffix=settings.get("caption_suffix"),
        caption_dropout_rate=settings.get("caption_dropout_rate", 0.0),
        caption_dropout_every_n_epochs=settings.get("caption_dropout_every_n_epochs", 0), enable_wildcard=False,
        shuffle_caption=settings.get("shuffle_caption", False), token_warmup_step=0, token_warmup_min=1,
        caption_tag_dropout_rate=settings.get("caption_tag_dropout_rate", 0.0),
        keep_tokens_separator=settings.get("keep_tokens_separator", ""), keep_tokens=settings.get("keep_tokens", 0),
        caption_separator=settings.get("caption_separator", ","),
        secondary_separator=settings.get("secondary_separator"))
    dataset = types.SimpleNamespace(current_epoch=epoch, current_step=0, max_train_steps=0, replacements={})
    output = train_util.BaseDataset.process_caption(dataset, subset, caption)
    return {"caption": caption, "settings": settings, "epoch": epoch, "expected": output}


IMAGE_FILES = [
    # (file name, size, Pillow save options)
    ("rgb-37x23.png", (37, 23), {}),
    ("gray-5x300.png", (5, 300), {"mode": "L"}),
    ("baseline-41x19.jpg", (41, 19), {"quality": 80}),
    ("progressive-19x41.jpg", (19, 41), {"progressive": True}),
    ("lossy-33x17.webp", (33, 17), {"quality": 50}),
    ("lossless-17x33.webp", (17, 33), {"lossless": True}),
    ("alpha-21x13.webp", (21, 13), {"mode": "RGBA", "quality": 50}),
    ("bottom-up-13x7.bmp", (13, 7), {}),
]


def image_headers(train_util, folder):
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    sizes = {}
    for name, (width, height), options in IMAGE_FILES:
        options = dict(options)
        mode = options.pop("mode", "RGB")
        ramp = np.arange(width * height * len(mode), dtype=np.uint32).reshape(height, width, len(mode)) * 7 % 256
        image = Image.fromarray(ramp.astype(np.uint8).squeeze(-1) if mode == "L" else ramp.astype(np.uint8), mode)
        image.save(os.path.join(folder, name), **options)
        sizes[name] = image_size(train_util, os.path.join(folder, name))
    # BMP variants Pillow does not write: a top-down bitmap (negative height) and an OS/2 BITMAPCOREHEADER.
    with open(os.path.join(folder, "bottom-up-13x7.bmp"), "rb") as f:
        bmp = bytearray(f.read())
    top_down = bytearray(bmp)
    top_down[22:26] = struct.pack("<i", -7)
    with open(os.path.join(folder, "top-down-13x7.bmp"), "wb") as f:
        f.write(top_down)
    core = b"BM" + struct.pack("<IHHI", 26 + 8, 0, 0, 26) + struct.pack("<IHHHH", 12, 2, 1, 1, 24) + bytes(8)
    with open(os.path.join(folder, "os2-2x1.bmp"), "wb") as f:
        f.write(core)
    for name in ("top-down-13x7.bmp", "os2-2x1.bmp"):
        sizes[name] = image_size(train_util, os.path.join(folder, name))
    return sizes


def image_size(train_util, path):
    """kohya's `get_image_size`, checked against Pillow; where they differ (imagesize reads an OS/2 bitmap's 16-bit
    sizes as 32-bit ones) Pillow's size, the true one, is recorded."""
    from PIL import Image

    with Image.open(path) as image:
        true_size = list(image.size)
    kohya = list(train_util.BaseDataset.get_image_size(None, path))
    if kohya != true_size:
        print(f"{os.path.basename(path)}: kohya reads {kohya}, Pillow {true_size}")
    return true_size


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    train_util, config_util = import_train_util(os.path.abspath(sys.argv[1]))
    import logging
    logging.disable(logging.CRITICAL)
    result = {"bucket_cases": [bucket_case(train_util, s) for s in BUCKET_SETTINGS]}
    result["dataset_cases"] = []
    for spec in DATASET_CASES:
        with tempfile.TemporaryDirectory() as root:
            result["dataset_cases"].append(dataset_case(train_util, config_util, spec, root))
    result["caption_cases"] = [caption_case(train_util, *case) for case in CAPTION_CASES]
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")
    result["image_headers"] = image_headers(train_util, os.path.join(fixtures, "images"))
    out = os.path.join(fixtures, "goldens", "buckets.json")
    with open(out, "w") as f:
        json.dump(result, f, sort_keys=True, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(out)} ({os.path.getsize(out)} bytes)")


if __name__ == "__main__":
    main()
