"""Writes reference.safetensors the way Python's `safetensors` package lays a file out, by hand (struct + json),
following https://github.com/huggingface/safetensors#format, so the fixture needs no package beyond the standard
library:

- 8 bytes: little-endian u64 N, the header size;
- N bytes: a UTF-8 JSON object {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}},
  keys sorted, padded with spaces to a multiple of 8 (as safetensors >= 0.3 does);
- the data: tensors ordered by dtype size (largest first) then name, as safetensors.serialize orders them,
  each little-endian and C-contiguous; offsets are relative to the end of the header.

Run: python3 make_fixture.py   (writes reference.safetensors next to this script)
The values are the ones SafeTensorsTests expects.
"""
import json
import os
import struct

TENSORS = {
    # name: (dtype code, struct format char, element size, shape, values)
    "bias": ("F64", "d", 8, [3], [0.1, -2.5, 1e300]),
    "weight": ("F32", "f", 4, [2, 3], [1.0, -0.5, 3.25, 1e-30, -0.0, 65504.0]),
    "index": ("I32", "i", 4, [2, 2], [0, -1, 2147483647, -2147483648]),
    "mask": ("BOOL", "?", 1, [3], [True, False, True]),
    "scalar": ("F32", "f", 4, [], [7.5]),
    "empty": ("F32", "f", 4, [0, 4], []),
}
METADATA = {"format": "pt", "source": "make_fixture.py"}


def main():
    order = sorted(TENSORS, key=lambda name: (-TENSORS[name][2], name))
    header, data, offset = {}, b"", 0
    for name in order:
        code, fmt, size, shape, values = TENSORS[name]
        raw = struct.pack("<" + fmt * len(values), *values)
        header[name] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    header["__metadata__"] = METADATA
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    main()
