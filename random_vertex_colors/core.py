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
  colour picker, and converted to the target space at the end with a lookup
  table: one gather instead of a power function per value.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = [
    "loop_colors",
    "loop_totals_from_starts",
    "uniform_face_colors",
    "rng_for",
    "random_srgb16",
    "srgb16_to_linear",
    "srgb16_to_float",
    "srgb_to_linear",
    "linear_to_srgb",
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

    used = loop_total > 0
    if not used.all():
        loop_start, loop_total = loop_start[used], loop_total[used]
        face_colors = face_colors[:n_faces][used]
    else:
        face_colors = face_colors[:n_faces]

    if loop_start.size > 1 and not bool(np.all(loop_start[1:] > loop_start[:-1])):
        order = np.argsort(loop_start, kind="stable")
        loop_start, loop_total = loop_start[order], loop_total[order]
        face_colors = face_colors[order]
    _check_partition(loop_start, loop_total, n_loops, total_loops)
    if loop_total.size and loop_total.min() == loop_total.max():
        # All faces the same size (grids, triangulated meshes): a scalar repeat is ~30% faster.
        return np.repeat(face_colors, int(loop_total[0]), axis=0)
    return np.repeat(face_colors, loop_total, axis=0)


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


def rng_for(seed: int, key: str = "") -> np.random.Generator:
    """A generator for one seed and one named thing (a mesh, say).

    The same ``(seed, key)`` always gives the same stream, different keys
    give independent streams, so two meshes coloured with one seed differ
    and neither depends on the order they were processed in. Any Python int
    is a valid seed, negative ones included.
    """
    seed = int(seed)
    # SeedSequence takes non-negative entropy: fold the sign into the words.
    words = [abs(seed) % 2**64, abs(seed) >> 64, int(seed < 0), _key_hash(key)]
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


def srgb_to_linear(srgb):
    """The sRGB transfer function inverted (IEC 61966-2-1), elementwise, float."""
    srgb = np.asarray(srgb, dtype=np.float64)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear):
    """The sRGB transfer function (IEC 61966-2-1), elementwise, float."""
    linear = np.clip(np.asarray(linear, dtype=np.float64), 0.0, None)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


_LINEAR_LUT = srgb_to_linear(np.arange(_U16_MAX + 1) / _U16_MAX).astype(np.float32)
_UNIT_LUT = (np.arange(_U16_MAX + 1) / _U16_MAX).astype(np.float32)


def _check_rgba16(colors) -> np.ndarray:
    colors = np.asarray(colors)
    if colors.ndim != 2 or colors.shape[1] != 4:
        raise ValueError(f"colours must have shape (n, 4), got {colors.shape}")
    if colors.dtype != np.uint16:
        raise ValueError(f"colours must be uint16, got {colors.dtype}")
    return colors


def srgb16_to_linear(colors) -> np.ndarray:
    """Convert 16-bit sRGB RGBA rows to scene-linear float32 (alpha stays linear).

    Parameters
    ----------
    colors : (n, 4) ndarray of uint16

    Returns
    -------
    (n, 4) ndarray of float32, C-contiguous
    """
    colors = _check_rgba16(colors)
    # One gather over the contiguous block: three times faster than two
    # gathers into strided slices of a preallocated array. Both tables map
    # 65535 to 1.0, so opaque alpha (the usual case) needs no second gather.
    out = _LINEAR_LUT[colors]
    alpha = colors[:, 3]
    if alpha.size and alpha.min() < _U16_MAX:
        out[:, 3] = _UNIT_LUT[alpha]
    return out


def srgb16_to_float(colors) -> np.ndarray:
    """Convert 16-bit sRGB RGBA rows to sRGB float32 in [0, 1], unconverted.

    Parameters
    ----------
    colors : (n, 4) ndarray of uint16

    Returns
    -------
    (n, 4) ndarray of float32, C-contiguous
    """
    colors = _check_rgba16(colors)
    return _UNIT_LUT[colors]
