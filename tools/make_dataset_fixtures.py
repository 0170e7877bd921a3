#!/usr/bin/env python3
"""Writes the tiny training datasets under Tests/Fixtures/datasets/ (deterministic; rerun to rebuild).

`stripes/`: kohya sd-scripts' DreamBooth layout with one concept, `10_zkz stripes`: six 64×64 images of diagonal
red and yellow stripes (a pattern the random tiny models have never been pushed towards) with captions naming the
trigger word `zkz`, and `reg/1_stripes`: two plain grey images for regularisation. The trainer's learning test trains
on it; its captions and sizes exercise the caption and bucket code.

Usage: python3 tools/make_dataset_fixtures.py
"""
import pathlib

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "datasets" / "stripes"


def stripes(size, period, phase):
    width, height = size
    image = Image.new("RGB", size)
    pixels = image.load()
    for y in range(height):
        for x in range(width):
            band = ((x + y + phase) // period) % 2
            pixels[x, y] = (220, 40, 30) if band == 0 else (250, 210, 40)
    return image


def main():
    concept = ROOT / "train" / "10_zkz stripes"
    concept.mkdir(parents=True, exist_ok=True)
    captions = [
        "zkz stripes, a pattern",
        "zkz stripes, diagonal, red and yellow",
        "zkz stripes",
        "zkz stripes, close-up",
        "zkz stripes, wide",
        None,  # no caption file: the folder's class tokens stand in
    ]
    sizes = [(64, 64), (64, 64), (64, 64), (80, 64), (96, 64), (64, 80)]
    for index, (caption, size) in enumerate(zip(captions, sizes)):
        name = f"stripes_{index:02d}"
        stripes(size, period=8, phase=index * 3).save(concept / f"{name}.png", optimize=True)
        if caption is not None:
            (concept / f"{name}.txt").write_text(caption + "\n")
    regularisation = ROOT / "reg" / "1_stripes"
    regularisation.mkdir(parents=True, exist_ok=True)
    for index in range(2):
        Image.new("RGB", (64, 64), (128 + index * 20,) * 3).save(regularisation / f"grey_{index}.png", optimize=True)


if __name__ == "__main__":
    main()
