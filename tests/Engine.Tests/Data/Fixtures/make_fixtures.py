#!/usr/bin/python3
"""Writes the small .npy/.npz fixtures the Npy tests read (run once with NumPy; the files are committed).

Every array's values follow a formula the tests recompute: a = arange(n) * 0.5 - 2 reshaped, etc.
"""
import numpy as np
from numpy.lib import format as npformat

grid = np.arange(24, dtype=np.float64).reshape(2, 3, 4) * 0.5 - 2  # the shared test values

np.save("f4_c.npy", grid.reshape(6, 4).astype("<f4"))
np.save("f8_fortran.npy", np.asfortranarray(grid))
np.save("f4_big_endian.npy", grid.reshape(4, 6).astype(">f4"))
np.save("i8.npy", np.array([-3, 0, 7, 2**31 - 1, -(2**31)], dtype="<i8"))
np.save("i8_big_endian_fortran.npy", np.asfortranarray(np.arange(6, dtype=">i8").reshape(2, 3) - 2))
np.save("i8_out_of_range.npy", np.array([1, 2**40], dtype="<i8"))
np.save("i4.npy", np.arange(6, dtype="<i4").reshape(3, 2) - 3)
np.save("u1.npy", np.array([[0, 1, 255], [128, 7, 9]], dtype="|u1"))
np.save("b1.npy", np.array([True, False, False, True, True, False]).reshape(2, 3))
np.save("scalar_f8.npy", np.array(3.25))
for version in ((2, 0), (3, 0)):
    with open(f"f4_v{version[0]}.npy", "wb") as f:
        npformat.write_array(f, grid.reshape(24).astype("<f4"), version=version)
np.save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
np.savez("stored.npz", x=grid.astype("<f4"), labels=np.array([1, 0, 2], dtype="<i8"))
np.savez_compressed("deflated.npz", grid.astype("<f8"), np.array([True, False]))
