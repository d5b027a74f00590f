# SPDX-License-Identifier: GPL-3.0-or-later
"""Stable keys and draws: a group's draws depend on its own key and the seed, nothing else."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from random_vertex_colors import core, legend, stable
from random_vertex_colors.options import ColorSettings


def random_faces(rng, n_faces, n_verts):
    """Faces of 3 to 6 distinct vertices, corners in order: (loop_start, loop_total, corner_verts)."""
    totals = rng.integers(3, 7, n_faces)
    corners = [rng.choice(n_verts, size=total, replace=False) for total in totals]
    starts = np.concatenate([[0], np.cumsum(totals)[:-1]])
    return starts, totals, corners


def hashes_of(positions, corners):
    starts = np.concatenate([[0], np.cumsum([len(c) for c in corners])[:-1]]).astype(np.int64)
    totals = np.array([len(c) for c in corners], dtype=np.int64)
    verts = np.concatenate(corners) if corners else np.zeros(0, np.int64)
    return stable.face_hashes(starts, totals, verts, stable.position_hashes(positions))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_faces=st.integers(2, 40))
def test_a_face_keeps_its_hash_when_other_faces_and_vertices_are_deleted_added_and_reordered(seed, n_faces):
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(60, 3)).astype(np.float32)
    _starts, _totals, corners = random_faces(rng, n_faces, 60)
    before = hashes_of(positions, corners)

    kept = np.flatnonzero(rng.random(n_faces) < 0.6)
    # Reorder the vertices, delete faces, add new ones, shuffle the faces and where each starts its corners.
    vertex_order = rng.permutation(60)
    new_index = np.empty(60, np.int64)
    new_index[vertex_order] = np.arange(60)
    extra_positions = rng.normal(size=(10, 3)).astype(np.float32)
    moved_positions = np.concatenate([positions[vertex_order], extra_positions])
    after_corners = [np.roll(new_index[corners[i]], rng.integers(0, 6)) for i in kept]
    after_corners += [rng.choice(70, size=4, replace=False) for _ in range(5)]
    face_order = rng.permutation(len(after_corners))
    after = hashes_of(moved_positions, [after_corners[i] for i in face_order])
    where = np.empty(len(face_order), np.int64)
    where[face_order] = np.arange(len(face_order))
    assert np.array_equal(after[where[: len(kept)]], before[kept])


def test_a_face_hash_changes_when_one_of_its_vertices_moves():
    positions = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float32)
    corners = [np.array([0, 1, 2, 3])]
    moved = positions.copy()
    moved[2, 2] = np.nextafter(np.float32(0), np.float32(1))  # the smallest step
    assert hashes_of(positions, corners)[0] != hashes_of(moved, corners)[0]


def test_negative_zero_is_zero_and_equal_positions_hash_alike():
    positions = np.array([[0.0, 1.0, 2.0], [-0.0, 1.0, 2.0], [0.0, 1.0, 2.5]], np.float32)
    hashes = stable.position_hashes(positions)
    assert hashes[0] == hashes[1] != hashes[2]


def test_unordered_corner_ranges_give_the_same_face_hashes_as_ordered_ones():
    rng = np.random.default_rng(3)
    positions = rng.normal(size=(30, 3)).astype(np.float32)
    starts, totals, corners = random_faces(rng, 12, 30)
    verts = np.concatenate(corners)
    ordered = stable.face_hashes(starts, totals, verts, stable.position_hashes(positions))
    # The same faces with their corner blocks stored in reverse order.
    blocks = [verts[s:s + t] for s, t in zip(starts, totals, strict=True)][::-1]
    moved_verts = np.concatenate(blocks)
    moved_starts = np.concatenate([[0], np.cumsum([len(b) for b in blocks])[:-1]])[::-1]
    shuffled = stable.face_hashes(moved_starts, totals, moved_verts, stable.position_hashes(positions))
    assert np.array_equal(ordered, shuffled)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_group_hash_does_not_depend_on_the_order_of_its_members_or_on_other_groups(seed):
    rng = np.random.default_rng(seed)
    members = rng.integers(0, 2**63, 50, dtype=np.int64).astype(np.uint64)
    labels = rng.integers(0, 6, 50)
    before = stable.group_hashes(labels, members, 6)
    order = rng.permutation(50)
    keep = labels[order] != 2  # group 2 deleted
    relabel = np.array([0, 1, -1, 2, 3, 4])
    after = stable.group_hashes(relabel[labels[order][keep]], members[order][keep], 5)
    assert np.array_equal(after, before[[0, 1, 3, 4, 5]])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(-(2**31), 2**31 - 1), alpha=st.booleans())
def test_draws_follow_each_key_alone_and_the_seed(seed, alpha):
    keys = np.random.default_rng(abs(seed)).integers(0, 2**63, 40, dtype=np.int64).astype(np.uint64)
    draws = stable.stable_draws(keys, seed, alpha)
    assert draws.shape == (40, 4) and draws.dtype == np.uint16
    subset = np.array([5, 1, 30, 7])
    assert np.array_equal(stable.stable_draws(keys[subset], seed, alpha), draws[subset])
    assert not np.array_equal(stable.stable_draws(keys, seed + 1, alpha), draws)
    jitter = stable.stable_draws(keys, seed, True, "jitter")
    assert not np.array_equal(jitter, stable.stable_draws(keys, seed, True))
    if not alpha:
        assert np.all(draws[:, 3] == 65535)
    assert np.array_equal(stable.stable_draws(keys, seed, True)[:, :3], draws[:, :3])


def test_draws_are_uniform_enough():
    draws = stable.stable_draws(np.arange(200_000, dtype=np.uint64), 0, True)
    counts = np.bincount(draws[:, 0] >> 12, minlength=16)  # 16 bins of the first channel
    assert counts.min() > 0.95 * 200_000 / 16 and counts.max() < 1.05 * 200_000 / 16


def test_a_non_finite_coordinate_is_found():
    positions = np.zeros((5, 3), np.float32)
    assert stable.check_finite_positions(positions) is None
    positions[3, 1] = np.inf
    positions[4, 0] = np.nan
    assert stable.check_finite_positions(positions) == 3


PALETTE = core.Palette(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], np.float32), linear=False)


@pytest.mark.parametrize("mode", ["RGB", "HSV", "GRAYSCALE", "PALETTE"])
def test_shaped_colors_keep_each_group_when_others_come_and_go(mode):
    keys = np.arange(100, dtype=np.uint64) * np.uint64(7919)
    options = ColorSettings(color_mode=mode, stable=True, hue_range=(0.9, 0.2))
    colors = stable.shape_group_colors(stable.stable_draws(keys, 4), options, PALETTE).values
    subset = np.array([50, 3, 99, 12, 0])
    fewer = stable.shape_group_colors(stable.stable_draws(keys[subset], 4), options, PALETTE).values
    assert np.array_equal(fewer, colors[subset])
    if mode == "PALETTE":  # every color a palette color, and with 100 groups all four used
        assert {tuple(row) for row in colors[:, :3].tolist()} == {tuple(row) for row in PALETTE.rgb.tolist()}


def test_distinct_depends_on_the_set_of_keys_not_their_order():
    keys = np.arange(20, dtype=np.uint64) * np.uint64(104729)
    options = ColorSettings(color_mode="DISTINCT", stable=True)
    colors = stable.shape_group_colors(stable.stable_draws(keys, 9), options).values
    order = np.random.default_rng(1).permutation(20)
    reordered = stable.shape_group_colors(stable.stable_draws(keys[order], 9), options).values
    assert np.array_equal(reordered, colors[order])
    # As far apart as DISTINCT makes them: the closest two as far apart as plain DISTINCT's.
    plain = core.shape_group_colors(stable.stable_draws(keys, 9), ColorSettings(color_mode="DISTINCT")).values
    assert closest(colors) == pytest.approx(closest(plain)) and closest(colors) > 0


def closest(colors16):
    rgb = colors16[:, :3].astype(np.float64) / 65535
    distances = np.linalg.norm(rgb[:, None] - rgb[None], axis=-1)
    return distances[~np.eye(len(rgb), dtype=bool)].min()


def test_hex_rounds_as_a_byte_attribute_stores():
    srgb = np.array([[0.0, 1.0, 0.5, 1.0], [0.5 / 255, 1 - 0.5 / 255, 127.5 / 255, 1.0], [-1, 2, 0.2, 1]],
                    np.float32)
    assert legend.srgb_bytes(srgb[:, :3]).tolist() == [[0, 255, 128], [1, 255, 128], [0, 255, 51]]
    assert legend.hex_codes(srgb) == ["#00ff80", "#01ff80", "#00ff33"]


def test_the_legend_is_json_with_every_group():
    entries = [
        legend.MeshLegend("Cube", "CubeMesh", np.array([0, 1]), np.array([6, 6]),
                          np.array([[0.25, 0.5, 1.0, 1.0], [0.0, 0.0, 0.0, 0.5]], np.float32)),
        legend.MeshLegend("Plane \"1\"", "P", ["Red", None], np.array([1, 3]), np.zeros((2, 4), np.float32)),
    ]
    text = legend.legend_json(ColorSettings(seed=3, granularity="MATERIAL"), "Color", entries)
    document = json.loads(text)
    assert {key: document[key] for key in ("seed", "granularity", "color_mode", "attribute")} == {
        "seed": 3, "granularity": "MATERIAL", "color_mode": "RGB", "attribute": "Color"}
    assert document["groups"][0] == {"object": "Cube", "mesh": "CubeMesh", "key": 0, "faces": 6,
                                     "srgb": [0.25, 0.5, 1.0, 1.0], "hex": "#4080ff"}
    assert [group["key"] for group in document["groups"]] == [0, 1, "Red", None]
    assert document["groups"][2]["object"] == "Plane \"1\""
    assert np.float32(document["groups"][1]["srgb"][3]) == np.float32(0.5)
    with pytest.raises(ValueError, match="one key"):
        legend.MeshLegend("A", "A", np.array([0]), np.array([1, 2]), np.zeros((1, 4)))
