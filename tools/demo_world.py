"""The demo world: 64x64 pictures of one flat-coloured shape on a flat background, and their captions.

Everything is drawn by code from a seed (numpy only), so the demo model and the demo dataset can be rebuilt
exactly. The base model learns circles, squares and triangles; the demo LoRA teaches it the star, which the base
model never sees, under the trigger word TRIGGER.

    a red circle on the left on a blue background
    a yellow zkstar in the middle on a purple background      (demo dataset only)
"""
import numpy as np

SIZE = 64
SUPERSAMPLING = 4  # edges are anti-aliased by drawing at 4x and averaging 4x4 blocks

COLOURS = {
    "red": (220, 45, 45),
    "green": (45, 165, 70),
    "blue": (45, 85, 220),
    "yellow": (240, 205, 40),
    "purple": (145, 65, 185),
    "white": (240, 240, 240),
    "black": (30, 30, 30),
}
BASE_SHAPES = ("circle", "square", "triangle")
TRIGGER = "zkstar"  # the demo LoRA's trigger word: the star shape
POSITIONS = {
    "in the middle": (32, 32),
    "on the left": (20, 32),
    "on the right": (44, 32),
    "at the top": (32, 20),
    "at the bottom": (32, 44),
}
# Words of every caption, for the tokenizer's vocabulary.
VOCABULARY = sorted(
    {w for name in COLOURS for w in name.split()}
    | set(BASE_SHAPES) | {TRIGGER}
    | {w for p in POSITIONS for w in p.split()}
    | {"a", "on", "background"})


def caption(colour, shape, position, background):
    return f"a {colour} {shape} {position} on a {background} background"


def _inside(shape, x, y, cx, cy, r, angle):
    """Which of the points (x, y) lie inside the shape of size r centred at (cx, cy)."""
    dx, dy = x - cx, y - cy
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        half = 0.86 * r  # about the circle's area
        return (np.abs(dx) <= half) & (np.abs(dy) <= half)
    if shape == "triangle":
        return _inside_polygon(dx, dy, _regular_polygon(3, 1.2 * r, angle))
    if shape == TRIGGER:
        return _inside_polygon(dx, dy, _star(1.3 * r, 0.5 * 1.3 * r, angle))
    raise ValueError(shape)


def _regular_polygon(corners, radius, angle):
    t = angle - np.pi / 2 + 2 * np.pi * np.arange(corners) / corners  # first corner points up
    return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)


def _star(outer, inner, angle):
    t = angle - np.pi / 2 + np.pi * np.arange(10) / 5
    radius = np.where(np.arange(10) % 2 == 0, outer, inner)
    return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)


def _inside_polygon(x, y, corners):
    """Even-odd rule: a point is inside when a ray to +x crosses the outline an odd number of times."""
    inside = np.zeros(x.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(corners, np.roll(corners, -1, axis=0)):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < at)
    return inside


def draw(colour, shape, position, background, rng):
    """One picture as uint8 [64, 64, 3]; rng jitters the place, size and turn a little."""
    cx, cy = POSITIONS[position]
    cx, cy = cx + rng.uniform(-2, 2), cy + rng.uniform(-2, 2)
    r = rng.uniform(10.5, 13.0)
    angle = rng.uniform(-0.15, 0.15) if shape in ("triangle", TRIGGER) else 0.0
    n = SIZE * SUPERSAMPLING
    coordinates = (np.arange(n) + 0.5) / SUPERSAMPLING
    x, y = np.meshgrid(coordinates, coordinates)
    coverage = _inside(shape, x, y, cx, cy, r, angle).astype(np.float64)
    coverage = coverage.reshape(SIZE, SUPERSAMPLING, SIZE, SUPERSAMPLING).mean(axis=(1, 3))[..., None]
    picture = coverage * np.array(COLOURS[colour]) + (1 - coverage) * np.array(COLOURS[background])
    return np.round(picture).astype(np.uint8)


def random_scene(rng, shapes):
    colour, background = rng.choice(list(COLOURS), size=2, replace=False)
    shape = shapes[rng.integers(len(shapes))]
    position = list(POSITIONS)[rng.integers(len(POSITIONS))]
    return str(colour), shape, position, str(background)


def _nearest(named, rgb):
    return min(named, key=lambda name: float(np.sum((np.array(named[name], dtype=float) - rgb) ** 2)))


def foreground_mask(picture):
    """Pixels that differ clearly from the background (the median of the border), and that background colour."""
    pixels = picture.astype(np.float64)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = np.median(border, axis=0)
    return np.sqrt(((pixels - background) ** 2).sum(axis=2)) > 60, background


def outline_harmonic(mask, k):
    """How strongly the outline repeats k times a turn: the k-th Fourier coefficient of the distance from the
    region's centroid to its outline pixels (those with a 4-neighbour outside it), over their mean distance. For k = 5
    it is about 0.4 for the star, whose five points make it, and under 0.07 for circles, squares and triangles, whose
    outlines repeat 0, 4 and 3 times a turn."""
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    padded = np.pad(mask, 1)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    oy, ox = np.nonzero(mask & ~interior)
    radius = np.hypot(oy - cy, ox - cx)
    angle = np.arctan2(oy - cy, ox - cx)
    return float(abs((radius * np.exp(-1j * k * angle)).sum()) / radius.sum())


def largest_region(mask):
    """The largest 4-connected region of the mask (stray specks of a generated picture ignored)."""
    seen = np.zeros_like(mask)
    best = np.zeros_like(mask)
    height, width = mask.shape
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        region, stack = [], [start]
        seen[start] = True
        while stack:
            y, x = stack.pop()
            region.append((y, x))
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if len(region) > best.sum():
            best = np.zeros_like(mask)
            best[tuple(np.array(region).T)] = True
    return best


# The five-fold outline harmonic above which a shape counts as a star: the demo model's circles, squares and triangles
# stay under 0.07, blurred as they come out; the demo LoRA's stars, plumper than the drawn ones, are above 0.13.
STAR_HARMONIC = 0.1


def describe(picture):
    """What a picture shows, measured: {colour, shape, position, background, five_fold}; only the background when no
    shape stands out. The same measure as the demo test's (Tests/ServerTests/Demo/DemoShapeMeasure.swift)."""
    mask, background = foreground_mask(picture)
    mask = largest_region(mask)
    area = int(mask.sum())
    if area < 40:
        return {"background": _nearest(COLOURS, background)}
    ys, xs = np.nonzero(mask)
    five_fold = outline_harmonic(mask, 5)
    extent = area / ((xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1))
    if five_fold > STAR_HARMONIC:
        shape = TRIGGER
    elif extent > 0.9:
        shape = "square"
    elif extent > 0.66:
        shape = "circle"
    else:
        shape = "triangle"
    centre = (xs.mean() + 0.5, ys.mean() + 0.5)
    return {"colour": _nearest(COLOURS, np.median(picture[mask].astype(np.float64), axis=0)),
            "background": _nearest(COLOURS, background), "shape": shape,
            "position": _nearest(POSITIONS, np.array(centre)), "five_fold": five_fold}
