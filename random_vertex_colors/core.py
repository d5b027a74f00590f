# SPDX-License-Identifier: GPL-3.0-or-later
"""Mesh-agnostic numpy core of Random Vertex Colors.

Everything here works on plain arrays: it imports numpy and the standard
library only, so it can be imported, tested and benchmarked without Blender.

Conventions
-----------
* A mesh is described by its faces' corner ranges: face ``i`` owns corners
  (Blender's "loops") ``loop_start[i] .. loop_start[i] + loop_total[i] - 1``.
* Colours are RGBA rows, shape ``(n, 4)``.  Random colours are drawn as
  16-bit quantized sRGB values (``uint16``, 0..65535), the space of Blender's
  colour picker, and converted to the target space at the end: scene linear
  with a lookup table (one gather instead of a power function per value),
  sRGB float with one exact division.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from typing import NamedTuple

import numpy as np
import numpy.typing

from . import distinct_table
from .options import COLOR_MODES, ColorSettings

__all__ = [
    "COLOR_MODES",
    "GroupColors",
    "Palette",
    "blend_colors",
    "blend_face_colors",
    "connected_components",
    "distinct_colors",
    "face_components",
    "face_islands",
    "faces_touched",
    "group_colors",
    "group_means",
    "hsv_to_rgb",
    "jitter_group_colors",
    "jitter_srgb",
    "linear_to_srgb",
    "loop_colors",
    "loop_totals_from_starts",
    "palette_colors",
    "random_srgb16",
    "rgb_to_hsv",
    "rng_for",
    "shape_colors",
    "shape_group_colors",
    "spread_face_rows",
    "srgb16_to_float",
    "srgb16_to_linear",
    "srgb_to_linear",
    "uniform_face_colors",
    "uv_islands",
    "uv_vertex_ids",
    "value_labels",
]

_U16_MAX = 65535


# --------------------------------------------------------------------------
# The fill-by-loop-offset kernel
# --------------------------------------------------------------------------


def _as_index_array(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    if not np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.int64)
    return array


def loop_colors(loop_start, loop_total, face_colors, n_loops=None) -> np.ndarray:
    """Give every corner (loop) the colour of the face it belongs to.

    Parameters
    ----------
    loop_start : (n_faces,) array of int
        Index of each face's first corner. Faces may be listed in any order.
    loop_total : (n_faces,) array of int
        Number of corners of each face; 0 is allowed (the face is ignored).
    face_colors : (>= n_faces, C) array
        One row per face; extra rows are ignored.
    n_loops : int, optional
        Number of corners of the mesh. Defaults to ``loop_total.sum()``.

    Returns
    -------
    (n_loops, C) ndarray
        Row ``j`` is the colour of the face owning corner ``j``. The dtype is
        ``face_colors``'s (float32 in, float32 out); the index arithmetic runs
        in the dtype of the offsets (int32 or int64).

    Raises
    ------
    ValueError
        If the arrays do not describe a partition of ``0 .. n_loops - 1``
        into consecutive runs: length mismatch, negative totals, overlapping
        faces, gaps, corners past ``n_loops``, or fewer colours than faces.

    Notes
    -----
    O(n_faces) to check, O(n_loops * C) to fill with one ``np.repeat``; when
    the faces are already in corner order (always so in Blender) nothing is
    sorted.
    """
    loop_start = _as_index_array(loop_start, "loop_start")
    loop_total = _as_index_array(loop_total, "loop_total")
    face_colors = np.asarray(face_colors)
    n_faces = loop_start.shape[0]
    if loop_total.shape[0] != n_faces:
        raise ValueError(
            f"loop_start has {n_faces} faces but loop_total has {loop_total.shape[0]}"
        )
    if face_colors.ndim != 2:
        raise ValueError(f"face_colors must be 2-D (faces, channels), got shape {face_colors.shape}")
    if face_colors.shape[0] < n_faces:
        raise ValueError(
            f"face_colors has {face_colors.shape[0]} rows, fewer than the {n_faces} faces"
        )
    if n_faces and loop_total.min() < 0:
        bad = int(np.flatnonzero(loop_total < 0)[0])
        raise ValueError(f"loop_total[{bad}] is negative ({int(loop_total[bad])})")
    total_loops = int(loop_total.sum(dtype=np.int64))
    if n_loops is None:
        n_loops = total_loops
    n_loops = int(n_loops)
    if n_loops < 0:
        raise ValueError(f"n_loops must be >= 0, got {n_loops}")

    loop_start, loop_total, face_colors = _faces_in_corner_order(
        loop_start, loop_total, face_colors[:n_faces], n_loops, total_loops
    )
    if loop_total.size and loop_total.min() == loop_total.max():
        # All faces the same size (grids, triangulated meshes): a scalar repeat is ~30% faster.
        return np.repeat(face_colors, int(loop_total[0]), axis=0)
    return np.repeat(face_colors, loop_total, axis=0)


_SPREAD_CHUNK = 1 << 14  # faces per block in ``spread_face_rows``: its temporaries stay in the CPU cache


def spread_face_rows(loop_start, loop_total, buffer: np.ndarray) -> np.ndarray:
    """``loop_colors`` in place: fill ``buffer`` from the face rows stored at its end.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
        Faces in corner order, each with at least one corner, tiling
        ``0 .. n_loops - 1`` (always so in Blender).
    buffer : (n_loops, C) ndarray
        Its last ``n_faces`` rows hold one row per face, in face order.

    Returns
    -------
    buffer
        Row ``j`` now holds the row of the face owning corner ``j``.

    Notes
    -----
    The face rows need no array of their own, so the peak memory is the
    output's. Blocks of faces are spread front to back: a face's corners
    end no later than its stored row (each face before it has at least one
    corner), so no row is overwritten before it is read.
    """
    loop_start = _as_index_array(loop_start, "loop_start")
    loop_total = _as_index_array(loop_total, "loop_total")
    n_faces = loop_start.shape[0]
    if loop_total.shape != loop_start.shape:
        raise ValueError(f"loop_start has {n_faces} faces but loop_total has {loop_total.shape[0]}")
    if buffer.ndim != 2 or buffer.shape[0] < n_faces:
        raise ValueError(f"buffer must be 2-D with at least {n_faces} rows, got shape {buffer.shape}")
    n_loops = buffer.shape[0]
    if n_faces and loop_total.min() < 1:
        raise ValueError(f"face {int(np.flatnonzero(loop_total < 1)[0])} has no corners")
    if n_faces > 1 and not bool(np.all(loop_start[1:] > loop_start[:-1])):
        raise ValueError("faces must be listed in corner order")
    _check_partition(loop_start, loop_total, n_loops, int(loop_total.sum(dtype=np.int64)))
    tail = n_loops - n_faces
    uniform = bool(n_faces) and int(loop_total.min()) == int(loop_total.max())
    for first in range(0, n_faces, _SPREAD_CHUNK):  # a loop over blocks of faces, not over faces
        last = min(first + _SPREAD_CHUNK, n_faces)
        rows = buffer[tail + first:tail + last]
        counts = int(loop_total[0]) if uniform else loop_total[first:last]
        start = int(loop_start[first])
        end = int(loop_start[last - 1] + loop_total[last - 1])
        buffer[start:end] = np.repeat(rows, counts, axis=0)  # a new block: reads before it writes
    return buffer


def _faces_in_corner_order(loop_start, loop_total, face_rows, n_loops: int, total_loops: int):
    """The faces that have corners, in corner order, with their rows; checked to tile the corners.

    ``loop_start``, ``loop_total`` and ``face_rows`` have one entry per face
    (totals checked non-negative). Raises ValueError as ``loop_colors`` says.
    Nothing is copied when every face has corners and they are in order
    (always so in Blender).
    """
    used = loop_total > 0
    if not used.all():
        loop_start, loop_total, face_rows = loop_start[used], loop_total[used], face_rows[used]
    if loop_start.size > 1 and not bool(np.all(loop_start[1:] > loop_start[:-1])):
        order = np.argsort(loop_start, kind="stable")
        loop_start, loop_total, face_rows = loop_start[order], loop_total[order], face_rows[order]
    _check_partition(loop_start, loop_total, n_loops, total_loops)
    return loop_start, loop_total, face_rows


def uniform_face_colors(loop_start, loop_total, corner_colors):
    """The colour of each face when all its corners hold the same bits, else None.

    The inverse of ``loop_colors``: when the result ``f`` is not None,
    ``loop_colors(loop_start, loop_total, f)`` equals ``corner_colors`` bit for bit.
    Lets a writer store one value per face instead of one per corner.

    Parameters
    ----------
    loop_start : (n_faces,) array of int
    loop_total : (n_faces,) array of int
        As for ``loop_colors``; the faces must partition the rows of ``corner_colors``.
    corner_colors : (n_loops, C) array

    Returns
    -------
    (n_faces, C) ndarray of ``corner_colors``'s dtype, or None
        None when two corners of one face differ in any bit, or a face has no corners.

    Raises
    ------
    ValueError
        If the shapes disagree or the faces do not partition the corners, as in ``loop_colors``.

    Notes
    -----
    O(n_loops * C) bytes compared, each corner with the one before it, as
    64-bit words where the rows allow; no (n_loops, C) temporary.
    """
    loop_start = _as_index_array(loop_start, "loop_start")
    loop_total = _as_index_array(loop_total, "loop_total")
    corner_colors = np.ascontiguousarray(corner_colors)
    if corner_colors.ndim != 2:
        raise ValueError(f"corner_colors must be 2-D (corners, channels), got shape {corner_colors.shape}")
    if loop_total.shape != loop_start.shape:
        raise ValueError(
            f"loop_start has {loop_start.shape[0]} faces but loop_total has {loop_total.shape[0]}"
        )
    n_loops = corner_colors.shape[0]
    if loop_total.size and loop_total.min() < 0:
        bad = int(np.flatnonzero(loop_total < 0)[0])
        raise ValueError(f"loop_total[{bad}] is negative ({int(loop_total[bad])})")
    if loop_total.size and loop_total.min() == 0:
        return None
    if loop_start.size > 1 and not bool(np.all(loop_start[1:] > loop_start[:-1])):
        order = np.argsort(loop_start, kind="stable")
        _check_partition(loop_start[order], loop_total[order], n_loops, int(loop_total.sum(dtype=np.int64)))
    else:
        _check_partition(loop_start, loop_total, n_loops, int(loop_total.sum(dtype=np.int64)))
    row_bytes = corner_colors.dtype.itemsize * corner_colors.shape[1]
    if n_loops > 1 and row_bytes:
        word = np.uint64 if row_bytes % 8 == 0 else np.uint8
        words = corner_colors.view(np.uint8).reshape(n_loops, row_bytes).view(word)
        same_as_previous = words[1:, 0] == words[:-1, 0]
        for column in range(1, words.shape[1]):
            same_as_previous &= words[1:, column] == words[:-1, column]
        # A face's first corner need not match the corner before it.
        starts = loop_start[loop_start > 0]
        same_as_previous[starts - 1] = True
        if not bool(same_as_previous.all()):
            return None
    return np.take(corner_colors, loop_start, axis=0)  # twice as fast as corner_colors[loop_start]


def faces_touched(loop_start, loop_total, corner_mask) -> int:
    """How many faces have at least one corner where ``corner_mask`` is True.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
        As for ``loop_colors``.
    corner_mask : (n_loops,) array of bool

    Returns
    -------
    int
    """
    corner_mask = np.asarray(corner_mask, dtype=bool)
    loop_start = _as_index_array(loop_start, "loop_start")
    loop_total = _as_index_array(loop_total, "loop_total")
    used = loop_total > 0
    if not used.any():
        return 0
    # Sum of the mask over each face's run, from one cumulative sum: no per-face loop, any face order.
    before = np.concatenate(([0], np.cumsum(corner_mask, dtype=np.int64)))
    starts = loop_start[used]
    counts = before[starts + loop_total[used]] - before[starts]
    return int(np.count_nonzero(counts))


def _check_partition(sorted_start, sorted_total, n_loops, total_loops) -> None:
    """Raise ValueError unless the sorted runs tile ``0 .. n_loops - 1`` exactly."""
    if sorted_start.size == 0:
        if n_loops:
            raise ValueError(f"no face covers the {n_loops} loops (gap at loop 0)")
        return
    if sorted_start[0] != 0:
        if sorted_start[0] < 0:
            raise ValueError(f"loop_start has a negative index ({int(sorted_start[0])})")
        raise ValueError(f"gap: loops 0..{int(sorted_start[0]) - 1} belong to no face")
    ends = sorted_start + sorted_total
    step = sorted_start[1:] - ends[:-1]
    if step.size and step.min() < 0:
        i = int(np.flatnonzero(step < 0)[0])
        raise ValueError(
            f"overlapping faces: the face starting at loop {int(sorted_start[i])} "
            f"runs to {int(ends[i]) - 1}, past the next face's start {int(sorted_start[i + 1])}"
        )
    if step.size and step.max() > 0:
        i = int(np.flatnonzero(step > 0)[0])
        raise ValueError(
            f"gap: loops {int(ends[i])}..{int(sorted_start[i + 1]) - 1} belong to no face"
        )
    last_end = int(ends[-1])
    if last_end > n_loops:
        raise ValueError(f"faces reach loop {last_end - 1}, past n_loops={n_loops}")
    if last_end < n_loops:
        raise ValueError(f"gap: loops {last_end}..{n_loops - 1} belong to no face")


def loop_totals_from_starts(loop_start, n_loops: int):
    """Derive each face's corner count from ``loop_start`` alone.

    Blender stores face corners as offsets, so where ``loop_start`` increases
    strictly the totals are its differences. Reading them this way skips a
    second ``foreach_get`` (``loop_total`` costs more than ``loop_start``).

    Parameters
    ----------
    loop_start : (n_faces,) array of int
    n_loops : int

    Returns
    -------
    (n_faces,) ndarray of ``loop_start``'s dtype, or None
        None when ``loop_start`` is not strictly increasing from 0 up to
        below ``n_loops``; the caller must then read the totals.
    """
    loop_start = np.asarray(loop_start)
    if loop_start.size == 0:
        return loop_start.copy() if n_loops == 0 else None
    if loop_start[0] != 0 or loop_start[-1] >= n_loops:
        return None
    totals = np.diff(loop_start, append=loop_start.dtype.type(n_loops))
    if totals.min() <= 0:
        return None
    return totals


# --------------------------------------------------------------------------
# Random colours
# --------------------------------------------------------------------------


def _key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def rng_for(seed: int, key: str = "", stream: str = "") -> np.random.Generator:
    """A generator for one seed and one named thing (a mesh, say).

    The same ``(seed, key)`` always gives the same stream, different keys
    give independent streams, so two meshes coloured with one seed differ
    and neither depends on the order they were processed in. Any Python int
    is a valid seed, negative ones included. ``stream`` names a further
    independent stream for the same key (JITTER's shifts are ``"jitter"``),
    so drawing from it never moves the colours of the main one.
    """
    seed = int(seed)
    # SeedSequence takes non-negative entropy: fold the sign into the words.
    words = [abs(seed) % 2**64, abs(seed) >> 64, int(seed < 0), _key_hash(key)]
    if stream:
        words.append(_key_hash(stream))  # a fifth word: the main streams keep their four
    return np.random.default_rng(np.random.SeedSequence(words))


def random_srgb16(rng: np.random.Generator, n: int, random_alpha: bool = False) -> np.ndarray:
    """Draw ``n`` uniform RGBA colours, quantized to 16 bits.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Number of colours.
    random_alpha : bool
        When False alpha is opaque (65535). Alpha is drawn either way, so
        the RGB values do not change when this option changes.

    Returns
    -------
    (n, 4) ndarray of uint16
        sRGB-encoded RGB and alpha, 0..65535 standing for 0..1.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    # One raw 64-bit word per colour split into four 16-bit channels: the same
    # uniform draw as rng.integers(0, 65536, (n, 4), uint16) at half the cost.
    # Read as little-endian so a seed gives the same colours on any machine.
    words = rng.bit_generator.random_raw(n).astype("<u8", copy=False)
    colors = words.view("<u2").astype(np.uint16, copy=False).reshape(n, 4)
    if not random_alpha:
        colors[:, 3] = _U16_MAX
    return colors


def srgb_to_linear(srgb: np.typing.ArrayLike) -> np.ndarray:
    """The sRGB transfer function inverted (IEC 61966-2-1), elementwise, float."""
    srgb = np.asarray(srgb, dtype=np.float64)
    # The power's argument is kept in range where the other branch is taken (no NaN for negatives).
    return np.where(srgb <= 0.04045, srgb / 12.92, ((np.maximum(srgb, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.typing.ArrayLike) -> np.ndarray:
    """The sRGB transfer function (IEC 61966-2-1), elementwise, float."""
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0.0, None)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


_LINEAR_LUT = srgb_to_linear(np.arange(_U16_MAX + 1) / _U16_MAX).astype(np.float32)
_UNIT_LUT = (np.arange(_U16_MAX + 1) / _U16_MAX).astype(np.float32)


def _check_rgba16(colors) -> np.ndarray:
    colors = np.asarray(colors)
    if colors.ndim != 2 or colors.shape[1] != 4:
        raise ValueError(f"colors must have shape (n, 4), got {colors.shape}")
    if colors.dtype != np.uint16:
        raise ValueError(f"colors must be uint16, got {colors.dtype}")
    return colors


def _look_up(table: np.ndarray, colors: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``table[colors]``, into ``out`` when given, block by block: no index array of the full size."""
    if out is None:
        return table[colors]
    if out.shape != colors.shape:
        raise ValueError(f"out must have shape {colors.shape}, got {out.shape}")
    block = 1 << 14  # numpy makes a full-size intp copy of each block's indices
    for first in range(0, colors.shape[0], block):  # a loop over blocks of rows, not over rows
        out[first:first + block] = table[colors[first:first + block]]
    return out


def srgb16_to_linear(colors, out: np.ndarray | None = None) -> np.ndarray:
    """Convert 16-bit sRGB RGBA rows to scene-linear float32 (alpha stays linear).

    Parameters
    ----------
    colors : (n, 4) ndarray of uint16
    out : (n, 4) ndarray of float32, optional
        Written in place of a new array.

    Returns
    -------
    (n, 4) ndarray of float32, C-contiguous (``out`` when given)
    """
    colors = _check_rgba16(colors)
    # One gather over the contiguous block: three times faster than two
    # gathers into strided slices of a preallocated array. Both tables map
    # 65535 to 1.0, so opaque alpha (the usual case) needs no second gather.
    out = _look_up(_LINEAR_LUT, colors, out)
    alpha = colors[:, 3]
    if alpha.size and alpha.min() < _U16_MAX:
        out[:, 3] = _UNIT_LUT[alpha]
    return out


def srgb16_to_float(colors, out: np.ndarray | None = None) -> np.ndarray:
    """Convert 16-bit sRGB RGBA rows to sRGB float32 in [0, 1], unconverted.

    Parameters
    ----------
    colors : (n, 4) ndarray of uint16
    out : (n, 4) ndarray of float32, optional
        Written in place of a new array.

    Returns
    -------
    (n, 4) ndarray of float32, C-contiguous (``out`` when given)
    """
    colors = _check_rgba16(colors)
    # float32 division is correctly rounded, so this equals _UNIT_LUT[colors] bit for bit
    # (tests/core/test_colors.py checks every value), without a gather.
    return np.divide(colors, np.float32(_U16_MAX), out=out, dtype=np.float32)


# --------------------------------------------------------------------------
# Grouping: which faces share a colour
# --------------------------------------------------------------------------


def _component_roots(n_nodes: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Root of each node's component (its smallest node); u, v share one int dtype."""
    parent = np.arange(n_nodes, dtype=u.dtype)
    grand = np.empty_like(parent)
    while u.size:
        # Hook each edge's larger root onto its smaller one: parents only ever
        # point down, so no cycles, and the smallest node stays the root.
        np.minimum.at(parent, np.maximum(u, v), np.minimum(u, v))
        while True:  # pointer jumping: O(log depth) whole-array passes
            np.take(parent, parent, out=grand)
            if np.array_equal(grand, parent):
                break
            parent, grand = grand, parent
        u, v = np.take(parent, u), np.take(parent, v)
        keep = u != v
        u, v = u[keep], v[keep]
        if u.size and u.size < n_nodes // 4:
            # Few edges left: solve the small graph of the roots they join,
            # renumbered in order (which keeps "smallest is root"), then map back.
            present = np.zeros(n_nodes, dtype=bool)
            present[u] = True
            present[v] = True
            ids = np.flatnonzero(present).astype(u.dtype)
            renumber = np.cumsum(present, dtype=u.dtype)
            renumber -= 1
            sub_roots = _component_roots(ids.size, renumber[u], renumber[v])
            root_of = parent.copy()
            root_of[ids] = ids[sub_roots]
            return np.take(root_of, parent)
    return parent


def connected_components(n_nodes: int, u, v) -> np.ndarray:
    """Label the connected components of an undirected graph, vectorized.

    Parameters
    ----------
    n_nodes : int
        Nodes are ``0 .. n_nodes - 1``.
    u, v : (n_edges,) arrays of int
        Edge endpoints.

    Returns
    -------
    (n_nodes,) ndarray of int32 (int64 past 2**31 - 1 nodes)
        For each node, the smallest node index in its component.

    Notes
    -----
    Hook and contract: each round hooks every edge's larger root onto its
    smaller one (``np.minimum.at``), compresses paths by pointer jumping,
    rewrites the edges between roots and drops those inside a component;
    once few edges are left the rest is solved on a renumbered small graph.
    Every root that keeps an edge is hooked or hooked onto, so the roots with
    edges at least halve per round: O(log n) rounds of shrinking size. A long
    chain (one connected strip) costs O(n log n) in its pointer jumping, about
    twice a mesh of many small islands, never a pass per face.
    """
    dtype = np.int32 if n_nodes < 2**31 else np.int64
    u = np.asarray(u).ravel()
    v = np.asarray(v).ravel()
    if u.shape != v.shape:
        raise ValueError(f"u and v must have the same shape, got {u.shape} and {v.shape}")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n_nodes):
        raise ValueError(f"edge endpoints must lie in 0..{n_nodes - 1}")
    u, v = u.astype(dtype), v.astype(dtype)
    keep = u != v
    return _component_roots(int(n_nodes), u[keep], v[keep])


def face_components(loop_start, loop_total, corner_keys, n_keys: int):
    """Label faces joined through corners that share a key.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
    corner_keys : (n_loops,) array of int
        A key per corner in ``0 .. n_keys - 1``: its vertex for mesh islands,
        its vertex-and-UV id for UV islands.
    n_keys : int

    Returns
    -------
    labels : (n_faces,) ndarray of int64
        Component of each face, numbered 0, 1, ... in order of each
        component's first face.
    n_components : int

    Notes
    -----
    Every face at a key is joined to the first face at that key (one
    ``np.minimum.at`` over the corners), then ``_join_faces`` labels the
    faces: a graph on faces, not on keys.
    """
    labels, n_components, _ = _components(loop_start, loop_total, corner_keys, n_keys)
    return labels, n_components


def _components(
    loop_start, loop_total, corner_keys, n_keys: int, key_labels: bool = False
) -> tuple[np.ndarray, int, np.ndarray | None]:
    """``face_components``, and with ``key_labels`` the component of each key.

    The third result is (n_keys,) int64, -1 for a key in no face, or None
    without ``key_labels``.
    """
    layout = _FaceLayout.of(loop_start, loop_total)
    keys: np.ndarray = _as_index_array(corner_keys, "corner_keys").astype(layout.dtype, copy=False)
    if keys.size and (keys.min() < 0 or keys.max() >= n_keys):
        raise ValueError(f"corner_keys must lie in 0..{n_keys - 1}")
    if layout.n_faces == 0:
        return np.zeros(0, dtype=np.int64), 0, np.full(n_keys, -1, dtype=np.int64) if key_labels else None
    face_of_corner = layout.face_of_corner(keys.shape[0])
    first_face: np.ndarray = np.full(n_keys, layout.n_faces, dtype=layout.dtype)
    np.minimum.at(first_face, keys, face_of_corner)
    labels, n_components = _join_faces(layout, face_of_corner, np.take(first_face, keys))
    if not key_labels:
        return labels, n_components, None
    # A key's component is its first face's; a key in no face keeps the n_faces sentinel: -1.
    return labels, n_components, np.append(labels, -1)[first_face]


class _FaceLayout(NamedTuple):
    """Checked face ranges, and whether all faces have one size and come in corner order."""

    loop_start: np.ndarray
    loop_total: np.ndarray
    n_faces: int
    size: int  # corners of every face when uniform, else 0
    ordered: bool  # faces in increasing corner order
    dtype: type

    @classmethod
    def of(cls, loop_start, loop_total) -> _FaceLayout:
        loop_start = _as_index_array(loop_start, "loop_start")
        loop_total = _as_index_array(loop_total, "loop_total")
        n_faces = loop_start.shape[0]
        used = loop_total > 0
        if not used.all():
            raise ValueError(f"face {int(np.flatnonzero(~used)[0])} has no corners")
        n_loops = int(loop_total.sum(dtype=np.int64))
        dtype = np.int32 if max(n_loops, n_faces) < 2**31 else np.int64
        size = int(loop_total[0]) if n_faces else 0
        if size * n_faces != n_loops or not np.array_equal(loop_start, np.arange(0, n_loops, max(size, 1))):
            size = 0
        ordered = bool(size) or bool(np.all(loop_start[1:] > loop_start[:-1]))
        return cls(loop_start, loop_total, n_faces, size, ordered, dtype)

    def face_of_corner(self, n_loops: int) -> np.ndarray:
        """(n_loops,) the face owning each corner; checks that the faces partition the corners."""
        face_ids: np.ndarray = np.arange(self.n_faces, dtype=self.dtype)
        if self.size:
            if self.size * self.n_faces != n_loops:
                raise ValueError(f"expected {self.size * self.n_faces} corners, got {n_loops}")
            return np.repeat(face_ids, self.size)
        return loop_colors(self.loop_start, self.loop_total, face_ids[:, None], n_loops)[:, 0]


def _join_faces(layout: _FaceLayout, face_of_corner: np.ndarray, joined_face: np.ndarray):
    """Label the faces joined by ``face_of_corner[c] -- joined_face[c]`` for every corner ``c``.

    ``joined_face[c]`` must be no larger than any face at the corner's key
    (the first face there), so hooking each face onto the smallest face its
    corners join never points up: the forest's roots are the components'
    smallest faces. Pointer jumping flattens it; joins still between two
    roots afterwards (rare: faces listed out of order) are solved on the
    small graph of those roots. Labels number the components by first face.
    """
    n_faces, size, dtype = layout.n_faces, layout.size, layout.dtype
    face_ids: np.ndarray = np.arange(n_faces, dtype=dtype)
    if size:
        columns = joined_face.reshape(n_faces, size)
        parent = columns[:, 0].copy()
        for column in range(1, size):
            np.minimum(parent, columns[:, column], out=parent)
    elif layout.ordered:
        parent = np.minimum.reduceat(joined_face, layout.loop_start)
    else:
        parent = face_ids.copy()
        np.minimum.at(parent, face_of_corner, joined_face)
    _shortcut_runs(parent, face_ids)
    roots = _jump_to_roots(parent)
    if not roots.any():
        # Every face hangs from face 0: one component, no join left between roots (a grid, a single
        # island), so the gather and check over the corners below can be skipped.
        return np.zeros(n_faces, dtype=np.int64), 1
    root_of_joined = np.take(roots, joined_face)
    if size:
        left = root_of_joined.reshape(n_faces, size) != roots[:, None]
    else:
        # Faces in corner order: each face's root repeated over its corners, cheaper than a gather.
        if layout.ordered:
            root_of_face = np.repeat(roots, layout.loop_total)
        else:
            root_of_face = np.take(roots, face_of_corner)
        left = root_of_joined != root_of_face
    if left.any():
        left = left.ravel()
        u, v = np.take(roots, face_of_corner[left]), root_of_joined[left]
        present = np.zeros(n_faces, dtype=bool)
        present[u] = True
        present[v] = True
        ids: np.ndarray = np.flatnonzero(present).astype(dtype)
        renumber: np.ndarray = np.cumsum(present, dtype=dtype)
        renumber -= 1
        sub_roots = _component_roots(ids.size, renumber[u], renumber[v])
        root_of = face_ids.copy()
        root_of[ids] = ids[sub_roots]
        roots = np.take(root_of, roots)
    # Each root is its component's smallest face: number the roots in order.
    label_of_root = np.cumsum(roots == face_ids, dtype=np.int64)
    label_of_root -= 1
    return np.take(label_of_root, roots), int(label_of_root[-1]) + 1


def _shortcut_runs(parent: np.ndarray, face_ids: np.ndarray) -> None:
    """Point every face of a run (faces each hooked onto the one before) at the run's first face.

    A strip of faces in order hooks into one chain as long as the strip,
    which pointer jumping needs log2(length) passes to flatten; one running
    maximum finds each run's first face instead. Changes nothing where
    fewer than a quarter of the faces hook onto the one before (a grid hooks
    diagonally: there its chains, a row and a column long, are left to the
    jumping, since a shortcut along them measured no faster).
    """
    follows = parent[1:] == face_ids[:-1]
    if np.count_nonzero(follows) * 4 < follows.size:
        return
    run_first = np.where(follows, 0, face_ids[1:])
    np.maximum.accumulate(run_first, out=run_first)
    # A face inside a run points at the run's first face: still no larger than itself.
    np.copyto(parent[1:], run_first, where=follows)


_JUMP_BLOCK = 1 << 13  # faces per block of ``_jump_to_roots``: a block's arrays stay in the CPU cache


def _jump_to_roots(parent: np.ndarray) -> np.ndarray:
    """Point every face of the forest ``parent`` at its root, in place.

    Pointer jumping block by block, in face order. Hooks never point up
    (``parent[f] <= f``): when a block starts, every face before it already
    points at its root, so a pointer out of the block reaches a root in one
    step and only chains inside the block need jumping (a grid's or mixed
    mesh's hooks run a row down: a block of 8192 faces holds a few rows, the
    mesh hundreds). A block is done when all its faces point at roots.
    Any forest comes out right; hooks pointing up only cost more passes.
    """
    block = _JUMP_BLOCK
    grand = np.empty(min(block, parent.shape[0]), dtype=parent.dtype)
    for start in range(0, parent.shape[0], block):  # a loop over blocks of faces, not over faces
        part = parent[start:start + block]
        step = grand[:part.shape[0]]
        while True:
            np.take(parent, part, out=step)
            if np.array_equal(step, part):  # every face of the block points at a root
                break
            part[...] = step
    return parent


def value_labels(values) -> tuple[np.ndarray, int]:
    """Number the distinct values 0, 1, ... in increasing order: ``np.unique``'s inverse.

    Parameters
    ----------
    values : (n,) array of int

    Returns
    -------
    labels : (n,) ndarray of int64
        The rank of each value among the distinct values.
    n_labels : int

    Notes
    -----
    Sorting-free when the values span at most four times their count (face
    sets, material slots): mark the values present, count them with one
    cumulative sum, gather. O(n + span); other inputs go to ``np.unique``.
    """
    values = _as_index_array(values, "values")
    if values.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    low, high = int(values.min()), int(values.max())
    if high - low > 4 * values.size:
        _, inverse = np.unique(values, return_inverse=True)
        inverse = inverse.ravel()
        return inverse, int(inverse.max()) + 1
    offsets = values - values.dtype.type(low) if low else values
    present = np.zeros(high - low + 1, dtype=bool)
    present[offsets] = True
    rank = np.cumsum(present, dtype=np.int64)
    rank -= 1
    return np.take(rank, offsets), int(rank[-1]) + 1


def face_islands(loop_start, loop_total, corner_verts, n_verts: int | None = None):
    """Label faces connected through shared vertices.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
    corner_verts : (n_loops,) array of int
        The vertex of each corner.
    n_verts : int, optional
        Defaults to ``corner_verts.max() + 1``.

    Returns
    -------
    labels : (n_faces,) ndarray of int64
        Island of each face, numbered 0, 1, ... in order of each island's
        first face.
    n_islands : int

    Notes
    -----
    ``face_components`` over vertices: O(n_loops log n_verts) at worst (one
    long strip), no Python loop over faces or islands.
    """
    corner_verts = _as_index_array(corner_verts, "corner_verts")
    if n_verts is None:
        n_verts = int(corner_verts.max()) + 1 if corner_verts.size else 0
    return face_components(loop_start, loop_total, corner_verts, n_verts)


def vertex_islands(loop_start, loop_total, corner_verts, n_verts: int) -> tuple[np.ndarray, int]:
    """The island of each vertex, numbered as ``face_islands`` numbers the islands of its faces.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
    corner_verts : (n_loops,) array of int
        The vertex of each corner, in ``0 .. n_verts - 1``.
    n_verts : int

    Returns
    -------
    labels : (n_verts,) ndarray of int64
        Island of each vertex; -1 for a vertex in no face (a loose vertex
        belongs to no island).
    n_islands : int

    Notes
    -----
    The same grouping as ``face_islands``, read per vertex: each vertex
    takes the island of the first face at it, one gather over the vertices.
    """
    corner_verts = _as_index_array(corner_verts, "corner_verts")
    _, n_islands, labels = _components(loop_start, loop_total, corner_verts, n_verts, key_labels=True)
    assert labels is not None
    return labels, n_islands


def uv_vertex_ids(corner_verts, corner_uvs) -> tuple[np.ndarray, int]:
    """Give corners that share a vertex and a UV one id.

    Parameters
    ----------
    corner_verts : (n_loops,) array of int
    corner_uvs : (n_loops, 2) array of float
        Compared exactly, as float32 (as Blender stores them).

    Returns
    -------
    ids : (n_loops,) ndarray of int32 (int64 past 2**31 - 1 corners)
        One id per distinct (vertex, UV), numbered 0, 1, ... in order of
        the first corner that has it.
    n_ids : int
    """
    first_corner = _first_corner_with_same_uv(corner_verts, corner_uvs)
    n_loops = first_corner.shape[0]
    # Renumber the representatives 0, 1, ...: a compact key space.
    is_first = first_corner == np.arange(n_loops, dtype=first_corner.dtype)
    renumber: np.ndarray = np.cumsum(is_first, dtype=first_corner.dtype)
    renumber -= 1
    return renumber[first_corner], int(renumber[-1]) + 1 if n_loops else 0


def _first_corner_with_same_uv(corner_verts, corner_uvs) -> np.ndarray:
    """(n_loops,) int: the smallest corner with the same vertex and the same UV as each corner.

    No sort: each pass takes, per vertex, the first corner not yet matched
    and matches every pending corner of that vertex with the same UV. The
    number of passes is the largest number of distinct UVs at one vertex
    (1 inside an island, a few on seams); each pass only sees the corners
    still pending.
    """
    corner_verts = _as_index_array(corner_verts, "corner_verts")
    n_loops = corner_verts.shape[0]
    corner_uvs = np.asarray(corner_uvs)
    if corner_uvs.shape != (n_loops, 2):
        raise ValueError(f"corner_uvs must have shape ({n_loops}, 2), got {corner_uvs.shape}")
    dtype = np.int32 if n_loops < 2**31 else np.int64
    corner_verts = corner_verts.astype(dtype, copy=False)
    # One 64-bit key per UV pair; adding 0.0 folds -0.0 into 0.0.
    uv_keys = (np.ascontiguousarray(corner_uvs, dtype=np.float32) + np.float32(0.0)).view(np.uint64)[:, 0]
    n_verts = int(corner_verts.max()) + 1 if n_loops else 0
    first_pending = np.full(n_verts, n_loops, dtype=dtype)
    # First pass over every corner, without index arrays: most corners match here.
    np.minimum.at(first_pending, corner_verts, np.arange(n_loops, dtype=dtype))
    first_corner = np.take(first_pending, corner_verts)
    unmatched = uv_keys != np.take(uv_keys, first_corner)
    pending = np.flatnonzero(unmatched).astype(dtype)
    if not pending.size:
        return first_corner
    first_pending[corner_verts] = n_loops
    verts, keys = corner_verts[pending], uv_keys[pending]
    while pending.size:
        np.minimum.at(first_pending, verts, pending)
        representative = first_pending[verts]
        first_pending[verts] = n_loops  # reset only what this pass touched
        match = keys == uv_keys[representative]
        first_corner[pending[match]] = representative[match]
        unmatched = ~match
        pending, verts, keys = pending[unmatched], verts[unmatched], keys[unmatched]
    return first_corner


def uv_islands(loop_start, loop_total, corner_verts, corner_uvs):
    """Label faces connected through corners that share a vertex and a UV.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
    corner_verts : (n_loops,) array of int
    corner_uvs : (n_loops, 2) array of float
        The UV of each corner (one UV map).

    Returns
    -------
    labels : (n_faces,) ndarray of int64
        UV island of each face, numbered in order of first face.
    n_islands : int

    Notes
    -----
    Two faces touching at a vertex belong to one island only where their
    corners there carry the same UV, so a seam splits islands. Each corner
    joins its face to the face of the first corner with its vertex and UV
    (``_first_corner_with_same_uv``), then ``_join_faces`` labels the faces.
    """
    layout = _FaceLayout.of(loop_start, loop_total)
    first_corner = _first_corner_with_same_uv(corner_verts, corner_uvs)
    if layout.n_faces == 0:
        return np.zeros(0, dtype=np.int64), 0
    face_of_corner = layout.face_of_corner(first_corner.shape[0])
    return _join_faces(layout, face_of_corner, np.take(face_of_corner, first_corner))


# --------------------------------------------------------------------------
# Colour modes
# --------------------------------------------------------------------------

def hsv_to_rgb(hsv):
    """HSV to RGB, elementwise over the last axis (all in [0, 1]).

    Parameters
    ----------
    hsv : (..., 3) array of float

    Returns
    -------
    (..., 3) ndarray of float64 (float32 for float32 input)
    """
    hsv = np.asarray(hsv)
    if hsv.dtype != np.float32:
        hsv = hsv.astype(np.float64)
    if hsv.shape[-1:] != (3,):
        raise ValueError(f"hsv must have shape (..., 3), got {hsv.shape}")
    h, s, v = hsv[..., :1], hsv[..., 1:2], hsv[..., 2:3]
    # Channel n of (r, g, b) = (5, 3, 1) is v - v s clip(min(k, 4 - k), 0, 1)
    # with k = (n + 6 h) mod 6: three cheap passes instead of six masks.
    k = (np.array([5.0, 3.0, 1.0], dtype=hsv.dtype) + 6 * (h % 1)) % 6
    return v - v * s * np.clip(np.minimum(k, 4 - k), 0, 1)


def rgb_to_hsv(rgb):
    """RGB to HSV, elementwise over the last axis (all in [0, 1]); the inverse of ``hsv_to_rgb``.

    Parameters
    ----------
    rgb : (..., 3) array of float

    Returns
    -------
    (..., 3) ndarray of float64
        Hue in [0, 1) (0 for grays), saturation 0 for black, as ``colorsys``.
    """
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.shape[-1:] != (3,):
        raise ValueError(f"rgb must have shape (..., 3), got {rgb.shape}")
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    value = rgb.max(axis=-1)
    spread = value - rgb.min(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        saturation = np.where(value > 0, spread / value, 0.0)
        safe = np.where(spread > 0, spread, 1.0)
        hue = np.where(
            value == r, (g - b) / safe, np.where(value == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe)
        )
    hue = np.where(spread > 0, (hue / 6.0) % 1.0, 0.0)
    return np.stack([hue, saturation, value], axis=-1)


def _to_u16(unit) -> np.ndarray:
    return np.rint(np.clip(unit, 0, 1) * np.float32(_U16_MAX)).astype(np.uint16)


_HSV_CHUNK = 1 << 15  # groups per block: the float32 temporaries stay in the CPU cache


@functools.lru_cache(maxsize=4)
def _hue_factors(h0: float, h1: float) -> np.ndarray:
    """(3, 65536) float32: ``clip(min(k, 4 - k), 0, 1)`` of each channel for each 16-bit hue draw.

    One contiguous row per channel, so each channel is shaped with 1-D passes.
    Kept for the last few hue ranges: building it costs more than coloring a small mesh.
    """
    span = h1 - h0 if h1 >= h0 else h1 + 1.0 - h0
    hue = (h0 + np.arange(_U16_MAX + 1) / _U16_MAX * span) % 1.0
    k = (np.array([5.0, 3.0, 1.0])[:, None] + 6 * hue[None, :]) % 6
    factor = np.ascontiguousarray(np.clip(np.minimum(k, 4 - k), 0, 1), dtype=np.float32)
    factor.flags.writeable = False  # shared by every call with this range
    return factor


def _hsv_draws_to_rgb16(draws16: np.ndarray, out: np.ndarray, hue_range, saturation_range, value_range):
    """Write into ``out[:, :3]`` the sRGB16 colors of draws mapped uniformly into the HSV ranges.

    The hue depends on the 16-bit hue draw alone, so ``hsv_to_rgb``'s
    per-channel factor ``clip(min(k, 4 - k), 0, 1)`` is a 65536-row table:
    per group this leaves one gather and ``v - v s factor``, in float32,
    block by block, with no float64 temporary. Channel by channel: numpy's
    passes over an (n, 3) block with a broadcast (n, 1) operand run an inner
    loop of 3 elements, several times slower than the same work as 1-D passes.
    """
    h0, h1 = _check_range("hue_range", hue_range)
    s0, s1 = sorted(_check_range("saturation_range", saturation_range))
    v0, v1 = sorted(_check_range("value_range", value_range))
    factor = _hue_factors(h0, h1)
    # Saturation and value of each 16-bit draw, tables too; value scaled to 0..65535.
    steps = np.arange(_U16_MAX + 1) / _U16_MAX
    saturation_table = (s0 + steps * (s1 - s0)).astype(np.float32)
    value_table = ((v0 + steps * (v1 - v0)) * _U16_MAX).astype(np.float32)
    n = draws16.shape[0]
    block = max(min(_HSV_CHUNK, n), 1)
    saturation_buffer = np.empty(block, dtype=np.float32)
    value_buffer = np.empty(block, dtype=np.float32)
    channel_buffer = np.empty(block, dtype=np.float32)
    for start in range(0, n, block):  # a loop over blocks of groups, not over groups
        stop = min(start + block, n)
        draws = draws16[start:stop]
        size = stop - start
        saturation, value, channel = saturation_buffer[:size], value_buffer[:size], channel_buffer[:size]
        # mode="clip": the draws index the tables in range, and "raise" would buffer ``out``.
        np.take(saturation_table, draws[:, 1], out=saturation, mode="clip")
        np.take(value_table, draws[:, 2], out=value, mode="clip")
        saturation *= value  # v s
        value += np.float32(0.5)  # rounds to nearest in the truncating cast below
        hue = draws[:, 0]
        for column in range(3):
            np.take(factor[column], hue, out=channel, mode="clip")
            channel *= saturation
            np.subtract(value, channel, out=channel)
            out[start:stop, column] = channel  # in 0.5..65535.5: v s factor <= v


def _check_range(name: str, value_range) -> tuple[float, float]:
    low, high = (float(x) for x in value_range)
    if not (0.0 <= low <= 1.0 and 0.0 <= high <= 1.0):
        raise ValueError(f"{name} must lie in [0, 1], got ({low}, {high})")
    return low, high


_ALL_SRGB8 = 1 << 24  # how many 8-bit sRGB colors there are


@functools.lru_cache(maxsize=1)
def _distinct_table() -> np.ndarray:
    """The shipped DISTINCT sequence (distinct_table.py), (t, 3) uint8 sRGB codes, read once."""
    table = np.frombuffer(bytes.fromhex("".join(distinct_table.SRGB8_HEX)), dtype=np.uint8).reshape(-1, 3)
    table.flags.writeable = False
    return table


def _codes24(srgb8) -> np.ndarray:
    """Each (r, g, b) 8-bit color as one int64 ``r << 16 | g << 8 | b``."""
    srgb8 = np.asarray(srgb8).astype(np.int64)
    return srgb8[:, 0] << 16 | srgb8[:, 1] << 8 | srgb8[:, 2]


def _beyond_table(count: int, table: np.ndarray) -> np.ndarray:
    """``count`` more 8-bit colors after ``table``: none of them in it, none twice, while 8-bit sRGB has room.

    They are points of the smallest k x k x k lattice of 8-bit levels that
    holds enough colors the table has not taken, in lattice order; where it
    holds more, evenly spaced ones, so the ones left out are spread over the
    cube. Past all 2**24 colors, the whole sequence (table first) repeats.

    Returns
    -------
    (count, 3) ndarray of uint8
    """
    taken = _codes24(table)
    is_taken = np.zeros(_ALL_SRGB8, dtype=bool)  # a lookup: much faster than np.isin on millions
    is_taken[taken] = True
    k = min(256, max(2, int(np.ceil((count + len(table)) ** (1 / 3)))))
    while True:
        levels = np.rint(np.arange(k) * (255 / (k - 1))).astype(np.int32)
        codes = (levels[:, None, None] << 16 | levels[None, :, None] << 8 | levels[None, None, :]).ravel()
        codes = codes[~is_taken[codes]]
        if len(codes) >= count or k == 256:
            break
        k += 1
    if len(codes) > count:
        codes = codes[np.arange(count, dtype=np.int64) * len(codes) // count]
    elif len(codes) < count:  # every 8-bit color used: start again from the table's first
        codes = np.resize(np.concatenate([taken, codes]), len(table) + count)[len(table):]
    return np.stack([codes >> 16, codes >> 8 & 255, codes & 255], axis=1).astype(np.uint8)


def _distinct8(n: int, rng: np.random.Generator | None) -> np.ndarray:
    """``distinct_colors`` as (n, 3) uint8 sRGB codes."""
    table = _distinct_table()
    colors = table[:n] if n <= len(table) else np.concatenate([table, _beyond_table(n - len(table), table)])
    return colors if rng is None else colors[rng.permutation(n)]


def distinct_colors(n: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """The first ``n`` colors of the DISTINCT sequence: as far apart as the eye can tell.

    The sequence (``distinct_table.py``, made by ``tools/distinct_table.py``) is
    greedy maximin in CIEDE2000 over 8-bit sRGB colors, from yellow: each color
    is the one farthest from all before it, so every prefix is as distinct as
    that choice makes it and ``n`` groups take the best ``n`` colors. Every
    color is an exact 8-bit sRGB code, so byte attributes and 8-bit files keep
    them apart. Past the table, more 8-bit colors follow from a lattice
    (``_beyond_table``), never one already used while 8-bit sRGB has room.

    Parameters
    ----------
    n : int
    rng : numpy.random.Generator, optional
        Shuffles which row gets which of the ``n`` colors (the set does not
        change); without it, sequence order.

    Returns
    -------
    (n, 3) ndarray of float64 in [0, 1]
        sRGB, multiples of 1/255.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return _distinct8(n, rng) / 255.0


def shape_colors(
    draws16,
    color_mode: str = "RGB",
    hue_range=(0.0, 1.0),
    saturation_range=(0.0, 1.0),
    value_range=(0.0, 1.0),
) -> np.ndarray:
    """Turn uniform draws into colours of the chosen mode.

    The same draws serve every mode (drawn once whatever the options), so a
    group keeps its random stream when the mode or its ranges change.

    Parameters
    ----------
    draws16 : (n, 4) ndarray of uint16
        Uniform draws, e.g. from ``random_srgb16``; column 3 is alpha.
    color_mode : {'RGB', 'HSV', 'GRAYSCALE', 'DISTINCT'}
        RGB uses the draws as they are. HSV maps them uniformly into the
        ranges (a hue range with min > max wraps through red). GRAYSCALE
        sets r = g = b. DISTINCT gives the first n colors of ``distinct_colors``,
        which group gets which picked by the draws. PALETTE is ``palette_colors``'s.
    hue_range, saturation_range, value_range : (min, max) in [0, 1]

    Returns
    -------
    (n, 4) ndarray of uint16
        sRGB colours, alpha from the draws.
    """
    draws16 = _check_rgba16(draws16)
    if color_mode == "RGB":
        return draws16
    out = draws16.copy()
    if color_mode == "HSV":
        _hsv_draws_to_rgb16(draws16, out, hue_range, saturation_range, value_range)
    elif color_mode == "GRAYSCALE":
        out[:, 1] = out[:, 0]
        out[:, 2] = out[:, 0]
    elif color_mode == "DISTINCT":
        # The first n colors of the sequence; which group gets which follows the draws.
        order_rng = np.random.default_rng(draws16[:8, :3].astype(np.uint32).ravel())
        out[:, :3] = _distinct8(draws16.shape[0], order_rng).astype(np.uint16) * 257
    else:
        raise ValueError(f"color_mode must be one of {COLOR_MODES[:2] + COLOR_MODES[3:]}, got {color_mode!r}")
    return out


def palette_colors(draws16, palette) -> np.ndarray:
    """Pick palette colours for ``n`` groups, using every colour when ``n >= len(palette)``.

    Parameters
    ----------
    draws16 : (n, 4) ndarray of uint16
        Uniform draws; column 0 orders the groups, column 3 is alpha.
    palette : (p, 3) or (p, 4) array of float
        Colours as stored (any space: they are returned unconverted).

    Returns
    -------
    (n, 4) ndarray of float32
        Palette RGB exactly as given; alpha from the palette's fourth column
        if any, else 1.
    """
    draws16 = _check_rgba16(draws16)
    palette = np.asarray(palette, dtype=np.float32)
    if palette.ndim != 2 or palette.shape[1] not in (3, 4):
        raise ValueError(f"palette must have shape (p, 3) or (p, 4), got {palette.shape}")
    if palette.shape[0] == 0:
        raise ValueError("palette has no colours")
    n = draws16.shape[0]
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(draws16[:, 0], kind="stable")] = np.arange(n)
    # Deal colours round robin over a random order of the groups: each colour
    # is used floor(n / p) or ceil(n / p) times.
    rows = palette[rank % palette.shape[0]]
    out = np.ones((n, 4), dtype=np.float32)
    out[:, : palette.shape[1]] = rows
    return out


# --------------------------------------------------------------------------
# Finished colors: draws shaped by the settings, in the target's space
# --------------------------------------------------------------------------


class Palette(NamedTuple):
    """Palette colors as stored: ``rgb`` (p, 3) float32, scene linear when ``linear`` else sRGB."""

    rgb: np.ndarray
    linear: bool


class GroupColors(NamedTuple):
    """Colors for groups before they meet an attribute.

    ``values`` is (n, 4): uint16 sRGB, or float32 palette colors (RGB in the
    palette's space, alpha linear) when ``palette_linear`` is not None.
    Kept in this form so colors shared by several meshes are shaped once and
    converted for each mesh's attribute.
    """

    values: np.ndarray
    palette_linear: bool | None = None

    def take(self, rows) -> GroupColors:
        """The colors of groups ``rows``, in the same form."""
        return GroupColors(self.values[rows], self.palette_linear)

    def in_space(self, srgb_target: bool, out: np.ndarray | None = None) -> np.ndarray:
        """(n, 4) float32 in the target's space: sRGB when ``srgb_target``, else scene linear.

        Palette colors already in the target's space are returned exactly as stored.
        ``out``, (n, 4) float32, receives the result in place of a new array.
        """
        if self.palette_linear is None:
            convert16 = srgb16_to_float if srgb_target else srgb16_to_linear
            return convert16(self.values, out)
        if self.palette_linear == (not srgb_target):
            converted = self.values
        else:
            converted = self.values.copy()
            convert = linear_to_srgb if srgb_target else srgb_to_linear
            converted[:, :3] = convert(self.values[:, :3])
        if out is None:
            return converted
        out[...] = converted
        return out


def shape_group_colors(draws16, settings: ColorSettings, palette: Palette | None = None) -> GroupColors:
    """Shape uniform draws into the settings' color mode.

    Parameters
    ----------
    draws16 : (n, 4) ndarray of uint16
        Uniform draws, as from ``random_srgb16`` (alpha opaque unless
        ``settings.random_alpha``).
    settings : ColorSettings
        ``color_mode`` and its ranges.
    palette : Palette, optional
        Required for color mode PALETTE. Random alpha there comes from the draws.

    Returns
    -------
    GroupColors
    """
    draws16 = _check_rgba16(draws16)
    if settings.color_mode == "PALETTE":
        if palette is None:
            raise ValueError("color mode PALETTE needs a palette")
        values = palette_colors(draws16, palette.rgb)
        if settings.random_alpha:
            values[:, 3] = draws16[:, 3] / np.float32(_U16_MAX)
        return GroupColors(values, palette.linear)
    shaped = shape_colors(
        draws16, settings.color_mode, settings.hue_range, settings.saturation_range, settings.value_range
    )
    return GroupColors(shaped)


def group_colors(
    rng: np.random.Generator, n_groups: int, settings: ColorSettings, palette: Palette | None
) -> GroupColors:
    """Finished colors for ``n_groups`` groups: drawn and shaped in one call.

    Every group gets a draw whatever the options (alpha included), so a
    group's color does not move when an option or the selection changes.
    ``GroupColors.in_space`` then gives them in the space they are used in.
    """
    draws = random_srgb16(rng, n_groups, settings.random_alpha)
    return shape_group_colors(draws, settings, palette)


# --------------------------------------------------------------------------
# Colors already there: group means, jitter, blending
# --------------------------------------------------------------------------


def group_means(labels, values, n_groups: int, weights=None) -> np.ndarray:
    """The (weighted) mean of ``values`` over each group.

    Parameters
    ----------
    labels : (n,) array of int
        Group of each row, in ``0 .. n_groups - 1``.
    values : (n, C) array of float
    n_groups : int
    weights : (n,) array of float, optional
        A row's weight, e.g. its face's corner count when the rows are faces
        standing for their corners. Default: 1 each.

    Returns
    -------
    (n_groups, C) ndarray of float64
        A group with no rows (or no weight) gets 0.

    Notes
    -----
    One ``np.bincount`` per column: O(n * C), no loop over groups.
    """
    labels = _as_index_array(labels, "labels")
    values = np.asarray(values)
    if values.ndim != 2 or values.shape[0] != labels.shape[0]:
        raise ValueError(f"values must have shape ({labels.shape[0]}, C), got {values.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_groups):
        raise ValueError(f"labels must lie in 0..{n_groups - 1}")
    if weights is None:
        totals: np.ndarray = np.bincount(labels, minlength=n_groups).astype(np.float64)
        sums = [np.bincount(labels, values[:, c], minlength=n_groups) for c in range(values.shape[1])]
    else:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != labels.shape:
            raise ValueError(f"weights must have shape {labels.shape}, got {weights.shape}")
        totals = np.bincount(labels, weights, minlength=n_groups)
        sums = [
            np.bincount(labels, values[:, c] * weights, minlength=n_groups) for c in range(values.shape[1])
        ]
    means = np.stack(sums, axis=1) if sums else np.zeros((n_groups, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals[:, None] > 0, means / np.where(totals > 0, totals, 1.0)[:, None], 0.0)


def jitter_srgb(srgb, draws16, half_widths) -> np.ndarray:
    """Shift colors by random amounts in hue, saturation and value.

    Parameters
    ----------
    srgb : (n, 3) array of float
        The colors to shift, sRGB in [0, 1].
    draws16 : (n, 4) ndarray of uint16
        Uniform draws (``random_srgb16``): columns 0, 1, 2 give each color's
        hue, saturation and value shift, 0 standing for ``-half_width`` and
        65535 for ``+half_width``; column 3 is not used.
    half_widths : (3,) floats in [0, 1]
        The largest shift either way of hue, saturation and value.

    Returns
    -------
    (n, 3) ndarray of float64
        sRGB in [0, 1]. Hue wraps around the circle; saturation and value are
        clamped to [0, 1].
    """
    srgb = np.asarray(srgb, dtype=np.float64)
    if srgb.ndim != 2 or srgb.shape[1] != 3:
        raise ValueError(f"srgb must have shape (n, 3), got {srgb.shape}")
    draws16 = _check_rgba16(draws16)
    if draws16.shape[0] != srgb.shape[0]:
        raise ValueError(f"draws16 has {draws16.shape[0]} rows for {srgb.shape[0]} colors")
    half = np.asarray(half_widths, dtype=np.float64)
    if half.shape != (3,) or not np.all((half >= 0) & (half <= 1)):
        raise ValueError(f"half_widths must be three numbers in [0, 1], got {half_widths!r}")
    shifts = (draws16[:, :3] / _U16_MAX * 2.0 - 1.0) * half
    hsv = rgb_to_hsv(np.clip(srgb, 0.0, 1.0)) + shifts
    hsv[:, 0] %= 1.0
    np.clip(hsv[:, 1:], 0.0, 1.0, out=hsv[:, 1:])
    return hsv_to_rgb(hsv)


def jitter_group_colors(mean_srgb, draws16, half_widths) -> np.ndarray:
    """JITTER's group colors: each group's mean color shifted, as 16-bit sRGB like every drawn color.

    Parameters
    ----------
    mean_srgb : (n, 3) or (n, 4) array of float
        Each group's mean color in sRGB (alpha, if given, is ignored).
    draws16 : (n, 4) ndarray of uint16
        The groups' draws from JITTER's own stream.
    half_widths : (3,) floats
        ``jitter_hue``, ``jitter_saturation``, ``jitter_value``.

    Returns
    -------
    (n, 4) ndarray of uint16
        Shifted RGB; alpha opaque (JITTER does not write alpha).
    """
    mean_srgb = np.asarray(mean_srgb)
    out = np.full((mean_srgb.shape[0], 4), _U16_MAX, dtype=np.uint16)
    out[:, :3] = _to_u16(jitter_srgb(mean_srgb[:, :3], draws16, half_widths))
    return out


def _at_least(values: np.ndarray, low: float) -> np.ndarray:
    """``np.maximum(values, low)`` for float32, as a new array.

    Against an array filled with ``low``, not the scalar: numpy (1.24 to 2.3)
    vectorizes a maximum of two arrays but not one with a broadcast scalar,
    and ``np.clip`` is as slow before numpy 2. Fill and maximum cost less
    than the maximum with the scalar alone.
    """
    out = np.empty(values.shape, dtype=np.float32)
    out.fill(np.float32(low))
    return np.maximum(values, out, out=out)


def _srgb_from(values: np.ndarray, linear: bool) -> np.ndarray:
    """RGBA float32 rows as sRGB (alpha as is): converted when ``linear``, else copied.

    ``linear_to_srgb`` in float32 over whole rows (alpha put back after):
    contiguous passes, faster than converting the strided RGB columns. The
    power is taken as ``exp(log(x) / 2.4)``, whose float32 passes numpy
    vectorizes where it does not ``np.power``'s; within 5e-7 of the float64
    function.
    """
    values = np.ascontiguousarray(values, dtype=np.float32)
    if not linear:
        return values.copy()
    clipped = _at_least(values, 0.0)
    out = _at_least(clipped, 0.0031308)  # the log's argument kept in range
    np.log(out, out=out)
    out *= np.float32(1 / 2.4)
    np.exp(out, out=out)
    out *= np.float32(1.055)
    out -= np.float32(0.055)
    np.multiply(clipped, np.float32(12.92), out=out, where=clipped <= np.float32(0.0031308))
    out[:, 3] = values[:, 3]
    return out


def _srgb_to(values: np.ndarray, linear: bool) -> np.ndarray:
    """The inverse of ``_srgb_from``: ``srgb_to_linear`` in float32 over whole rows, as exp(2.4 log(x))."""
    if not linear:
        return values
    out = _at_least(values, 0.04045)
    out += np.float32(0.055)
    out *= np.float32(1 / 1.055)
    np.log(out, out=out)
    out *= np.float32(2.4)
    np.exp(out, out=out)
    np.multiply(values, np.float32(1 / 12.92), out=out, where=values <= np.float32(0.04045))
    out[:, 3] = values[:, 3]
    return out


def _column_runs(written: np.ndarray) -> list[slice]:
    """The runs of equal flags in ``written`` (4 bools) that are True, as column slices."""
    runs = []
    column = 0
    while column < 4:
        end = column
        while end < 4 and written[end] == written[column]:
            end += 1
        if written[column]:
            runs.append(slice(column, end))
        column = end
    return runs


def _keep_columns(out: np.ndarray, current: np.ndarray, written: np.ndarray) -> np.ndarray:
    """Copy the unwritten columns of ``current`` into ``out``, a run of columns per slice."""
    for columns in _column_runs(~written):
        out[:, columns] = current[:, columns]  # a slice: faster than a masked copyto
    return out


def _check_blend(current, mix: float, written) -> tuple[np.ndarray, np.ndarray]:
    """``current`` as float32 and ``written`` as (4,) bool, after the checks both blends share."""
    current = np.asarray(current, dtype=np.float32)
    if current.ndim != 2 or current.shape[1] != 4:
        raise ValueError(f"current must have shape (n, 4), got {current.shape}")
    written = np.asarray(written, dtype=bool)
    if written.shape != (4,):
        raise ValueError(f"written must have shape (4,), got {written.shape}")
    if not 0.0 <= mix <= 1.0:
        raise ValueError(f"mix must lie in [0, 1], got {mix}")
    return current, written


def _blend_rows(
    current: np.ndarray,
    new: np.ndarray,
    mix: float,
    written: np.ndarray,
    linear: bool,
    new_srgb: bool = False,
) -> np.ndarray:
    """The blend of ``blend_colors`` for 0 < mix < 1, checks done: a new (n, 4) float32 array.

    ``new_srgb``: ``new`` is sRGB already (alpha linear), whatever the attribute's space.
    """
    out = _srgb_from(current, linear)
    # New colors already in sRGB are read as they are, not copied.
    step = np.subtract(new if new_srgb or not linear else _srgb_from(new, linear), out, dtype=np.float32)
    step *= np.float32(mix)
    out += step
    return _keep_columns(_srgb_to(out, linear), current, written)


def blend_colors(current, new, mix: float, written, linear: bool, reuse_new: bool = False) -> np.ndarray:
    """The colors there, blended toward new ones on the written channels.

    Parameters
    ----------
    current, new : (n, 4) arrays of float32
        The colors there and the new colors, both in the attribute's space:
        scene linear RGB when ``linear`` (FLOAT_COLOR), else sRGB; alpha linear.
    mix : float in [0, 1]
        0 keeps ``current``, 1 takes ``new``; between, the blend is linear in
        sRGB (the space colors are drawn and picked in).
    written : (4,) array of bool
        The channels that change (R, G, B, A); the others keep ``current``.
    linear : bool
    reuse_new : bool
        When True, ``new`` (C-contiguous float32) may be overwritten and returned:
        saves a copy when the caller no longer needs it.

    Returns
    -------
    (n, 4) ndarray of float32
        Bit for bit ``current`` on unwritten channels and wherever ``mix`` is
        0; bit for bit ``new`` on written channels when ``mix`` is 1.
    """
    current, written = _check_blend(current, mix, written)
    new = np.asarray(new, dtype=np.float32)
    if new.shape != current.shape:
        raise ValueError(f"current and new must have one shape (n, 4), got {current.shape} and {new.shape}")
    if mix == 0.0 or not written.any():
        return current.copy()
    if mix == 1.0:
        out = new if reuse_new and new.flags.c_contiguous else new.copy()
        return _keep_columns(out, current, written)
    return _blend_rows(current, new, mix, written, linear)


# Corners per block of ``blend_face_colors``: its temporaries stay small and
# mostly in cache, and the loop runs a few times per million corners.
_BLOCK_CORNERS = 1 << 17


def _face_blocks(loop_start: np.ndarray, n_loops: int) -> list[int]:
    """Face indices where blocks of about ``_BLOCK_CORNERS`` corners begin, then ``n_faces``."""
    firsts = np.searchsorted(loop_start, np.arange(0, n_loops, _BLOCK_CORNERS))
    return [int(first) for first in np.unique(np.append(firsts, loop_start.size))]


def _block_face_rows(corners: np.ndarray, local_start: np.ndarray, same_size: int) -> np.ndarray | None:
    """Each face's row when every corner of every face holds the same bits, else None.

    ``corners`` (n, 4) float32, C-contiguous; ``local_start``, the faces' first
    corners in it, in order; ``same_size``, the faces' common corner count, or
    0. Each corner is compared with the one before it as two 64-bit words, in
    one contiguous pass; the block is uniform when the only differences are
    between a face's first corner and the corner before it.
    """
    first_face = corners[:same_size or (int(local_start[1]) if local_start.size > 1 else len(corners))]
    if not bool((first_face.view(np.uint64) == first_face[:1].view(np.uint64)).all()):
        return None  # colors that differ at the corners show at once: no pass over the block
    words = corners.view(np.uint64).reshape(-1)
    differs = (words[2:] != words[:-2]).reshape(-1, 2)  # row i: corner i + 1 against corner i
    at_face_starts = differs[same_size - 1::same_size] if same_size else differs[local_start[1:] - 1]
    if np.count_nonzero(differs) != np.count_nonzero(at_face_starts):
        return None
    if same_size:
        # Copied as one 16-byte item a row: a long copy loop, not one of 4 floats per row.
        return corners.view(np.complex128)[::same_size].copy().view(np.float32)
    return np.take(corners, local_start, axis=0)


def blend_face_colors(
    current,
    face_colors,
    mix: float,
    written,
    linear: bool,
    loop_start,
    loop_total,
    in_place: bool = False,
    face_srgb: bool = False,
) -> np.ndarray:
    """``blend_colors`` of the colors at the corners toward one new color per face, never spread first.

    Parameters
    ----------
    current : (n_loops, 4) array of float32
        The colors at the corners, in the attribute's space.
    face_colors : (>= n_faces, 4) array of float32
        Each face's new color, in the attribute's space, or in sRGB when
        ``face_srgb`` (alpha linear either way); extra rows are ignored.
    mix, written, linear
        As for ``blend_colors``.
    loop_start, loop_total : (n_faces,) arrays of int
        As for ``loop_colors``: the faces must tile the corners.
    in_place : bool
        When True and ``current`` is a C-contiguous float32 array, it is
        overwritten and returned: no (n_loops, 4) array is allocated.
    face_srgb : bool
        ``face_colors`` are sRGB: the blend (0 < mix < 1) then takes them as
        they are, with no conversion; with mix 1 a scene-linear attribute gets
        them converted. Give them in the space the blend needs to skip a
        conversion per face.

    Returns
    -------
    (n_loops, 4) ndarray of float32
        Without ``face_srgb``, bit for bit ``blend_colors(current,
        loop_colors(loop_start, loop_total, face_colors, n_loops), mix,
        written, linear)``; with it, the same blend of the colors the sRGB
        ones stand for.

    Notes
    -----
    The corners are taken in blocks of about ``_BLOCK_CORNERS``, so the
    temporaries of the sRGB conversions stay small and in cache. A block whose
    faces each hold one color (a mesh colored per face, island, material...)
    is blended once per face and copied to the corners: a quarter of the
    conversions on quads; the others blend every corner. With mix 1 only the
    written columns are copied in, nothing converted.
    """
    current, written = _check_blend(current, mix, written)
    loop_start = _as_index_array(loop_start, "loop_start")
    loop_total = _as_index_array(loop_total, "loop_total")
    face_colors = np.asarray(face_colors, dtype=np.float32)
    n_faces, n_loops = loop_start.shape[0], current.shape[0]
    if loop_total.shape[0] != n_faces:
        raise ValueError(f"loop_start has {n_faces} faces but loop_total has {loop_total.shape[0]}")
    if face_colors.ndim != 2 or face_colors.shape[1] != 4 or face_colors.shape[0] < n_faces:
        raise ValueError(f"face_colors must have shape (>= {n_faces}, 4), got {face_colors.shape}")
    if n_faces and loop_total.min() < 0:
        bad = int(np.flatnonzero(loop_total < 0)[0])
        raise ValueError(f"loop_total[{bad}] is negative ({int(loop_total[bad])})")
    loop_start, loop_total, face_colors = _faces_in_corner_order(
        loop_start, loop_total, face_colors[:n_faces], n_loops, int(loop_total.sum(dtype=np.int64))
    )
    out = current if in_place and current.flags.c_contiguous and current.flags.writeable else current.copy()
    if mix == 0.0 or not written.any() or loop_start.size == 0:
        return out
    # A scalar repeat where all faces have one size (grids, triangulations) is ~30% faster.
    same_size = int(loop_total[0]) if loop_total.min() == loop_total.max() else 0
    written_runs = _column_runs(written)
    bounds = _face_blocks(loop_start, n_loops)
    for first, end in itertools.pairwise(bounds):
        corner_start = int(loop_start[first])
        corner_end = int(loop_start[end]) if end < loop_start.size else n_loops
        corners = out[corner_start:corner_end]  # a view, written in place
        new, repeats = face_colors[first:end], same_size or loop_total[first:end]
        if mix == 1.0:
            if face_srgb and linear:
                new = _srgb_to(new, linear)
            for columns in written_runs:
                corners[:, columns] = np.repeat(new[:, columns], repeats, axis=0)
            continue
        there = _block_face_rows(corners, loop_start[first:end] - corner_start, same_size)
        if there is not None:
            blended = _blend_rows(there, new, mix, written, linear, face_srgb)
            corners[...] = np.repeat(blended, repeats, axis=0)
        else:
            blended = _blend_rows(corners, np.repeat(new, repeats, axis=0), mix, written, linear, face_srgb)
            corners[...] = blended
    return out


