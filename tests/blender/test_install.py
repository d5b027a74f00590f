# SPDX-License-Identifier: GPL-3.0-or-later
"""The packaged add-on: built with tools/package.py, installed the way users install it.

Each install runs in a fresh Blender of the same kind as the one running the
tests (this bpy module, or this Blender binary), with its own empty user
folders, so the installed copy never meets the copy this session registered
from the repository. Blender 4.2+ installs the extension zip (Install from
Disk), Blender 3.4 to 4.1 the legacy zip (Add-ons > Install).

The zips are built with Blender's extension tool: the one named by
RVC_BLENDER_EXT (tests/run_blender.py passes the bpy 5.0 wheel's, the tool
``make package`` uses), else this Blender's own.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tomllib
import zipfile

import bpy
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "random_vertex_colors"
SCRIPT = pathlib.Path(__file__).with_name("install_script.py")
MENUS = ("VIEW3D_MT_paint_vertex", "VIEW3D_MT_object", "VIEW3D_MT_edit_mesh_faces")
EXTENSIONS = bpy.app.version >= (4, 2, 0)
MODULE = "bl_ext.user_default.random_vertex_colors" if EXTENSIONS else "random_vertex_colors"


def blender_ext():
    """Blender's extension tool, or None."""
    if os.environ.get("RVC_BLENDER_EXT"):
        return pathlib.Path(os.environ["RVC_BLENDER_EXT"])
    own = pathlib.Path(bpy.utils.system_resource('SCRIPTS'), "addons_core", "bl_pkg", "cli", "blender_ext.py")
    return own if own.is_file() else None


def build(output_dir, source_dir=PACKAGE):
    """Run tools/package.py as ``make package`` does; the (extension, legacy) zips."""
    tool = blender_ext()
    if tool is None:
        pytest.skip(f"Blender {bpy.app.version_string} has no extension tool and RVC_BLENDER_EXT is not set "
                    "(tests/run_blender.py sets it from a bpy wheel)")
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "package.py"), "--blender-ext", str(tool),
         "--output-dir", str(output_dir), "--source-dir", str(source_dir)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, f"tools/package.py failed:\n{done.stdout}\n{done.stderr}"
    extension, legacy = (pathlib.Path(line) for line in done.stdout.split())
    return extension, legacy


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    return build(tmp_path_factory.mktemp("dist"))


def shipped_source_files(source=PACKAGE):
    """What the add-on consists of: every file in the package folder but caches and hidden files."""
    return sorted(
        path.relative_to(source).as_posix() for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
        and not any(part.startswith(".") for part in path.relative_to(source).parts)
    )


def zip_names(archive):
    with zipfile.ZipFile(archive) as zf:
        return sorted(name for name in zf.namelist() if not name.endswith("/"))


def test_extension_zip_holds_the_package_files_at_its_root(packages):
    extension, _legacy = packages
    assert extension.name == f"random_vertex_colors-{manifest_version()}.zip"
    assert zip_names(extension) == shipped_source_files()
    with zipfile.ZipFile(extension) as zf:
        for name in zip_names(extension):
            assert zf.read(name) == (PACKAGE / name).read_bytes(), name


def test_legacy_zip_holds_the_package_folder(packages):
    extension, legacy = packages
    assert legacy.name == f"random_vertex_colors-{manifest_version()}-legacy.zip"
    files = [name for name in zip_names(extension) if name != "blender_manifest.toml"]
    expected = [f"random_vertex_colors/{name}" for name in files]
    assert zip_names(legacy) == sorted(expected)
    assert "random_vertex_colors/__init__.py" in expected


def test_caches_hidden_files_and_backups_stay_out(tmp_path):
    source = tmp_path / "random_vertex_colors"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("__pycache__"))
    junk = ["__pycache__/core.cpython-311.pyc", "core.pyc", ".DS_Store", ".core.py.swp", "core.py~",
            "scene.blend1", "random_vertex_colors-0.0.1.zip", "nested/__pycache__/x.pyc", "nested/.hidden"]
    for name in junk:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(b"junk")
    (source / "nested" / "kept.py").write_text("# a subpackage file ships\n")
    extension, _legacy = build(tmp_path / "dist", source)
    names = zip_names(extension)
    assert "nested/kept.py" in names
    assert not set(junk) & set(names)
    assert names == sorted([*shipped_source_files(PACKAGE), "nested/kept.py"])


def manifest_version():
    with open(PACKAGE / "blender_manifest.toml", "rb") as fh:
        return tomllib.load(fh)["version"]


def install_in_fresh_blender(archive, home):
    """Run install_script.py in a new Blender like this one, user folders in ``home``; what it saw."""
    env = dict(os.environ, HOME=str(home), BLENDER_USER_RESOURCES=str(home / "blender-user"),
               PYTHONDONTWRITEBYTECODE="1")
    if bpy.app.binary_path:
        command = [bpy.app.binary_path, "--background", "--factory-startup", "--python-exit-code", "1",
                   "--python", str(SCRIPT), "--", str(archive)]
    else:
        command = [sys.executable, str(SCRIPT), str(archive)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=home, env=env, timeout=300)
    output = done.stdout + done.stderr
    # Judged by its output: the bpy 4.2 module may crash at exit, after the work is done.
    results = [line for line in done.stdout.splitlines() if line.startswith("RVC_INSTALL_RESULT ")]
    assert results, f"no result from {SCRIPT.name} (exit {done.returncode}):\n{output}"
    return json.loads(results[-1].split(" ", 1)[1]), output


def assert_active(state, user_dir, output):
    assert state["enabled"], output
    assert state["operator_module"] == f"{MODULE}.operators", output
    assert state["menu_entries"] == {name: [f"{MODULE}.ui.draw_menu_entry"] for name in MENUS}, output
    # The installed copy runs, not the repository's.
    assert pathlib.Path(state["module_file"]).is_relative_to(user_dir), output


def assert_coloured(run, output):
    assert run["result"] == ['FINISHED'], output
    assert run["attribute"] == ["Color", 'CORNER', 'FLOAT_COLOR'], output
    assert run["faces"] > 1
    assert run["distinct_colours"] == run["faces"], output


def test_install_use_disable_enable(packages, tmp_path):
    extension, legacy = packages
    seen, output = install_in_fresh_blender(extension if EXTENSIONS else legacy, tmp_path)
    assert seen["module"] == MODULE
    user_dir = tmp_path / "blender-user"
    install_dir = pathlib.Path(seen["user_extensions"] if EXTENSIONS else seen["user_scripts"])
    assert install_dir.is_relative_to(user_dir), "the install escaped the temporary user folder"

    assert seen["install"] == ['FINISHED'], output
    assert_active(seen["installed"], install_dir, output)
    assert_coloured(seen["run"], output)
    switch = seen["fast_face_read"]
    assert switch["default"] is True, output
    tested = [list(v) for v in switch["tested_versions"]]
    assert switch["allowed_on"] == (list(bpy.app.version[:2]) in tested), output
    assert switch["allowed_off"] is False, output
    assert_coloured(switch["run_off"], output)

    assert seen["disable"] == ['FINISHED'], output
    disabled = seen["disabled"]
    assert not disabled["enabled"], output
    assert disabled["operator_module"] is None, output
    assert disabled["menu_entries"] == {name: [] for name in MENUS}, output

    assert seen["enable"] == ['FINISHED'], output
    assert_active(seen["enabled_again"], install_dir, output)
    assert_coloured(seen["run_again"], output)
