# SPDX-License-Identifier: GPL-3.0-or-later
"""Connected components and islands, against a plain union-find."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from random_vertex_colors import core
from random_vertex_colors.core import (
    connected_components,
    face_components,
    face_islands,
    uv_islands,
    uv_vertex_ids,
    value_labels,
    vertex_islands,
)


def reference_components(n, edges):
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([min(i for i in range(n) if find(i) == find(x)) for x in range(n)])


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 40))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80))
    return n, edges


@given(graphs())
def test_components_match_union_find(graph):
    n, edges = graph
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    np.testing.assert_array_equal(connected_components(n, u, v), reference_components(n, edges))


def test_long_chain_in_worst_order():
    # A path numbered so every hook makes a long chain: still one component.
    n = 100_000
    order = np.arange(n)[::-1]
    roots = connected_components(n, order[:-1], order[1:])
    assert np.all(roots == 0)


def test_components_refuse_bad_edges():
    with pytest.raises(ValueError, match="same shape"):
        connected_components(3, [0, 1], [1])
    with pytest.raises(ValueError, match=r"0\.\.2"):
        connected_components(3, [0], [3])


@st.composite
def meshes_with_islands(draw):
    """Faces given by vertex lists; islands made by reusing vertices."""
    n_faces = draw(st.integers(1, 30))
    n_verts = draw(st.integers(3, 40))
    vertex_lists = st.lists(st.integers(0, n_verts - 1), min_size=3, max_size=8, unique=True)
    faces = [draw(vertex_lists) for _ in range(n_faces)]
    return faces, n_verts


def face_layout(faces):
    totals = np.array([len(f) for f in faces], dtype=np.int32)
    starts = (np.cumsum(totals) - totals).astype(np.int32)
    corner_verts = np.concatenate([np.array(f, dtype=np.int32) for f in faces])
    return starts, totals, corner_verts


@given(meshes_with_islands())
def test_face_islands_match_union_find_over_shared_vertices(mesh):
    faces, n_verts = mesh
    starts, totals, corner_verts = face_layout(faces)
    labels, n_islands = face_islands(starts, totals, corner_verts, n_verts)
    edges = [(i, j) for i in range(len(faces)) for j in range(i) if set(faces[i]) & set(faces[j])]
    expected = reference_components(len(faces), edges)
    # Same partition, numbered by first face.
    order = {root: k for k, root in enumerate(dict.fromkeys(expected.tolist()))}
    np.testing.assert_array_equal(labels, [order[r] for r in expected.tolist()])
    assert n_islands == len(order)


@given(meshes_with_islands())
def test_vertex_islands_give_each_vertex_the_island_of_its_faces(mesh):
    faces, n_verts = mesh
    starts, totals, corner_verts = face_layout(faces)
    face_labels, n_islands = face_islands(starts, totals, corner_verts, n_verts)
    labels, n_vertex_islands = vertex_islands(starts, totals, corner_verts, n_verts)
    assert n_vertex_islands == n_islands
    assert labels.shape == (n_verts,) and labels.dtype == np.int64
    for vertex in range(n_verts):  # test-only loop: each vertex against the faces that hold it
        around = {int(face_labels[f]) for f, face in enumerate(faces) if vertex in face}
        assert around == ({int(labels[vertex])} if around else set())
        assert around or labels[vertex] == -1  # a vertex in no face belongs to no island


def test_vertex_islands_of_quads_in_any_order_and_of_no_faces():
    # Two quads sharing an edge, one apart, vertex 9 loose; faces listed out of corner order.
    starts, totals = np.array([8, 0, 4]), np.array([4, 4, 4])
    corner_verts = np.array([0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 10])
    labels, n_islands = vertex_islands(starts, totals, corner_verts, 11)
    assert n_islands == 2
    np.testing.assert_array_equal(labels, [1, 1, 1, 1, 1, 1, 0, 0, 0, -1, 0])
    labels, n_islands = vertex_islands(np.zeros(0, int), np.zeros(0, int), np.zeros(0, int), 3)
    assert n_islands == 0 and labels.tolist() == [-1, -1, -1]


def test_face_components_refuse_empty_faces():
    with pytest.raises(ValueError, match="no corners"):
        face_components(np.array([0, 3]), np.array([3, 0]), np.arange(3), 3)


@given(meshes_with_islands(), st.integers(1, 3))
@settings(max_examples=60)
def test_uv_islands_split_where_uvs_differ(mesh, n_uv_choices):
    faces, _n_verts = mesh
    starts, totals, corner_verts = face_layout(faces)
    rng = np.random.default_rng(len(faces) * 31 + n_uv_choices)
    # Each face picks one of a few UV offsets: faces sharing a vertex join only with equal UVs there.
    face_choice = rng.integers(0, n_uv_choices, len(faces))
    uvs = np.stack([corner_verts * 0.01 + np.repeat(face_choice, totals), corner_verts * 0.02], axis=1)
    labels, n_islands = uv_islands(starts, totals, corner_verts, uvs)
    edges = [
        (i, j)
        for i in range(len(faces))
        for j in range(i)
        if face_choice[i] == face_choice[j] and set(faces[i]) & set(faces[j])
    ]
    expected = reference_components(len(faces), edges)
    order = {root: k for k, root in enumerate(dict.fromkeys(expected.tolist()))}
    np.testing.assert_array_equal(labels, [order[r] for r in expected.tolist()])
    assert n_islands == len(order)


def test_uv_vertex_ids_group_equal_vertex_and_uv():
    verts = np.array([0, 0, 0, 1, 1, 0])
    uvs = np.array([[0, 0], [1, 0], [0, 0], [0, 0], [0, 0], [-0.0, 0]], dtype=np.float32)
    ids, n_ids = uv_vertex_ids(verts, uvs)
    np.testing.assert_array_equal(ids, [0, 1, 0, 2, 2, 0])
    assert n_ids == 3


def test_uv_vertex_ids_refuse_bad_shape():
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        uv_vertex_ids(np.arange(3), np.zeros((3, 3)))


@given(st.integers(1, 30), st.sampled_from([3, 4]), st.integers(4, 30), st.booleans(), st.randoms())
def test_face_islands_of_equal_sized_faces_in_any_order(n_faces, size, n_verts, shuffle, random):
    faces = [random.sample(range(n_verts), size) for _ in range(n_faces)]
    starts, totals, corner_verts = face_layout(faces)
    if shuffle:  # faces listed out of corner order take the general path
        order = list(range(n_faces))
        random.shuffle(order)
        starts, totals = starts[order], totals[order]
        faces = [faces[i] for i in order]
    labels, n_islands = face_islands(starts, totals, corner_verts, n_verts)
    edges = [(i, j) for i in range(n_faces) for j in range(i) if set(faces[i]) & set(faces[j])]
    expected = reference_components(n_faces, edges)
    order_of = {root: k for k, root in enumerate(dict.fromkeys(expected.tolist()))}
    np.testing.assert_array_equal(labels, [order_of[r] for r in expected.tolist()])
    assert n_islands == len(order_of)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2**31, 2**31 - 1), max_size=40), st.integers(-50, 50), st.booleans())
def test_value_labels_is_uniques_inverse(values, low, narrow):
    # Narrow: values in a small range (the sorting-free path); wide: anything (np.unique's path).
    values = np.array([low + v % 7 for v in values] if narrow else values, dtype=np.int32)
    labels, n = value_labels(values)
    uniques, inverse = np.unique(values, return_inverse=True)
    assert n == len(uniques)
    np.testing.assert_array_equal(labels, inverse.ravel())


@settings(max_examples=150, deadline=None)
@given(meshes_with_islands(), st.integers(1, 3), st.booleans(), st.randoms())
def test_uv_islands_with_faces_in_any_order(mesh, n_uv_choices, shuffle, random):
    # Faces out of corner order join through corners that are not their key's first face.
    faces, _n_verts = mesh
    starts, totals, corner_verts = face_layout(faces)
    choice = [random.randrange(n_uv_choices) for _ in faces]
    uvs = np.stack([corner_verts * 0.01 + np.repeat(choice, totals), corner_verts * 0.02], axis=1)
    if shuffle:
        order = list(range(len(faces)))
        random.shuffle(order)
        starts, totals = starts[order], totals[order]
        faces, choice = [faces[i] for i in order], [choice[i] for i in order]
    labels, n_islands = uv_islands(starts, totals, corner_verts, uvs)
    edges = [(i, j) for i in range(len(faces)) for j in range(i)
             if choice[i] == choice[j] and set(faces[i]) & set(faces[j])]
    expected = reference_components(len(faces), edges)
    order_of = {root: k for k, root in enumerate(dict.fromkeys(expected.tolist()))}
    np.testing.assert_array_equal(labels, [order_of[r] for r in expected.tolist()])
    assert n_islands == len(order_of)


def test_islands_of_a_long_strip_listed_backwards():
    # Every face hooks onto its successor's first face only after pointer jumping and the fix-up pass.
    n = 2000
    lower = np.arange(n)
    corner_verts = np.stack([lower, lower + 1, lower + n + 2, lower + n + 1], axis=1)
    corner_verts = corner_verts[::-1].ravel().astype(np.int32)
    starts, totals = np.arange(0, 4 * n, 4), np.full(n, 4)
    labels, n_islands = face_islands(starts, totals, corner_verts)
    assert n_islands == 1 and not labels.any()
    labels, n_islands = uv_islands(starts, totals, corner_verts, np.zeros((4 * n, 2), np.float32))
    assert n_islands == 1 and not labels.any()


@given(st.lists(st.integers(1, 40), min_size=1, max_size=12), st.booleans())
def test_islands_of_strips_in_order_are_the_strips(lengths, triangles_first):
    # Faces that each hook onto the one before (strips in order) take the run shortcut.
    faces, next_vertex = [], 0
    for length in lengths:
        lower = np.arange(length + 1) + next_vertex
        upper = lower + length + 1
        for i in range(length):
            if triangles_first and i == 0:
                faces.append([int(lower[0]), int(lower[1]), int(upper[0])])
                faces.append([int(lower[1]), int(upper[1]), int(upper[0])])
            else:
                faces.append([int(lower[i]), int(lower[i + 1]), int(upper[i + 1]), int(upper[i])])
        next_vertex += 2 * (length + 1)
    starts, totals, corner_verts = face_layout(faces)
    labels, n_islands = face_islands(starts, totals, corner_verts)
    sizes = [length + (1 if triangles_first else 0) for length in lengths]
    np.testing.assert_array_equal(labels, np.repeat(np.arange(len(lengths)), sizes))
    assert n_islands == len(lengths)


@given(meshes_with_islands(), st.integers(1, 8))
def test_face_islands_with_pointer_jumping_in_small_blocks(mesh, block):
    # Meshes of a few faces fit one block of the jumping; tiny blocks make every chain cross blocks.
    faces, n_verts = mesh
    starts, totals, corner_verts = face_layout(faces)
    expected = face_islands(starts, totals, corner_verts, n_verts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "_JUMP_BLOCK", block)
        labels, n_islands = face_islands(starts, totals, corner_verts, n_verts)
    np.testing.assert_array_equal(labels, expected[0])
    assert n_islands == expected[1]


def test_grids_spanning_many_jumping_blocks():
    # Two 120 x 120 grids, 28,800 faces: hooks run diagonally across blocks of the jumping.
    side = 120
    lower_left = (np.arange(side)[:, None] * (side + 1) + np.arange(side)[None, :]).ravel()
    quads = np.stack([lower_left, lower_left + 1, lower_left + side + 2, lower_left + side + 1], axis=1)
    corner_verts = np.concatenate([quads.ravel(), quads.ravel() + (side + 1) ** 2]).astype(np.int32)
    n_faces = 2 * side * side
    starts, totals = np.arange(0, 4 * n_faces, 4), np.full(n_faces, 4)
    labels, n_islands = face_islands(starts, totals, corner_verts)
    assert n_islands == 2
    np.testing.assert_array_equal(labels, np.repeat([0, 1], side * side))
    labels, n_islands = uv_islands(starts, totals, corner_verts, np.zeros((4 * n_faces, 2), np.float32))
    assert n_islands == 2
    np.testing.assert_array_equal(labels, np.repeat([0, 1], side * side))


@given(st.integers(0, 200), st.integers(1, 16), st.randoms(use_true_random=False))
def test_jump_to_roots_on_any_forest(n, block, random):
    # Hooks in the meshes never point up; the jumping stays right when they do, only slower.
    order = np.array(random.sample(range(n), n), dtype=np.int64)
    parent_in_order = np.array([random.randrange(i) if i and random.random() < 0.9 else i for i in range(n)])
    parent = np.empty(n, dtype=np.int32)
    parent[order] = order[parent_in_order.astype(np.int64)] if n else []
    expected = parent.copy()
    for _ in range(10):  # 2**10 > the deepest chain
        expected = expected[expected]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "_JUMP_BLOCK", block)
        np.testing.assert_array_equal(core._jump_to_roots(parent.copy()), expected)
