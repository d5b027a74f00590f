# SPDX-License-Identifier: GPL-3.0-or-later
"""Mesh file formats in and out, through Blender's own importers and exporters.

Which formats a Blender can read and write depends on its version: OBJ and
PLY moved from Python add-ons to built-in operators (``wm.obj_import`` in
3.2, ``wm.ply_import`` in 3.6), glTF and FBX are bundled add-ons that
``--factory-startup`` may leave disabled, and USD is missing from some builds
(Debian's 3.4). So every format lists the operators that have implemented it
over the versions, newest first, and the first one this Blender has wins.

Exports write the active color attribute (the one just colored) as the
file's vertex colors. Each exporter spells that differently, and the
spelling changed between versions, so the keyword arguments are filtered
against the operator's own properties (see ``_supported``).

Only the module-level tables and ``extension_of`` work without ``bpy``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from types import ModuleType
from typing import Any


class FormatError(Exception):
    """A format this Blender cannot read or write, or an import or export that failed."""


@dataclasses.dataclass(frozen=True)
class Operator:
    """One Blender operator that reads or writes a format, and the keywords it needs."""

    idname: str  # "wm.obj_import"
    keywords: tuple[tuple[str, object], ...] = ()  # applied when the operator has the property
    # Exporters that read only the legacy byte-color layers (mesh.vertex_colors), not a
    # FLOAT_COLOR attribute: glTF and PLY add-ons of Blender 3.4 and 3.5. The keyword named
    # here exists only in those versions.
    legacy_colors_keyword: str | None = None
    # Such an exporter that reads a point-domain color attribute right and a corner one by
    # vertex index, scrambling it (glTF 3.4): it gets a point copy (see _legacy_color_copies).
    reads_point_colors: bool = False


@dataclasses.dataclass(frozen=True)
class Format:
    """A file format: its extensions and the operators that read and write it, newest first."""

    name: str
    extensions: tuple[str, ...]
    importers: tuple[Operator, ...]
    exporters: tuple[Operator, ...]
    addon: str | None = None  # the bundled add-on that registers the operators


# Keywords are tried in order and only those the operator has are passed: an
# older exporter spells "write the active color" differently (glTF 3.4:
# export_colors, 4.2 and later: export_vertex_color='ACTIVE').
_EVERYTHING = (("use_selection", False), ("export_selected_objects", False), ("selected_objects_only", False))

FORMATS = (
    Format("Blender", (".blend",), (), ()),
    Format(
        "glTF", (".glb", ".gltf"),
        (Operator("import_scene.gltf"),),
        (Operator("export_scene.gltf", (*_EVERYTHING,
            ("export_vertex_color", "ACTIVE"),
            ("export_colors", True),
            ("export_all_vertex_colors", False),
        ), legacy_colors_keyword="export_colors", reads_point_colors=True),),
        addon="io_scene_gltf2",
    ),
    Format(
        "FBX", (".fbx",),
        (Operator("import_scene.fbx", (("colors_type", "SRGB"),)),),
        (Operator("export_scene.fbx", (*_EVERYTHING,
            ("colors_type", "SRGB"),
            ("prioritize_active_color", True),
            ("path_mode", "ABSOLUTE"),
        )),),
        addon="io_scene_fbx",
    ),
    Format(
        "OBJ", (".obj",),
        (Operator("wm.obj_import"), Operator("import_scene.obj")),
        (Operator("wm.obj_export", (*_EVERYTHING, ("export_colors", True), ("path_mode", "ABSOLUTE"))),),
    ),
    Format(
        "PLY", (".ply",),
        (Operator("wm.ply_import", (("import_colors", "SRGB"),)), Operator("import_mesh.ply")),
        (
            Operator("wm.ply_export", (*_EVERYTHING, ("export_colors", "SRGB"),)),
            Operator(
                "export_mesh.ply", (*_EVERYTHING, ("use_colors", True),), legacy_colors_keyword="use_colors"
            ),
        ),
        addon="io_mesh_ply",  # 3.4 to 3.5 only; later Blenders have wm.ply_*
    ),
    Format(
        "USD", (".usd", ".usdc", ".usda"),
        (Operator("wm.usd_import", (("read_mesh_colors", True),)),),
        (Operator("wm.usd_export", (*_EVERYTHING, ("export_mesh_colors", True),)),),
    ),
)

BY_EXTENSION = {ext: fmt for fmt in FORMATS for ext in fmt.extensions}
EXTENSIONS = tuple(BY_EXTENSION)


def extension_of(path: str) -> str:
    """The lower-case extension of ``path`` with its dot: "scene.GLB" -> ".glb"."""
    return os.path.splitext(path)[1].lower()


def format_of(path: str) -> Format | None:
    """The format ``path``'s extension names, or None."""
    return BY_EXTENSION.get(extension_of(path))


def blender_version(bpy: ModuleType) -> str:
    """"Blender 4.2.3 LTS", for messages."""
    return f"Blender {bpy.app.version_string}"


def _operator(bpy: ModuleType, idname: str) -> tuple[Any, Any] | None:
    """The operator's callable and its property names, or None when this Blender lacks it."""
    module, name = idname.split(".")
    function = getattr(getattr(bpy.ops, module), name)
    try:
        rna = function.get_rna_type()
    except KeyError:
        return None
    return function, rna


def _enable_addon(fmt: Format) -> None:
    if fmt.addon is None:
        return
    import addon_utils  # Blender's own module, importable once bpy is

    modules: Any = addon_utils.modules()  # type: ignore[func-returns-value]  # stubs: None; a list
    if not any(module.__name__ == fmt.addon for module in modules):
        return  # not bundled with this Blender (io_mesh_ply after 3.5)
    state: Any = addon_utils.check(fmt.addon)  # type: ignore[func-returns-value]  # (loaded, enabled)
    if not state[1]:
        addon_utils.enable(fmt.addon, default_set=False, handle_error=lambda _error: None)


def _find(bpy: ModuleType, fmt: Format, which: str) -> tuple[Operator, Any, Any] | None:
    """The first of the format's importers or exporters this Blender has: (Operator, callable, rna)."""
    candidates = fmt.importers if which == "import" else fmt.exporters
    for attempt in range(2):
        for operator in candidates:
            found = _operator(bpy, operator.idname)
            if found is not None:
                return (operator, *found)
        if attempt == 0:
            _enable_addon(fmt)  # then look again
    return None


def _supported(rna: Any, keywords: tuple[tuple[str, object], ...]) -> dict[str, object]:
    """The keywords the operator has, with a value it accepts (enum items are checked)."""
    properties = rna.properties
    chosen: dict[str, object] = {}
    for name, value in keywords:
        if name in chosen or name not in properties:
            continue
        prop = properties[name]
        if prop.type == "ENUM" and not prop.is_enum_flag:
            items = {item.identifier for item in prop.enum_items}
            if value not in items:
                continue
        chosen[name] = value
    return chosen


def can_read(bpy: ModuleType, ext: str) -> bool:
    """True when this Blender can read files with extension ``ext`` (".glb")."""
    fmt = BY_EXTENSION.get(ext)
    return fmt is not None and (fmt.name == "Blender" or _find(bpy, fmt, "import") is not None)


def can_write(bpy: ModuleType, ext: str) -> bool:
    """True when this Blender can write files with extension ``ext``."""
    fmt = BY_EXTENSION.get(ext)
    return fmt is not None and (fmt.name == "Blender" or _find(bpy, fmt, "export") is not None)


def readable(bpy: ModuleType) -> list[str]:
    """The extensions this Blender can read, in the order of FORMATS."""
    return [ext for ext in EXTENSIONS if can_read(bpy, ext)]


def writable(bpy: ModuleType) -> list[str]:
    """The extensions this Blender can write, in the order of FORMATS."""
    return [ext for ext in EXTENSIONS if can_write(bpy, ext)]


def check_readable(bpy: ModuleType, path: str) -> Format:
    """The format of ``path``; FormatError naming the extension and the Blender when it cannot be read."""
    return _checked_format(bpy, path, "read", can_read, readable)


def check_writable(bpy: ModuleType, path: str) -> Format:
    """The format of ``path``; FormatError naming the extension and the Blender when it cannot be written."""
    return _checked_format(bpy, path, "write", can_write, writable)


def _checked_format(
    bpy: ModuleType,
    path: str,
    verb: str,
    can: Callable[[ModuleType, str], bool],
    supported: Callable[[ModuleType], list[str]],
) -> Format:
    """The format of ``path`` when this Blender can ``verb`` it (read or write), else FormatError."""
    ext = extension_of(path)
    fmt = BY_EXTENSION.get(ext)
    if fmt is None:
        shown = ext or "(no extension)"
        raise FormatError(f"'{path}': '{shown}' is not a format this tool {verb}s ({', '.join(EXTENSIONS)})")
    if not can(bpy, ext):
        raise FormatError(
            f"'{path}': {blender_version(bpy)} cannot {verb} {fmt.name} ({ext}) files; "
            f"it {verb}s {', '.join(supported(bpy))}"
        )
    return fmt


def _reason(error: RuntimeError) -> str:
    """One line of an operator's error: the exception a Python add-on raised, else the last line."""
    lines = [line.removeprefix("Error: ").strip() for line in str(error).strip().splitlines()]
    raised = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", line)]
    return (raised or [line for line in lines if line] or ["unknown error"])[-1]


def _numpy_bool_alias() -> None:
    """Give numpy back ``np.bool``, which numpy 1.24 to 1.26 removed and Blender 3.4's glTF importer uses.

    It was always an alias of the built-in ``bool`` (numpy 2 has it again), so
    restoring it changes no result; without it that importer cannot read any file.
    """
    import numpy

    if "bool" not in numpy.__dict__:
        numpy.bool = bool  # type: ignore[attr-defined]


def _legacy_color_copies(bpy: ModuleType, to_points: bool) -> None:
    """Copy each mesh's active color attribute into one the legacy exporter reads; make it active.

    For the exporters of ``legacy_colors_keyword``. Without ``to_points``
    (PLY in 3.4 and 3.5, which sees only byte colors on face corners) a
    FLOAT_COLOR corner attribute, or a point attribute of either type (each
    corner taking its vertex's color), becomes a BYTE_COLOR corner copy.
    With ``to_points`` (glTF in 3.4, which reads a point attribute right but
    a corner one by vertex index, scrambling it) a corner attribute becomes
    a FLOAT_COLOR point copy, each vertex the mean of its corners: one color
    per vertex, as the README says that exporter keeps. Called on the file
    about to be exported, never saved.
    """
    import numpy

    for mesh in bpy.data.meshes:
        active = mesh.color_attributes.active_color
        if active is None or active.domain not in ("CORNER", "POINT"):
            continue
        if to_points and active.domain == "POINT":
            continue
        if not to_points and active.domain == "CORNER" and active.data_type != "FLOAT_COLOR":
            continue
        name = active.name
        flat = numpy_floats(len(active.data) * 4)
        active.data.foreach_get("color", flat)
        values = flat.reshape(-1, 4)
        corner_vertices = numpy.empty(len(mesh.loops), numpy.int32)
        mesh.loops.foreach_get("vertex_index", corner_vertices)
        if to_points:
            n_vertices = len(mesh.vertices)
            counts = numpy.maximum(numpy.bincount(corner_vertices, minlength=n_vertices), 1)
            values = numpy.stack([
                numpy.bincount(corner_vertices, values[:, channel], minlength=n_vertices) / counts
                for channel in range(4)
            ], axis=1).astype(numpy.float32)
            copy = mesh.color_attributes.new(name[:50] + " points", "FLOAT_COLOR", "POINT")
        else:
            if active.domain == "POINT":
                values = values[corner_vertices]
            copy = mesh.color_attributes.new(name[:50] + " bytes", "BYTE_COLOR", "CORNER")
        if copy is None:
            continue
        copy_name = copy.name
        mesh.color_attributes[copy_name].data.foreach_set("color", numpy.ascontiguousarray(values).ravel())
        mesh.color_attributes.active_color = mesh.color_attributes[copy_name]
        legacy = mesh.vertex_colors.get(copy_name)
        if legacy is not None:
            mesh.vertex_colors.active = legacy
            legacy.active_render = True


def _render_the_active_colors(bpy: ModuleType) -> None:
    """Make each mesh's active color attribute its render color too, which some exporters write.

    glTF's "active" vertex color is the render color (in 3.4 and 5.3 alike):
    when the colored attribute was made beside another one, the render
    color would still be the other. Called on the file about to be
    exported, never saved.
    """
    for mesh in bpy.data.meshes:
        if mesh.color_attributes.active_color is not None:
            mesh.color_attributes.render_color_index = mesh.color_attributes.active_color_index


def numpy_floats(n: int) -> Any:
    """An empty float32 array of ``n`` values."""
    import numpy

    return numpy.empty(n, numpy.float32)


def import_file(bpy: ModuleType, path: str, shown: str) -> None:
    """Read a non-.blend file into a new, empty main file, as Blender's importer builds it.

    The empty factory file makes the result independent of what was open
    before, so that a worker coloring file after file gives the same
    output as a fresh Blender. Importers run no scripts.
    """
    fmt = check_readable(bpy, path)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    if fmt.name == "glTF" and bpy.app.version < (3, 6, 0):
        _numpy_bool_alias()
    found = _find(bpy, fmt, "import")
    if found is None:  # check_readable said it was there
        raise FormatError(f"Cannot read '{shown}': {blender_version(bpy)} has no {fmt.name} importer")
    operator, function, rna = found
    objects_before = len(bpy.data.objects)
    try:
        result = function(filepath=path, **_supported(rna, operator.keywords))
    except RuntimeError as error:
        raise FormatError(f"Cannot read '{shown}': {_reason(error)}") from None
    if "FINISHED" not in result:
        raise FormatError(f"Cannot read '{shown}': the {fmt.name} importer gave up ({', '.join(result)})")
    if len(bpy.data.objects) == objects_before:
        raise FormatError(f"Cannot read '{shown}': the {fmt.name} importer found nothing in it")


def export_file(bpy: ModuleType, output: str) -> None:
    """Write the open file's scene to ``output`` in the format its extension names, atomically.

    The exporter writes into a new hidden folder inside OUTPUT's folder
    under OUTPUT's own file name, so that companion files (.bin of a .gltf,
    .mtl of an .obj) carry the right names; they are moved out first and
    OUTPUT last, each an atomic rename on the same file system. A failure
    removes the hidden folder and leaves OUTPUT as it was.
    """
    fmt = check_writable(bpy, output)
    found = _find(bpy, fmt, "export")
    if found is None:
        raise FormatError(f"Cannot write '{output}': {blender_version(bpy)} has no {fmt.name} exporter")
    operator, function, rna = found
    keywords = _supported(rna, operator.keywords)
    if operator.legacy_colors_keyword in keywords:
        _legacy_color_copies(bpy, to_points=operator.reads_point_colors)
    _render_the_active_colors(bpy)
    ext = extension_of(output)
    if fmt.name == "glTF" and "export_format" in rna.properties:
        keywords["export_format"] = "GLB" if ext == ".glb" else "GLTF_SEPARATE"
    folder = os.path.dirname(os.path.abspath(output))
    name = os.path.basename(output)
    try:
        staging = tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise FormatError(f"Cannot write to output folder '{folder}': {error.strerror}") from None
    try:
        staged = os.path.join(staging, name)
        try:
            result = function(filepath=staged, **keywords)
        except RuntimeError as error:
            raise FormatError(f"Cannot write '{output}': {_reason(error)}") from None
        if "FINISHED" not in result or not os.path.isfile(staged):
            raise FormatError(f"Cannot write '{output}': the {fmt.name} exporter wrote nothing")
        for companion in sorted(os.listdir(staging)):
            if companion != name:
                os.replace(os.path.join(staging, companion), os.path.join(folder, companion))
        os.replace(staged, os.path.join(folder, name))
    except OSError as error:
        raise FormatError(f"Cannot write '{output}': {error.strerror}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
