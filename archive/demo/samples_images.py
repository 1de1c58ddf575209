"""Generated images for the samples: photo-like JPEGs such as the 入户走访 photos offices keep."""
from __future__ import annotations

import random
from pathlib import Path


def write_jpeg(path: Path | str, rng: random.Random, size: tuple[int, int] = (800, 600)) -> Path:
    """A photo-like JPEG: blurred random colour field over a gradient.

    Upscaling a tiny random image is cheap and looks like an out-of-focus
    photo; fresh random bytes per call make every file different.
    """
    from PIL import Image

    path = Path(path)
    small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
    photo = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (size[0] // 4, size[1] // 4),
                            rng.randbytes((size[0] // 4) * (size[1] // 4)))
    grain = grain.resize(size).convert("RGB")
    photo = Image.blend(photo, grain, 0.12)
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(str(path), "JPEG", quality=rng.randint(70, 90))
    return path
