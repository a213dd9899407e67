"""The AWS tutorial's Pillow approach, which `npm run bench` measures beside the engine.

Done as well as Pillow allows: thumbnail() first, so that JPEGs decode at reduced scale (draft mode),
then exif_transpose() on the small image, then JPEG out at the engine's default quality. For several
renditions, one decode at the scale the largest needs (draft), then each rendition from that image.

    python3 pillow_thumbnail.py times <runs> <file>...   prints {file: [CPU ms of each run]} as JSON
    python3 pillow_thumbnail.py burst <rounds> <file>...  thumbnails every file <rounds> times, silently
    python3 pillow_thumbnail.py renditions <runs> <side:format,...> <file>...
        prints {file: [CPU ms of each run]} as JSON, each run making every rendition (e.g. 256:jpeg,640:webp)
"""

import io
import json
import sys
import time

from PIL import Image, ImageOps

SIZE = (256, 256)
QUALITY = 80
FORMATS = {"jpeg": "JPEG", "webp": "WEBP"}
USAGE = "times|burst <count> <file>... | renditions <count> <side:format,...> <file>..."


def thumbnail(path):
    with Image.open(path) as image:
        image.thumbnail(SIZE)
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = image.convert("RGB")
        image.save(io.BytesIO(), "JPEG", quality=QUALITY)


def renditions(path, outputs):
    """Every (side, format) of `outputs`, each fitting inside a square of its side, from one decode."""
    largest = max(side for side, _ in outputs)
    with Image.open(path) as image:
        # A side is the box's width and height both: either may be the long edge after rotation.
        image.draft("RGB", (largest, largest))
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = image.convert("RGB")
        for side, format_name in outputs:
            rendition = image.copy()
            rendition.thumbnail((side, side))
            rendition.save(io.BytesIO(), FORMATS[format_name], quality=QUALITY)


def parse_outputs(text):
    outputs = []
    for item in text.split(","):
        side, _, format_name = item.partition(":")
        if not side.isdigit() or format_name not in FORMATS:
            sys.exit(f"{sys.argv[0]}: bad rendition {item!r}: want <side>:<{'|'.join(FORMATS)}>")
        outputs.append((int(side), format_name))
    return outputs


def cpu_times(paths, runs, work):
    """CPU milliseconds of each of `runs` calls of work(path) on each file, after one warm-up run."""
    result = {}
    for path in paths:
        work(path)
        samples = []
        for _ in range(runs):
            start = time.process_time()
            work(path)
            samples.append((time.process_time() - start) * 1000)
        result[path] = samples
    return result


def main(argv):
    modes = ("times", "burst", "renditions")
    if len(argv) < 3 or argv[0] not in modes or not argv[1].isdigit():
        sys.exit(f"usage: {sys.argv[0]} {USAGE}")
    mode, count, paths = argv[0], int(argv[1]), argv[2:]
    if mode == "renditions":
        if len(paths) < 2:
            sys.exit(f"usage: {sys.argv[0]} {USAGE}")
        outputs = parse_outputs(paths[0])
        print(json.dumps(cpu_times(paths[1:], count, lambda path: renditions(path, outputs))))
        return
    if mode == "times":
        print(json.dumps(cpu_times(paths, count, thumbnail)))
        return
    for _ in range(count):
        for path in paths:
            thumbnail(path)


if __name__ == "__main__":
    main(sys.argv[1:])
