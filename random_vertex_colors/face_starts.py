# SPDX-License-Identifier: GPL-3.0-or-later
"""Each face's corner range, read fast where that is proven safe.

``foreach_get("loop_start")`` calls an RNA getter per face, which costs more
than all the rest of coloring the faces (docs/performance.md). Blender keeps
the starts in one array of records (3.6+: the face offsets, 4 bytes each;
before: ``MPoly`` structs, 12 bytes, start first), and a ``MeshPolygon``'s
``as_pointer()`` is the address of its record. Where every check that can be
made without reading holds, a strided copy of that array reads every start.

The raw read is used only

* on the Blender versions the test suite runs (``RAW_READ_VERSIONS``),
* when the add-on preference "Fast Face Read" is on (the default),
* when the environment variable ``RANDOM_VERTEX_COLORS_NO_RAW_READ`` is not ``1``,

and everything else takes ``foreach_get``.
"""

from __future__ import annotations

import ctypes
import os
from typing import TYPE_CHECKING

import numpy as np

from . import core

if TYPE_CHECKING:
    from bpy.types import Mesh, MeshPolygons

# (major, minor) versions whose face table the suite has checked (tests/blender/test_face_starts.py).
RAW_READ_VERSIONS = frozenset({(3, 4), (4, 2), (5, 0), (5, 2), (5, 3)})
ENV_NO_RAW_READ = "RANDOM_VERTEX_COLORS_NO_RAW_READ"
PREFERENCE = "use_fast_face_read"  # the add-on preference (preferences.py)


def raw_read_allowed(version: tuple[int, ...]) -> bool:
    """True when the raw read may run in Blender ``version``: tested, and not switched off."""
    if os.environ.get(ENV_NO_RAW_READ, "") == "1":
        return False
    if tuple(version[:2]) not in RAW_READ_VERSIONS:
        return False
    return _preference_allows()


def _preference_allows() -> bool:
    from . import preferences  # imports bpy: only here, so this module loads without Blender

    return preferences.fast_face_read_enabled()


def sample_faces(n_faces: int) -> list[int]:
    """The faces whose addresses and starts are checked: ends, thirds and a spread between."""
    picks = {0, 1, n_faces // 3, n_faces // 2, (2 * n_faces) // 3, n_faces - 2, n_faces - 1}
    picks.update(int(k) for k in np.linspace(0, n_faces - 1, num=min(n_faces, 17)))
    return sorted(k for k in picks if 0 <= k < n_faces)


def face_starts_in_place(polygons: MeshPolygons) -> np.ndarray | None:
    """Copy every face's first corner index out of Blender's face table, or None.

    Before any byte is read, the first and second faces' addresses give a
    stride, and every sampled face's ``as_pointer()`` must equal
    ``first + k * stride``; the copy is then compared with RNA's
    ``loop_start`` at the same faces. Only memory that RNA itself reads is
    touched. Does not look at the version gate (see ``face_corner_ranges``).

    Returns
    -------
    (n_faces,) ndarray of int32, or None
        None when the mesh has fewer than two faces or any check fails:
        the caller then uses ``foreach_get``.
    """
    n_faces = len(polygons)
    if n_faces < 2:
        return None
    first = polygons[0].as_pointer()
    stride = polygons[1].as_pointer() - first
    if not first or first % 4 or stride < 4 or stride % 4:
        return None
    samples = sample_faces(n_faces)
    if any(polygons[k].as_pointer() != first + k * stride for k in samples):
        return None
    table = (ctypes.c_char * (stride * (n_faces - 1) + 4)).from_address(first)
    starts: np.ndarray = np.array(
        np.ndarray((n_faces,), dtype=np.int32, buffer=memoryview(table), strides=(stride,))
    )
    if any(polygons[k].loop_start != starts[k] for k in samples):
        return None
    return starts


def face_corner_ranges(mesh: Mesh, version: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Read ``(loop_start, loop_total)`` as int32 arrays.

    The starts come from ``face_starts_in_place`` where ``raw_read_allowed``,
    else from ``foreach_get``. ``loop_total`` is derived from ``loop_start``
    when the starts increase (always in Blender 3.6+, where faces are stored
    as offsets), which saves a second, slower ``foreach_get``.

    ``version`` defaults to the running Blender's.
    """
    if version is None:
        import bpy  # only here: this module loads without Blender

        version = tuple(bpy.app.version)
    polygons = mesh.polygons
    loop_start = face_starts_in_place(polygons) if raw_read_allowed(version) else None
    if loop_start is None:
        loop_start = np.empty(len(polygons), dtype=np.int32)
        polygons.foreach_get("loop_start", loop_start)
    loop_total = core.loop_totals_from_starts(loop_start, len(mesh.loops))
    if loop_total is None:
        loop_total = np.empty(len(polygons), dtype=np.int32)
        polygons.foreach_get("loop_total", loop_total)
    return loop_start, loop_total
