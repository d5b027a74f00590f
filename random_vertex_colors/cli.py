# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless command line: colour the mesh objects of a .blend file and save the result.

    blender --background --factory-startup --python random_vertex_colors/__main__.py -- \\
        INPUT.blend --output OUTPUT.blend [options]
    python -m random_vertex_colors INPUT.blend --output OUTPUT.blend [options]

The first form runs in a Blender binary, the second in a Python with the
``bpy`` module. Both take the same arguments, print one line per object
coloured, and write OUTPUT atomically: Blender saves a temporary file next to
it, which replaces OUTPUT only once it is complete. Scripts embedded in the
input file never run.

This module imports ``bpy`` only once the arguments and files have been
checked, so ``--help`` and argument errors work in any Python.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
import traceback

from . import batch, formats, mesh_colors
from .mesh_colors import ColorError, ColorSettings

PROG = "random_vertex_colors"

EXIT_OK = 0
EXIT_FAILED = 1  # colouring or saving failed; OUTPUT was not written
EXIT_BAD_INPUT = 2  # bad arguments or input; nothing was tried, nothing written

GRANULARITIES = mesh_colors.GRANULARITIES
COLOR_MODES = mesh_colors.COLOR_MODES

# The operator's seed is a 32-bit IntProperty: the same range here, so any
# seed used on the command line can be typed into the redo panel too.
SEED_MIN, SEED_MAX = -(2**31), 2**31 - 1

# An uncompressed .blend starts with "BLENDER"; a compressed one is gzip
# (before 3.0) or zstd (3.0 and later).
BLEND_SIGNATURES = (b"BLENDER", b"\x1f\x8b", b"\x28\xb5\x2f\xfd")

# ColorSettings field -> the option that sets it.
SETTING_OPTIONS = {
    "seed": "--seed",
    "granularity": "--granularity",
    "color_mode": "--color-mode",
    "hue_range": "--hue-range",
    "saturation_range": "--saturation-range",
    "value_range": "--value-range",
    "palette_name": "--palette",
    "random_alpha": "--random-alpha",
    "attribute_name": "--attribute",
    "only_selected": "--only-selected",
}
# Options that only mean something in one colour mode; given without
# --color-mode they choose that mode.
MODE_OPTIONS = {
    "hue_range": "HSV",
    "saturation_range": "HSV",
    "value_range": "HSV",
    "palette_name": "PALETTE",
}


class CliError(Exception):
    """A refusal: the message names what is wrong, ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed with the usage."""

    def error(self, message: str):
        raise CliError(f"{message} (see --help)")


def _setting_default(name: str):
    for field in dataclasses.fields(ColorSettings):
        if field.name == name:
            return field.default
    return None


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not SEED_MIN <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{text} is outside {SEED_MIN}..{SEED_MAX}")
    return value


def _unit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is outside 0..1")
    return value


def _choice(choices):
    def parse(text: str) -> str:
        value = text.upper()
        if value not in choices:
            raise argparse.ArgumentTypeError(f"'{text}' is not one of {', '.join(choices)}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Give the mesh objects of a .blend file random colours in a face-corner colour "
            "attribute and save the result. Run it in a Blender binary, "
            "'blender --background --factory-startup --python random_vertex_colors/__main__.py "
            "-- INPUT.blend --output OUTPUT.blend', or with the bpy module, "
            "'python -m random_vertex_colors INPUT.blend --output OUTPUT.blend'."
        ),
        epilog=(
            "Scripts embedded in INPUT never run. OUTPUT is written atomically: it is either "
            "the complete new file or left as it was. Exit status: 0 done; 1 colouring or saving "
            "failed; 2 bad arguments or input, nothing tried. Either way nothing is written "
            "unless the status is 0."
        ),
    )
    parser.add_argument(
        "input", metavar="INPUT", nargs="*",
        help="the files to colour (.blend, .glb, .gltf, .fbx, .obj, .ply, .usd, .usdc, .usda), or "
        "folders of them; read, not changed. Several inputs or folders need --output-dir",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "-o", "--output", metavar="OUTPUT",
        help="the file to write, in the format its extension names (replaced if it exists; "
        "its folder must exist)",
    )
    where.add_argument(
        "--in-place", action="store_true",
        help="write the result back to each INPUT instead of to a new file",
    )
    where.add_argument(
        "--output-dir", metavar="DIR",
        help="colour every INPUT into DIR under its own file name (created if missing)",
    )
    parser.add_argument(
        "--objects", nargs="+", metavar="NAME",
        help="the mesh objects to colour (default: every mesh object in the file); "
        "a name not in the file is an error",
    )

    settings = parser.add_argument_group(
        "colours", "The operator's options. A mesh shared by several objects is coloured once."
    )
    default = argparse.SUPPRESS  # unset options take ColorSettings' defaults
    settings.add_argument(
        "--seed", type=_seed, default=default, metavar="INT",
        help=f"seed for the random colours (default {_setting_default('seed')}); "
        "each mesh mixes in its own name so meshes differ; the same seed gives the same colours",
    )
    settings.add_argument(
        "--granularity", type=_choice(GRANULARITIES), default=default, metavar="WHAT",
        help=f"what shares one colour, one of {', '.join(GRANULARITIES)} (default FACE): a face, "
        "faces connected through vertices, a UV island, a sculpt face set, an object, a material "
        "(one colour on every mesh), or a vertex",
    )
    settings.add_argument(
        "--color-mode", type=_choice(COLOR_MODES), default=default, metavar="MODE",
        help=f"how colours are drawn, one of {', '.join(COLOR_MODES)} (default RGB): uniform RGB, "
        "within the HSV ranges, from a palette, grays, or as far apart as possible (for ID maps)",
    )
    for name, what in (("hue", "hue, each in 0..1; a MIN above MAX wraps through red"),
                       ("saturation", "saturation, each in 0..1"),
                       ("value", "value (brightness), each in 0..1")):
        settings.add_argument(
            f"--{name}-range", nargs=2, type=_unit, default=default, metavar=("MIN", "MAX"),
            help=f"HSV mode: range of the {what} (default 0 1; implies --color-mode HSV)",
        )
    settings.add_argument(
        "--palette", dest="palette_name", default=default, metavar="NAME",
        help="PALETTE mode: the palette in INPUT to take colours from (default: the Vertex Paint "
        "tool's palette; implies --color-mode PALETTE)",
    )
    settings.add_argument(
        "--random-alpha", action="store_const", const=True, default=default,
        help="random alpha too (default: opaque)",
    )
    settings.add_argument(
        "--attribute", dest="attribute_name", default=default, metavar="NAME",
        help="face-corner colour attribute to write (default: the active colour attribute if it is on "
        "face corners, else a new one named \"Color\")",
    )
    settings.add_argument(
        "--only-selected", action="store_const", const=True, default=default,
        help="change only the faces selected in the file (the Edit Mode selection it was saved with)",
    )
    batch.add_arguments(parser)
    return parser


def color_settings(args: argparse.Namespace) -> ColorSettings:
    """The ColorSettings the options ask for; unset options keep ColorSettings' defaults.

    Raises CliError for an inconsistent combination and for values
    ColorSettings refuses.
    """
    given = {name: getattr(args, name) for name in SETTING_OPTIONS if hasattr(args, name)}
    for name in ("saturation_range", "value_range"):
        if name in given and given[name][0] > given[name][1]:
            low, high = given[name]
            raise CliError(f"argument {SETTING_OPTIONS[name]}: MIN {low:g} is above MAX {high:g}")
    for name, mode in MODE_OPTIONS.items():
        if name in given:
            chosen = given.setdefault("color_mode", mode)
            if chosen != mode:
                option = SETTING_OPTIONS[name]
                raise CliError(f"argument {option} applies to --color-mode {mode}, not {chosen}")
    values = {name: tuple(value) if isinstance(value, list) else value for name, value in given.items()}
    try:
        return ColorSettings(**values)
    except ColorError as error:
        raise CliError(str(error)) from None


def check_input(path: str) -> None:
    """Refuse a path that is missing, unreadable, of no known format or a fake .blend, without loading it."""
    if not os.path.exists(path):
        raise CliError(f"input file '{path}' does not exist")
    if os.path.isdir(path):
        raise CliError(f"input '{path}' is a folder, not a file")
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError as error:
        raise CliError(f"cannot read input file '{path}': {error.strerror}") from None
    fmt = formats.format_of(path)
    if fmt is None or fmt.name == "Blender":
        if not head.startswith(BLEND_SIGNATURES):
            raise CliError(f"input file '{path}' is not a .blend file")


def check_output_format(output: str) -> None:
    if formats.format_of(output) is None:
        raise CliError(
            f"--output '{output}': '{formats.extension_of(output) or '(no extension)'}' is not a "
            f"format this tool writes ({', '.join(formats.EXTENSIONS)})"
        )


def staging_path(output: str, input_path: str, in_place: bool) -> str:
    """Check where OUTPUT goes and return a free temporary name next to it.

    The temporary file lies in OUTPUT's own folder, so that Blender remaps
    relative paths (textures, libraries) for the right folder and
    ``os.replace`` is an atomic rename. It is created here to prove the folder
    writable, then removed: Blender makes a ``.blend1`` backup of a file that
    exists, and the name should not exist when Blender saves.
    """
    if not in_place and os.path.exists(output) and os.path.samefile(output, input_path):
        raise CliError(f"--output '{output}' is the input file; pass --in-place to overwrite it")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise CliError(f"output folder '{folder}' does not exist")
    if os.path.isdir(output):
        raise CliError(f"output '{output}' is a folder, not a file name")
    try:
        prefix = f".{os.path.basename(output)}."
        handle, staged = tempfile.mkstemp(prefix=prefix, suffix=".tmp.blend", dir=folder)
    except OSError as error:
        raise CliError(f"cannot write to output folder '{folder}': {error.strerror}") from None
    os.close(handle)
    os.remove(staged)
    return staged


def import_bpy():
    try:
        import bpy
    except ImportError:
        raise CliError(
            f"this Python ({sys.executable}) cannot import bpy: run with a Blender binary "
            "(blender --background --factory-startup --python random_vertex_colors/__main__.py -- ...) "
            "or install the bpy module"
        ) from None
    return bpy


def open_blend(bpy, path: str, shown: str) -> None:
    """Open ``path`` as the main file with every kind of script auto-run off.

    ``use_scripts=False`` is what keeps the file's registered text blocks
    and Python drivers from running; the preference is switched off too, in
    case a later step reads it, and restored so it is never saved changed.
    """
    filepaths = bpy.context.preferences.filepaths
    user_choice = filepaths.use_scripts_auto_execute
    filepaths.use_scripts_auto_execute = False
    try:
        bpy.ops.wm.open_mainfile(filepath=path, load_ui=False, use_scripts=False)
    except RuntimeError as error:
        raise CliError(f"cannot open '{shown}': {blender_reason(error)}") from None
    finally:
        filepaths.use_scripts_auto_execute = user_choice


def blender_reason(error: RuntimeError) -> str:
    """The last, most specific part of an operator's error report, on one line.

    "Error: Loading 'x' failed: Failed to read blend file 'x': Missing DNA block" -> "Missing DNA block".
    """
    return str(error).strip().splitlines()[-1].removeprefix("Error: ").rsplit(": ", 1)[-1]


def choose_objects(bpy, names: list[str] | None, input_path: str) -> list:
    """The mesh objects to colour: the named ones, or every local mesh object.

    Named objects must exist, be meshes and be editable. Without names,
    linked (library) meshes are skipped with a warning, as the operator does.
    """
    if names is None:
        objects = [ob for ob in bpy.data.objects if ob.type == 'MESH']
        reasons = {ob.name: mesh_colors.why_object_is_skipped(ob) for ob in objects}
        for name, reason in reasons.items():
            if reason is not None:
                warn(f"skipped object '{name}': {reason}")
        objects = [ob for ob in objects if reasons[ob.name] is None]
        if not objects:
            raise CliError(f"'{input_path}' has no mesh objects that can be edited")
        return objects
    names = list(dict.fromkeys(names))
    missing = [name for name in names if bpy.data.objects.get(name) is None]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        raise CliError(f"no object named {listed} in '{input_path}'")
    objects = [bpy.data.objects[name] for name in names]
    for ob in objects:
        if ob.type != 'MESH':
            raise CliError(f"object '{ob.name}' is a {ob.type} object, not a mesh")
        reason = mesh_colors.why_object_is_skipped(ob)
        if reason is not None:
            raise CliError(f"object '{ob.name}' cannot be changed: {reason}")
    return objects


def group_by_mesh(objects) -> list[tuple]:
    """``(mesh, objects)`` pairs, a mesh shared by several objects once, sorted by mesh name."""
    groups: dict[int, tuple] = {}
    for ob in objects:
        groups.setdefault(ob.data.as_pointer(), (ob.data, []))[1].append(ob)
    return sorted(
        ((mesh, sorted(users, key=lambda ob: ob.name_full)) for mesh, users in groups.values()),
        key=lambda pair: pair[0].name_full,
    )


def color_keywords(bpy, groups, settings: ColorSettings, input_path: str) -> dict:
    """Keyword arguments for ``color_mesh`` shared by every mesh of the run.

    The palette (the named one, else the file's Vertex Paint palette, as the
    operator does) and the object and material colours, shaped over the whole
    run as the operator shapes them over its selection.
    """
    paint = bpy.context.scene.tool_settings.vertex_paint
    try:
        palette = mesh_colors.resolve_palette(settings, bpy.data.palettes, paint.palette if paint else None)
        keys = [
            key
            for mesh, users in groups
            for key in mesh_colors.shared_keys(mesh, settings, users[0].name_full)
        ]
        shared = mesh_colors.shared_colors(keys, settings, palette)
    except ColorError as error:
        raise CliError(f"{error} (in '{input_path}')") from None
    return {"palette": palette, "shared": shared}


def color_objects(groups, settings: ColorSettings, keywords: dict, named: bool) -> tuple[list[str], int]:
    """Colour each mesh once; return one report line per object and the faces coloured.

    A mesh that cannot be coloured fails the run when its objects were
    named, and is skipped with a warning otherwise; nothing is saved yet, so
    a failure part way loses nothing.
    """
    lines, problems, total_faces = [], [], 0
    for mesh, users in groups:
        started = time.perf_counter()
        try:
            result = mesh_colors.color_mesh(mesh, settings, object_name=users[0].name_full, **keywords)
        except ColorError as error:
            if named:
                raise CliError(f"object '{users[0].name}': {error}", EXIT_FAILED) from None
            warn(f"skipped object '{users[0].name}': {error}")
            problems.append(str(error))
            continue
        milliseconds = (time.perf_counter() - started) * 1000
        total_faces += result.changed_faces
        faces = f"{result.changed_faces} faces"
        if result.changed_faces != result.faces:
            faces = f"{result.changed_faces} of {result.faces} faces"
        attribute = f"attribute '{result.attribute}'"
        lines.append(f"coloured '{users[0].name}': {faces}, {attribute}, {milliseconds:.1f} ms")
        for other in users[1:]:
            lines.append(
                f"coloured '{other.name}': {faces}, {attribute}, "
                f"mesh '{mesh.name}' shared with '{users[0].name}'"
            )
    if not lines:
        raise CliError("nothing coloured: " + "; ".join(problems), EXIT_FAILED)
    return lines, total_faces


def save_atomically(bpy, staged: str, output: str, keep_mode_of: str | None) -> None:
    """Save a copy of the open file to ``staged``, then rename it over ``output``."""
    try:
        bpy.ops.wm.save_as_mainfile(filepath=staged, copy=True, check_existing=False)
    except RuntimeError as error:
        raise CliError(f"cannot save '{output}': {blender_reason(error)}", EXIT_FAILED) from None
    if not os.path.isfile(staged):
        raise CliError(f"cannot save '{output}': Blender wrote nothing", EXIT_FAILED)
    try:
        if keep_mode_of is not None:
            os.chmod(staged, os.stat(keep_mode_of).st_mode & 0o7777)
        os.replace(staged, output)
    except OSError as error:
        raise CliError(f"cannot write '{output}': {error.strerror}", EXIT_FAILED) from None


def remove_leftovers(staged: str) -> None:
    # Blender saves to "<name>@" and renames; either may be left by a failure.
    for path in (staged, staged + "@"):
        if os.path.exists(path):
            os.remove(path)


def warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


@dataclasses.dataclass
class FileResult:
    """What colouring one file did: a line per object, and the totals."""

    output: str
    lines: list[str]
    objects: int
    faces: int
    seconds: float


def load_file(bpy, path: str, shown: str) -> None:
    """Make ``path`` the open file: a .blend opened, any other format imported into an empty file."""
    fmt = formats.format_of(path)
    if fmt is None or fmt.name == "Blender":
        open_blend(bpy, os.path.abspath(path), shown)
        return
    try:
        formats.import_file(bpy, os.path.abspath(path), shown)
    except formats.FormatError as error:
        raise CliError(str(error)) from None


def save_file(bpy, staged: str, output: str, keep_mode_of: str | None) -> None:
    """Write the open file to ``output`` atomically, in the format its extension names."""
    fmt = formats.format_of(output)
    if fmt is None or fmt.name == "Blender":
        save_atomically(bpy, staged, output, keep_mode_of)
        return
    try:
        formats.export_file(bpy, output)
        if keep_mode_of is not None:
            os.chmod(output, os.stat(keep_mode_of).st_mode & 0o7777)
    except formats.FormatError as error:
        raise CliError(str(error), EXIT_FAILED) from None


def color_file(
    input_path: str,
    output: str | None,
    settings: ColorSettings,
    object_names: list[str] | None = None,
    in_place: bool = False,
) -> FileResult:
    """Colour one file: check it, open or import it, colour its meshes and write ``output``.

    The one-file command line and each batch worker call this. ``output``
    may be None with ``in_place``. Raises CliError (code 2: refused before
    anything was tried; 1: failed after loading); OUTPUT is then unchanged.
    """
    check_input(input_path)
    # In place through a symbolic link: replace the file it points to, not the link.
    output = os.path.realpath(input_path) if in_place else output
    check_output_format(output)
    staged = staging_path(output, input_path, in_place)

    bpy = import_bpy()
    for path, check in ((input_path, formats.check_readable), (output, formats.check_writable)):
        try:
            check(bpy, path)
        except formats.FormatError as error:
            raise CliError(str(error)) from None
    started = time.perf_counter()
    try:
        load_file(bpy, input_path, input_path)
        objects = choose_objects(bpy, object_names, input_path)
        groups = group_by_mesh(objects)
        try:
            for mesh, _users in groups:
                mesh_colors.check_attribute(mesh, settings.attribute_name)
        except ColorError as error:
            raise CliError(str(error)) from None
        keywords = color_keywords(bpy, groups, settings, input_path)
        lines, faces = color_objects(groups, settings, keywords, named=object_names is not None)
        save_file(bpy, staged, output, keep_mode_of=input_path if in_place else None)
    finally:
        remove_leftovers(staged)
    return FileResult(output, lines, len(lines), faces, time.perf_counter() - started)


def run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_OK
    settings = color_settings(args)
    if batch.is_batch(args):
        return batch.run(args, argv)
    if not args.input:
        raise CliError("no INPUT given (see --help)")
    result = color_file(args.input[0], args.output, settings, args.objects, args.in_place)
    for line in result.lines:
        print(line)
    objects_done = f"{result.objects} object{'s' if result.objects != 1 else ''}"
    print(f"saved '{result.output}': {objects_done}, {result.faces} faces, {result.seconds:.2f} s")
    return EXIT_OK


def main(argv: list[str]) -> int:
    """Run the command line on ``argv`` (the arguments only); return the exit status."""
    try:
        if argv[:1] == [batch.WORKER_FLAG]:
            return batch.serve(argv[1:])
        return run(argv)
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.code
    except Exception:  # a bug, not bad input: show where, and still fail
        traceback.print_exc()
        print(f"{PROG}: error: internal error, please report it with the traceback above", file=sys.stderr)
        return EXIT_FAILED


def program_arguments(argv: list[str], in_blender_binary: bool) -> list[str]:
    """The arguments meant for us: after ``--`` in a Blender binary, else all but the program."""
    if in_blender_binary:
        return argv[argv.index("--") + 1:] if "--" in argv else []
    return argv[1:]


def in_blender_binary() -> bool:
    """True inside a Blender binary, False in the bpy module or plain Python."""
    bpy = sys.modules.get("bpy")
    return bpy is not None and bool(bpy.app.binary_path)


def exit_with(code: int) -> None:
    """Leave with ``code``.

    The bpy module (4.2 at least) can crash while the interpreter shuts
    down, which would turn a success into a failure; once the file is
    written there is nothing left to finalize, so the module leaves at once.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    bpy = sys.modules.get("bpy")
    if bpy is not None and not bpy.app.binary_path:
        os._exit(code)
    sys.exit(code)
