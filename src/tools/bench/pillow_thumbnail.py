"""The AWS tutorial's Pillow approach, which `npm run bench -- --compare` measures beside the engine.

Done as well as Pillow allows: thumbnail() first, so that JPEGs decode at reduced scale (draft mode),
then exif_transpose() on the small image, then JPEG out at the engine's default quality.

    python3 pillow_thumbnail.py times <runs> <file>...   prints {file: [CPU ms of each run]} as JSON
    python3 pillow_thumbnail.py burst <rounds> <file>...  thumbnails every file <rounds> times, silently
"""

import io
import json
import sys
import time

from PIL import Image, ImageOps

SIZE = (256, 256)
QUALITY = 80


def thumbnail(path):
    with Image.open(path) as image:
        image.thumbnail(SIZE)
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = image.convert("RGB")
        image.save(io.BytesIO(), "JPEG", quality=QUALITY)


def cpu_times(paths, runs):
    """CPU milliseconds of each of `runs` thumbnails of each file, after one warm-up run."""
    result = {}
    for path in paths:
        thumbnail(path)
        samples = []
        for _ in range(runs):
            start = time.process_time()
            thumbnail(path)
            samples.append((time.process_time() - start) * 1000)
        result[path] = samples
    return result


def main(argv):
    if len(argv) < 3 or argv[0] not in ("times", "burst") or not argv[1].isdigit():
        sys.exit(f"usage: {sys.argv[0]} times|burst <count> <file>...")
    mode, count, paths = argv[0], int(argv[1]), argv[2:]
    if mode == "times":
        print(json.dumps(cpu_times(paths, count)))
        return
    for _ in range(count):
        for path in paths:
            thumbnail(path)


if __name__ == "__main__":
    main(sys.argv[1:])
