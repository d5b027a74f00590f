# SPDX-License-Identifier: GPL-3.0-or-later
"""The raw face-start read checks every address it can before it reads a byte.

Plain Python: the faces here are stand-ins whose ``as_pointer()`` values are
chosen to fail the checks; ``ctypes`` is watched so that a read would fail the
test. Real Blender meshes are read in tests/blender/test_face_starts.py.
"""

import pytest

from random_vertex_colors import face_starts


class Face:
    def __init__(self, address, loop_start):
        self.address, self.loop_start = address, loop_start

    def as_pointer(self):
        return self.address


def faces(n, stride=4, first=4096, moved=None):
    """``n`` faces evenly spaced, but face ``moved`` one record further than it should be."""
    return [Face(first + k * stride + (stride if k == moved else 0), 4 * k) for k in range(n)]


@pytest.fixture
def no_reads(monkeypatch):
    monkeypatch.setattr(face_starts.ctypes, "c_char", _NoArrays())


class _NoArrays:
    def __mul__(self, _size):
        raise AssertionError("memory was read although an address check failed")


@pytest.mark.parametrize("n", [5, 100, 1001])
def test_every_sampled_face_out_of_place_stops_the_read_before_it_starts(no_reads, n):
    for moved in face_starts.sample_faces(n):
        if moved < 2:
            continue  # faces 0 and 1 define the stride
        assert face_starts.face_starts_in_place(faces(n, moved=moved)) is None, moved


def test_samples_reach_both_ends_and_the_middle():
    samples = face_starts.sample_faces(1000)
    assert {0, 1, 333, 500, 666, 998, 999} <= set(samples)
    assert len(samples) >= 17
    assert face_starts.sample_faces(2) == [0, 1]


@pytest.mark.parametrize("first, stride", [(0, 4), (4098, 4), (4096, 2), (4096, 6), (4096, -4)])
def test_odd_addresses_or_strides_stop_the_read(no_reads, first, stride):
    assert face_starts.face_starts_in_place(faces(10, stride=stride, first=first)) is None


def test_fewer_than_two_faces_are_never_read_raw(no_reads):
    assert face_starts.face_starts_in_place(faces(1)) is None
    assert face_starts.face_starts_in_place([]) is None


def test_the_environment_variable_switches_the_read_off(monkeypatch):
    version = sorted(face_starts.RAW_READ_VERSIONS)[0]
    monkeypatch.setattr(face_starts, "_preference_allows", lambda: True)
    assert face_starts.raw_read_allowed(version)
    monkeypatch.setenv(face_starts.ENV_NO_RAW_READ, "1")
    assert not face_starts.raw_read_allowed(version)
    monkeypatch.setenv(face_starts.ENV_NO_RAW_READ, "0")
    assert face_starts.raw_read_allowed(version)


def test_untested_versions_are_refused_without_asking_the_preference(monkeypatch):
    monkeypatch.setattr(face_starts, "_preference_allows", lambda: pytest.fail("asked the preference"))
    assert not face_starts.raw_read_allowed((9, 0, 0))
    assert not face_starts.raw_read_allowed((4, 1, 1))
