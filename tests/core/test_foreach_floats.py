# SPDX-License-Identifier: GPL-3.0-or-later
"""The array handed to ``foreach_set`` is always contiguous 1-D float32 (the fast form)."""

import numpy as np
import pytest

from random_vertex_colors import mesh_arrays

LAYOUTS = {
    "float64": lambda wide: wide[:, :4].copy(),
    "strided": lambda wide: wide.astype(np.float32)[:, ::2],
    "fortran": lambda wide: np.asfortranarray(wide[:, :4], dtype=np.float32),
    "float32": lambda wide: wide[:, :4].astype(np.float32),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_foreach_floats_is_contiguous_1d_float32(layout):
    values = LAYOUTS[layout](np.random.default_rng(2).random((50, 8)))
    flat = mesh_arrays.foreach_floats(values)
    assert flat.dtype == np.float32 and flat.ndim == 1 and flat.flags.c_contiguous
    assert np.array_equal(flat, values.astype(np.float32).reshape(-1))
    if layout == "float32":
        assert np.shares_memory(flat, values)  # already right: no copy
