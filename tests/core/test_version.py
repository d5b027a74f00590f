# SPDX-License-Identifier: GPL-3.0-or-later
"""One version number and one identity across the manifest, bl_info and pyproject, read without Blender."""

import ast
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "random_vertex_colors"


def manifest():
    return tomllib.loads((PACKAGE / "blender_manifest.toml").read_text(encoding="utf-8"))


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def bl_info():
    """The ``bl_info`` literal in ``__init__.py``, read with ast as Blender's addon_utils reads it."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "bl_info" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("no bl_info = {...} at the top level of __init__.py")


def test_manifest_bl_info_and_pyproject_share_one_version():
    version = manifest()["version"]
    assert pyproject()["project"]["version"] == version
    assert ".".join(str(part) for part in bl_info()["version"]) == version
    assert all(isinstance(part, int) for part in bl_info()["version"])


def test_manifest_and_bl_info_name_the_same_add_on():
    assert manifest()["id"] == PACKAGE.name
    assert manifest()["name"] == bl_info()["name"]
    assert manifest()["type"] == "add-on"


def test_supported_blender_range():
    # 4.2+ installs the extension (manifest), 3.4 to 4.1 the legacy add-on (bl_info).
    assert manifest()["blender_version_min"] == "4.2.0"
    assert tuple(bl_info()["blender"]) == (3, 4, 0)


def test_top_level_manifest_is_the_package_manifest():
    top = ROOT / "blender_manifest.toml"
    assert top.is_symlink()
    assert top.resolve() == (PACKAGE / "blender_manifest.toml").resolve()
