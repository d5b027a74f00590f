# SPDX-License-Identifier: GPL-3.0-or-later
"""Stable colors: a group's draws follow from the seed and what the group is, not its index.

Numpy only, like ``core``. Each group gets a 64-bit key hash made from its
own geometry (object-space vertex positions), its face set id or its name;
the hash mixed with the seed gives the same kind of 16-bit draws as
``core.random_srgb16``, which the usual color modes then shape. Deleting,
adding or reordering other groups, or moving the object, leaves a group's
hash, and with it its color, bit for bit the same.

Keys
----
* VERTEX: the hash of the vertex's position (its float32 bit patterns; -0.0
  counts as 0.0).
* FACE: the sum of its vertices' hashes, mixed: independent of where the
  face starts its corners, changed when one of its vertices moves.
* ISLAND, UV_ISLAND: the sum of its faces' hashes, mixed.
* FACE_SET: the face set id's hash. OBJECT, MATERIAL: their names (the
  per-name streams of ``core.rng_for``, stable already).

Two groups with the same key (two faces on the same vertices, two equal
islands in one place) share their draws, and so their color.

All arithmetic is uint64 and wraps, as the hash wants.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import ArrayLike

from . import core
from .options import ColorSettings

__all__ = [
    "check_finite_positions",
    "face_hashes",
    "group_hashes",
    "id_hashes",
    "mix64",
    "position_hashes",
    "shape_group_colors",
    "stable_draws",
]

_U16_MAX = 65535
_BLOCK = 1 << 14  # vertices or faces at a time: temporaries of a few hundred kilobytes
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(32)


def mix64(values: ArrayLike) -> np.ndarray:
    """SplitMix64's finalizer on each value: a bijection of uint64 that spreads every bit.

    Parameters
    ----------
    values : (n,) array of uint64

    Returns
    -------
    (n,) ndarray of uint64
        A new array; ``values`` is not changed.
    """
    return _mix64_in_place(np.array(values, dtype=np.uint64))  # a copy, mixed in place


def _mix64_in_place(z: np.ndarray) -> np.ndarray:
    z ^= z >> _S30
    z *= _MUL1
    z ^= z >> _S27
    z *= _MUL2
    z ^= z >> _S31
    return z


def check_finite_positions(positions: ArrayLike) -> int | None:
    """Index of the first vertex with a NaN or infinite coordinate, or None when all are finite."""
    positions = np.asarray(positions)
    if positions.ndim != 2:
        raise ValueError(f"positions must have shape (n_verts, 3), got {positions.shape}")
    # Two reductions, no temporary array: NaN carries through max and min, inf shows in one of them.
    if positions.size == 0 or (np.isfinite(positions.max()) and np.isfinite(positions.min())):
        return None
    return int(np.argmin(np.isfinite(positions).all(axis=1)))


def position_hashes(positions: ArrayLike) -> np.ndarray:
    """A hash of each vertex position, from its float32 bit patterns.

    Parameters
    ----------
    positions : (n_verts, 3) array of float32
        Object-space coordinates, finite (see ``check_finite_positions``).

    Returns
    -------
    (n_verts,) ndarray of uint64
        Equal positions give equal hashes (0.0 and -0.0 count as equal).
    """
    positions = np.asarray(positions)
    if positions.ndim != 2 or positions.shape[1] != 3:
        raise ValueError(f"positions must have shape (n_verts, 3), got {positions.shape}")
    positions = np.asarray(positions, dtype=np.float32)
    hashes = np.empty(len(positions), dtype=np.uint64)
    # Block by block: small temporaries, reused, instead of fresh memory for each of a dozen passes.
    for first in range(0, len(positions), _BLOCK):
        block = positions[first:first + _BLOCK]
        # + 0.0 turns -0.0 into 0.0, so a coordinate's bits depend on its value alone.
        bits = (block + np.float32(0.0)).view(np.uint32)
        hashed = hashes[first:first + _BLOCK]
        np.multiply(bits[:, 2], _GOLDEN, out=hashed, dtype=np.uint64)  # z spread over 64 bits
        hashed ^= bits[:, 0]
        hashed ^= bits[:, 1].astype(np.uint64) << _S32
        _mix64_in_place(hashed)
    return hashes


def _segment_sums(values: np.ndarray, labels: np.ndarray, n_groups: int) -> np.ndarray:
    """Wrapping uint64 sum of ``values`` per label (0 for a label with no rows)."""
    order = np.argsort(labels, kind="stable")
    counts = np.bincount(labels, minlength=n_groups)
    starts = np.cumsum(counts) - counts
    sums = np.zeros(n_groups, dtype=np.uint64)
    filled = counts > 0
    if filled.any():
        sums[filled] = np.add.reduceat(values[order], starts[filled])
    return sums


def face_hashes(
    loop_start: ArrayLike,
    loop_total: ArrayLike,
    corner_verts: ArrayLike,
    vertex_hashes: ArrayLike,
    mixed: bool = True,
) -> np.ndarray:
    """A hash of each face from its vertices' hashes, whatever corner it starts at.

    Parameters
    ----------
    loop_start, loop_total : (n_faces,) arrays of int
    corner_verts : (n_loops,) array of int
    vertex_hashes : (n_verts,) array of uint64
        From ``position_hashes``.
    mixed : bool
        False: the plain sums of the vertex hashes, for a key that
        ``stable_draws`` mixes anyway (FACE); True for keys that are summed
        again (islands).

    Returns
    -------
    (n_faces,) ndarray of uint64
    """
    loop_start = np.asarray(loop_start)
    loop_total = np.asarray(loop_total)
    corner_verts = np.asarray(corner_verts)
    if loop_start.shape != loop_total.shape or loop_start.ndim != 1:
        raise ValueError(f"loop_start and loop_total must have one shape (n_faces,), got "
                         f"{loop_start.shape} and {loop_total.shape}")
    vertex_hashes = np.asarray(vertex_hashes, dtype=np.uint64)
    n_faces = len(loop_start)
    if n_faces == 0:
        return np.zeros(0, dtype=np.uint64)
    ends = np.cumsum(loop_total)
    in_order = (loop_start[0] == 0 and ends[-1] == len(corner_verts)
                and np.array_equal(loop_start[1:], ends[:-1]))
    if not in_order:
        owner = core.loop_colors(loop_start, loop_total, np.arange(n_faces)[:, None], len(corner_verts))[:, 0]
        sums = _segment_sums(np.take(vertex_hashes, corner_verts), owner, n_faces)
        return _mix64_in_place(sums) if mixed else sums
    # Blender's faces own their corners in order: a reduceat per block of faces, whose
    # temporaries stay small enough to be reused, not page-faulted in fresh for each run.
    sums = np.empty(n_faces, dtype=np.uint64)
    for first in range(0, n_faces, _BLOCK):
        last = min(first + _BLOCK, n_faces)
        corners = corner_verts[loop_start[first]:ends[last - 1]]
        starts = loop_start[first:last] - loop_start[first]
        np.add.reduceat(np.take(vertex_hashes, corners), starts, out=sums[first:last])
    return _mix64_in_place(sums) if mixed else sums


def group_hashes(labels: ArrayLike, member_hashes: ArrayLike, n_groups: int) -> np.ndarray:
    """A hash of each group from its members' hashes, whatever their order.

    Parameters
    ----------
    labels : (n,) array of int
        Group of each member, in ``0 .. n_groups - 1``.
    member_hashes : (n,) array of uint64
        E.g. ``face_hashes`` for islands.
    n_groups : int

    Returns
    -------
    (n_groups,) ndarray of uint64
    """
    labels = np.asarray(labels, dtype=np.int64)
    member_hashes = np.asarray(member_hashes, dtype=np.uint64)
    if labels.shape != member_hashes.shape:
        raise ValueError(f"labels and member_hashes must have one shape, got {labels.shape} and "
                         f"{member_hashes.shape}")
    return mix64(_segment_sums(member_hashes, labels, n_groups))


def id_hashes(ids: ArrayLike) -> np.ndarray:
    """A hash of each integer id (face set ids), (n,) uint64."""
    ids = np.asarray(ids, dtype=np.int64).view(np.uint64)
    return mix64(ids + _GOLDEN)


def _seed_word(seed: int, stream: str) -> np.uint64:
    text = f"stable:{int(seed)}:{stream}"
    return np.uint64(int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little"))


def stable_draws(
    key_hashes: ArrayLike, seed: int, random_alpha: bool = False, stream: str = ""
) -> np.ndarray:
    """Uniform 16-bit RGBA draws from each group's key hash and the seed.

    The same form as ``core.random_srgb16``'s, so every color mode shapes them
    alike; row ``i`` depends on ``key_hashes[i]``, ``seed`` and ``stream`` only.

    Parameters
    ----------
    key_hashes : (n,) array of uint64
    seed : int
        Any Python int.
    random_alpha : bool
        When False alpha is opaque (65535); RGB do not change either way.
    stream : str
        A further independent stream per key (JITTER's shifts are ``"jitter"``).

    Returns
    -------
    (n, 4) ndarray of uint16
        sRGB-encoded RGB and alpha, 0..65535 standing for 0..1.
    """
    keys = np.asarray(key_hashes, dtype=np.uint64)
    if keys.ndim != 1:
        raise ValueError(f"key_hashes must have shape (n,), got {keys.shape}")
    words = _mix64_in_place(keys ^ _seed_word(seed, stream)).astype("<u8", copy=False)
    colors = words.view("<u2").astype(np.uint16, copy=False).reshape(-1, 4)
    if not random_alpha:
        colors[:, 3] = _U16_MAX
    return colors


def shape_group_colors(
    draws16: ArrayLike, settings: ColorSettings, palette: core.Palette | None = None
) -> core.GroupColors:
    """``core.shape_group_colors`` for stable draws, where the two modes that spread over the set differ.

    PALETTE: each group picks the palette color its own draw points at
    (uniformly), instead of dealing colors round robin over the groups: a
    group's color then depends on its draw alone, but not every color need
    be used. DISTINCT: the groups are ranked by their draws and the distinct
    colors dealt in that order, so the colors depend on the set of keys,
    not on the order of the groups: reordering, renumbering and moving keep
    every color; adding or deleting a group may change the others' (the
    colors stay as far apart as DISTINCT makes them).
    Other modes are ``core.shape_group_colors`` itself.
    """
    draws16 = np.asarray(draws16, dtype=np.uint16)
    if settings.color_mode == "PALETTE":
        if palette is None:
            raise ValueError("color mode PALETTE needs a palette")
        rgb = np.asarray(palette.rgb, dtype=np.float32)
        if rgb.ndim != 2 or rgb.shape[0] == 0:
            raise ValueError(f"palette must have shape (p, 3) with p > 0, got {rgb.shape}")
        rows = (draws16[:, 0].astype(np.int64) * rgb.shape[0]) >> 16
        values = np.ones((len(draws16), 4), dtype=np.float32)
        values[:, : rgb.shape[1]] = rgb[rows]
        if settings.random_alpha:
            values[:, 3] = draws16[:, 3] / np.float32(_U16_MAX)
        return core.GroupColors(values, palette.linear)
    if settings.color_mode == "DISTINCT":
        order = np.lexsort((draws16[:, 3], draws16[:, 2], draws16[:, 1], draws16[:, 0]))
        ranked = core.shape_group_colors(draws16[order], settings, palette)
        values = np.empty_like(ranked.values)
        values[order] = ranked.values
        return core.GroupColors(values, ranked.palette_linear)
    return core.shape_group_colors(draws16, settings, palette)
