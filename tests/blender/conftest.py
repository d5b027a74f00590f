# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for tests that run inside real Blender.

These tests import ``bpy``: they run in the bpy wheel's Python (Blender as a
module) or inside a Blender binary through ``tests/blender_pytest.py``. The
runner (``tests/run_blender.py``) points Blender's user folders at a temporary
directory before Blender starts, so nothing leaks between runs.
"""

import os
import pathlib
import sys

import bpy
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import random_vertex_colors  # noqa: E402


def pytest_report_header(config):
    return f"Blender {bpy.app.version_string} ({'binary' if bpy.app.binary_path else 'module'})"


def pytest_sessionfinish(session, exitstatus):
    session.config._rvc_exitstatus = int(exitstatus)


def pytest_unconfigure(config):
    """Leave the bpy module without interpreter finalization.

    The bpy 4.2 wheel segfaults now and then while Python shuts down, even
    when no test ran and the add-on was never registered (seen with pytest's
    plugins loaded, never in a bare ``import bpy``). By now every test has run
    and the add-on is unregistered, so skipping finalization loses nothing and
    keeps the exit status pytest computed.
    """
    if bpy.app.binary_path:  # a Blender binary exits through blender_pytest.py
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(getattr(config, "_rvc_exitstatus", 1))


@pytest.fixture(scope="session", autouse=True)
def addon():
    random_vertex_colors.register()
    yield random_vertex_colors
    random_vertex_colors.unregister()


@pytest.fixture
def empty_scene(addon):
    """A fresh empty file in Object Mode."""
    if bpy.context.object is not None and bpy.context.object.mode != 'OBJECT':
        bpy.ops.object.mode_set(mode='OBJECT')
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene
