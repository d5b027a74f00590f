# SPDX-License-Identifier: GPL-3.0-or-later
"""tools/package.py's own checks, on zips made here (the real build runs in tests/blender/test_install.py)."""

import importlib.util
import pathlib
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("rvc_package", ROOT / "tools" / "package.py")
package = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(package)


def make_zip(path, names):
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, f"# {name}\n")
    return path


GOOD = ["blender_manifest.toml", "__init__.py", "core.py", "sub/helpers.py"]


def test_extension_zip_with_only_the_add_on_passes(tmp_path):
    assert sorted(package.check_contents(make_zip(tmp_path / "a.zip", GOOD))) == sorted(GOOD)


@pytest.mark.parametrize("junk", [
    "__pycache__/core.cpython-311.pyc", "sub/__pycache__/x.pyc", "core.pyc", ".DS_Store", "sub/.hidden",
    "tests/test_core.py", "old.zip", "scene.blend1",
])
def test_junk_is_refused_by_name(tmp_path, junk):
    with pytest.raises(package.PackageError, match=junk.replace(".", r"\.")):
        package.check_contents(make_zip(tmp_path / "a.zip", [*GOOD, junk]))


@pytest.mark.parametrize("missing", ["blender_manifest.toml", "__init__.py"])
def test_missing_manifest_or_init_is_refused(tmp_path, missing):
    names = [n for n in GOOD if n != missing]
    with pytest.raises(package.PackageError, match=f"{missing}: missing"):
        package.check_contents(make_zip(tmp_path / "a.zip", names))


def test_legacy_zip_holds_the_same_files_under_the_package_folder(tmp_path):
    extension = make_zip(tmp_path / "random_vertex_colors-1.2.3.zip", GOOD)
    (tmp_path / "out").mkdir()
    legacy = package.build_legacy(extension, tmp_path / "out")
    assert legacy.name == "random_vertex_colors-1.2.3-legacy.zip"
    with zipfile.ZipFile(extension) as ext, zipfile.ZipFile(legacy) as leg:
        assert sorted(leg.namelist()) == sorted(f"random_vertex_colors/{n}" for n in GOOD[1:])
        for name in GOOD[1:]:
            assert leg.read(f"random_vertex_colors/{name}") == ext.read(name)


def test_find_blender_ext_in_a_venv_layout(tmp_path):
    tool = tmp_path / "lib/python3.11/site-packages/bpy/5.0/scripts/addons_core/bl_pkg/cli/blender_ext.py"
    tool.parent.mkdir(parents=True)
    tool.write_text("")
    assert package.find_blender_ext(tmp_path) == tool
    with pytest.raises(package.PackageError, match="bpy not installed"):
        package.find_blender_ext(tmp_path / "elsewhere")
