# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed article's two implementations, re-implemented for the benchmark.

"random vertex colors using Numpy" (the article this project started from)
shows a Python loop over polygons and a numpy kernel, each writing a vertex
colour layer. They are kept as the article wrote them, with only what
Blender 5.0 needs changed:

* the target is a FLOAT_COLOR face-corner attribute (``mesh.attributes[name].data``)
  instead of ``mesh.vertex_colors.active.data``, which no longer exists;
* colours have 4 channels (RGBA) where the old layer had 3, so the loop
  appends an opaque alpha and the kernel draws ``(npolygons, 4)``;
* ``np.int`` (removed from numpy) is spelled ``np.int64``, what it meant on
  64-bit Linux.

Everything else is the article's: the ``random()`` calls per face, the
``foreach_get`` of ``index``, ``loop_start`` and ``loop_total``,
``random_sample``, the while loop that fills one corner of every face per
pass, ``flatten`` and ``foreach_set``.
"""

from __future__ import annotations

from random import random

import numpy as np


def python_loop(mesh, name: str) -> None:
    """The article's first version: a Python loop per face and per corner."""
    vertex_colors = mesh.attributes[name].data
    polygons = mesh.polygons
    for poly in polygons:
        color = [random(), random(), random(), 1.0]
        for loop_index in range(poly.loop_start, poly.loop_start + poly.loop_total):
            vertex_colors[loop_index].color = color


def numpy_kernel(mesh, name: str, int_type=np.int64, float_type=np.float64) -> None:
    """The article's numpy version; ``int_type=np.int32, float_type=np.float32`` is its 32-bit variant."""
    vertex_colors = mesh.attributes[name].data
    polygons = mesh.polygons
    npolygons = len(polygons)
    nloops = len(mesh.loops)

    startloop = np.empty(npolygons, dtype=int_type)
    numloops = np.empty(npolygons, dtype=int_type)
    polygon_indices = np.empty(npolygons, dtype=int_type)

    polygons.foreach_get('index', polygon_indices)
    polygons.foreach_get('loop_start', startloop)
    polygons.foreach_get('loop_total', numloops)

    colors = np.random.random_sample((npolygons, 4))  # noqa: NPY002  (the article's global generator)
    if float_type is not np.float64:
        colors = colors.astype(float_type)

    loopcolors = np.empty((nloops, 4), dtype=float_type)
    loopcolors[startloop] = colors[polygon_indices]
    numloops -= 1
    nz = np.flatnonzero(numloops)
    while len(nz):
        startloop[nz] += 1
        loopcolors[startloop[nz]] = colors[polygon_indices[nz]]
        numloops[nz] -= 1
        nz = np.flatnonzero(numloops)

    loopcolors = loopcolors.flatten()
    vertex_colors.foreach_set("color", loopcolors)
