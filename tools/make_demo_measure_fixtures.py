#!/usr/bin/env python3
"""Writes Tests/Fixtures/demo_shapes/: pictures of the demo world (tools/demo_world.py) and what its reference
measure says of each, for the demo test's Swift copy of that measure (DemoShapeMeasure).

    python3 tools/make_demo_measure_fixtures.py

Deterministic (numpy's seeded generator, Pillow's PNG writer). Besides clean pictures of all four shapes, some carry
noise and stray specks, as generated pictures do, so that the largest-region rule is exercised, and some are blurred,
as the demo model draws: a blurred star's points are blunt, and its outline's five-fold harmonic lower.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_world as world  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "Fixtures", "demo_shapes")


def box_blur(picture, passes):
    """`passes` 3x3 box blurs (edges repeated), rounded back to bytes."""
    blurred = picture.astype(np.float64)
    for _ in range(passes):
        padded = np.pad(blurred, ((1, 1), (1, 1), (0, 0)), mode="edge")
        blurred = sum(padded[dy:dy + blurred.shape[0], dx:dx + blurred.shape[1]]
                      for dy in range(3) for dx in range(3)) / 9
    return blurred.round().astype(np.uint8)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(21)
    expected = {}
    for i in range(24):
        shape = (world.BASE_SHAPES + (world.TRIGGER,))[i % 4]
        scene = world.random_scene(rng, [shape])
        picture = world.draw(*scene, rng)
        if 8 <= i < 16:  # noise and two specks of the shape's colour away from it
            picture = np.clip(picture + rng.normal(0, 6, picture.shape), 0, 255).round().astype(np.uint8)
            for _ in range(2):
                y, x = rng.integers(0, 60, 2)
                picture[y:y + 2, x:x + 2] = world.COLOURS[scene[0]]
        elif i >= 16:
            picture = box_blur(picture, passes=3)
        name = f"{i:02d}.png"
        Image.fromarray(picture).save(os.path.join(OUT, name))
        seen = world.describe(picture)
        expected[name] = {"drawn": scene[1], "measured": seen["shape"], "five_fold": seen["five_fold"]}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
