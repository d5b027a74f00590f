# SPDX-License-Identifier: GPL-3.0-or-later
r"""Headless command line: color the mesh objects of a .blend file and save the result.

    blender --background --factory-startup --python random_vertex_colors/__main__.py -- \\
        INPUT.blend --output OUTPUT.blend [options]
    python -m random_vertex_colors INPUT.blend --output OUTPUT.blend [options]

The first form runs in a Blender binary, the second in a Python with the
``bpy`` module. Both take the same arguments, print one line per object
colored, and write OUTPUT atomically: Blender saves a temporary file next to
it, which replaces OUTPUT only once it is complete. Scripts embedded in the
input file never run. The color options are made from ``options.py``, as the
redo panel's are, and checked there, with the same messages.

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
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from . import batch, coloring, formats
from .options import ColorError, ColorSettings, OptionSpec, default_of, option_specs
from .targets import why_object_is_skipped

if TYPE_CHECKING:
    from bpy.types import Object

PROG = "random_vertex_colors"

EXIT_OK = 0
EXIT_FAILED = 1  # coloring or saving failed; OUTPUT was not written
EXIT_BAD_INPUT = 2  # bad arguments or input; nothing was tried, nothing written

# An uncompressed .blend starts with "BLENDER"; a compressed one is gzip
# (before 3.0) or zstd (3.0 and later).
BLEND_SIGNATURES = (b"BLENDER", b"\x1f\x8b", b"\x28\xb5\x2f\xfd")


class CliError(Exception):
    """A refusal: the message names what is wrong, ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, raised instead of printed with the usage."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see --help)")


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None


def _help(name: str, spec: OptionSpec) -> str:
    """An option's help: the panel's tooltip, its values and default, and the mode it implies."""
    text = spec.description
    if spec.kind == "enum":
        text += ": " + "; ".join(f"{item[0]}, {item[2][0].lower()}{item[2][1:]}" for item in spec.items)
    default = default_of(name)
    if spec.kind == "range":
        text += f" (default {default[0]:g} {default[1]:g})"
    elif spec.kind == "factor":
        text += f" (default {default:g})"
    elif spec.kind in ("int", "enum", "channels"):
        text += f" (default {default})"
    if spec.modes:
        text += f"; implies --color-mode {spec.modes[0]}"
    return text.replace("%", "%%")


def shared_flags() -> dict[str, list[tuple[str, OptionSpec]]]:
    """Options that share one flag (``--jitter H S V``), by flag, in the order of their parts."""
    shared: dict[str, list[tuple[str, OptionSpec]]] = {}
    for name, spec in option_specs():
        if spec.part is not None:
            shared.setdefault(spec.flag, []).append((name, spec))
    return {flag: sorted(parts, key=lambda part: part[1].part or 0) for flag, parts in shared.items()}


def _flag_dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def add_setting_arguments(parser: argparse.ArgumentParser) -> None:
    """One argument per option of ``options.ColorSettings``; unset ones stay out of the namespace.

    Options that share a flag are one argument taking one number each
    (``--jitter H S V``), split back into their fields by ``color_settings``.
    """
    group = parser.add_argument_group(
        "colors", "The redo panel's options. A mesh shared by several objects is colored once."
    )
    shared = shared_flags()
    for name, spec in option_specs():
        if spec.part is not None:
            if spec.part == 0:
                parts = shared[spec.flag]
                text = "; ".join(
                    f"{part_spec.metavar}: {part_spec.description} (default {default_of(part_name):g})"
                    for part_name, part_spec in parts
                )
                if spec.modes:
                    text = (text + f"; implies --color-mode {spec.modes[0]}").replace("%", "%%")
                group.add_argument(
                    spec.flag, dest=_flag_dest(spec.flag), default=argparse.SUPPRESS, help=text,
                    nargs=len(parts), type=_number, metavar=tuple(part[1].metavar or "X" for part in parts),
                )
            continue
        keywords: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": _help(name, spec)}
        if spec.kind == "factor":
            group.add_argument(spec.flag, type=_number, metavar=spec.metavar, **keywords)
        elif spec.kind == "bool":
            group.add_argument(spec.flag, action="store_const", const=True, **keywords)
        elif spec.kind == "range":
            group.add_argument(spec.flag, nargs=2, type=_number, metavar=("MIN", "MAX"), **keywords)
        elif spec.kind == "int":
            group.add_argument(spec.flag, type=_whole_number, metavar=spec.metavar, **keywords)
        else:
            group.add_argument(spec.flag, metavar=spec.metavar, **keywords)


def build_parser() -> argparse.ArgumentParser:
    """The command line's arguments: files and objects here, colors from the option specs."""
    parser = _Parser(
        prog=PROG,
        description=(
            "Give the mesh objects of a .blend file random colors in a face-corner (or, with "
            "--domain POINT, point) color attribute and save the result. Run it in a Blender binary, "
            "'blender --background --factory-startup --python random_vertex_colors/__main__.py "
            "-- INPUT.blend --output OUTPUT.blend', or with the bpy module, "
            "'python -m random_vertex_colors INPUT.blend --output OUTPUT.blend'."
        ),
        epilog=(
            "Scripts embedded in INPUT never run. OUTPUT is written atomically: it is either "
            "the complete new file or left as it was. Exit status: 0 done; 1 coloring or saving "
            "failed; 2 bad arguments or input, nothing tried. Either way nothing is written "
            "unless the status is 0."
        ),
    )
    parser.add_argument(
        "input", metavar="INPUT", nargs="*",
        help="the files to color (.blend, .glb, .gltf, .fbx, .obj, .ply, .usd, .usdc, .usda), or "
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
        help="color every INPUT into DIR under its own file name (created if missing)",
    )
    parser.add_argument(
        "--objects", nargs="+", metavar="NAME",
        help="the mesh objects to color (default: every mesh object in the file); "
        "a name not in the file is an error",
    )
    add_setting_arguments(parser)
    batch.add_arguments(parser)
    return parser


def color_settings(args: argparse.Namespace) -> ColorSettings:
    """The ColorSettings the options ask for; unset options keep the defaults.

    An option that belongs to one color mode chooses it when ``--color-mode``
    is not given, and is refused with another mode. Values are checked by
    ``ColorSettings``, with the messages the redo panel gives.
    """
    given = {name: getattr(args, name) for name, _spec in option_specs() if hasattr(args, name)}
    for flag, parts in shared_flags().items():
        if hasattr(args, _flag_dest(flag)):
            given.update(zip((name for name, _spec in parts), getattr(args, _flag_dest(flag)), strict=True))
    for name, spec in option_specs():
        if name in given and spec.modes:
            mode = spec.modes[0]
            chosen = str(given.setdefault("color_mode", mode)).upper()
            if chosen not in spec.modes:
                raise CliError(f"argument {spec.flag} applies to --color-mode {mode}, not {chosen}")
    try:
        return ColorSettings.from_values(given)
    except ColorError as error:
        raise CliError(str(error)) from None


def check_input(path: str) -> None:
    """Refuse a path that is missing, unreadable, of no known format or a fake .blend, without loading it."""
    if not os.path.exists(path):
        raise CliError(f"Input file '{path}' does not exist")
    if os.path.isdir(path):
        raise CliError(f"Input '{path}' is a folder, not a file")
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError as error:
        raise CliError(f"Cannot read input file '{path}': {error.strerror}") from None
    fmt = formats.format_of(path)
    if (fmt is None or fmt.name == "Blender") and not head.startswith(BLEND_SIGNATURES):
        raise CliError(f"Input file '{path}' is not a .blend file")


def check_output_format(output: str) -> None:
    """Refuse an OUTPUT whose extension names no format this tool writes."""
    if formats.format_of(output) is None:
        raise CliError(
            f"Output '{output}': '{formats.extension_of(output) or '(no extension)'}' is not a "
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
        raise CliError(f"Output '{output}' is the input file; pass --in-place to overwrite it")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise CliError(f"Output folder '{folder}' does not exist")
    if os.path.isdir(output):
        raise CliError(f"Output '{output}' is a folder, not a file name")
    try:
        prefix = f".{os.path.basename(output)}."
        handle, staged = tempfile.mkstemp(prefix=prefix, suffix=".tmp.blend", dir=folder)
    except OSError as error:
        raise CliError(f"Cannot write to output folder '{folder}': {error.strerror}") from None
    os.close(handle)
    os.remove(staged)
    return staged


def import_bpy() -> ModuleType:
    """The ``bpy`` module, or CliError saying how to run the command line where there is one."""
    try:
        import bpy
    except ImportError:
        raise CliError(
            f"This Python ({sys.executable}) cannot import bpy: run with a Blender binary "
            "(blender --background --factory-startup --python random_vertex_colors/__main__.py -- ...) "
            "or install the bpy module"
        ) from None
    return bpy


def open_blend(bpy: ModuleType, path: str, shown: str) -> None:
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
        raise CliError(f"Cannot open '{shown}': {blender_reason(error)}") from None
    finally:
        filepaths.use_scripts_auto_execute = user_choice


def blender_reason(error: RuntimeError) -> str:
    """The last, most specific part of an operator's error report, on one line.

    "Error: Loading 'x' failed: Failed to read blend file 'x': Missing DNA block" -> "Missing DNA block".
    """
    return str(error).strip().splitlines()[-1].removeprefix("Error: ").rsplit(": ", 1)[-1]


def choose_objects(bpy: ModuleType, names: list[str] | None, input_path: str) -> list[Object]:
    """The mesh objects to color: the named ones, or every mesh object in the file.

    Named objects must exist, be meshes and be editable. Without names,
    linked (library) meshes are skipped with a warning by ``prepare_run``.
    """
    if names is None:
        objects = [ob for ob in bpy.data.objects if ob.type == 'MESH']
        if not objects:
            raise CliError(f"'{input_path}' has no mesh objects")
        return objects
    names = list(dict.fromkeys(names))
    missing = [name for name in names if bpy.data.objects.get(name) is None]
    if missing:
        listed = ", ".join(f"'{name}'" for name in missing)
        raise CliError(f"No object named {listed} in '{input_path}': check --objects")
    objects = [bpy.data.objects[name] for name in names]
    for ob in objects:
        if ob.type != 'MESH':
            raise CliError(f"Object '{ob.name}' is a {ob.type} object, not a mesh: check --objects")
        reason = why_object_is_skipped(ob)
        if reason is not None:
            raise CliError(f"Object '{ob.name}' cannot be changed: {reason}")
    return objects


def prepare(bpy: ModuleType, objects: list[Object], settings: ColorSettings, input_path: str) -> coloring.Run:
    """``coloring.prepare_run`` with the file's palettes; refusals become exit status 2."""
    paint = bpy.context.scene.tool_settings.vertex_paint
    try:
        run = coloring.prepare_run(objects, settings, bpy.data.palettes, paint.palette if paint else None)
    except ColorError as error:
        raise CliError(f"{error} (in '{input_path}')") from None
    for reason in run.skipped:
        warn(f"skipped object {reason}")
    if not run.targets:
        raise CliError(f"'{input_path}' has no mesh objects that can be edited")
    return run


def report_lines(outcomes: list[coloring.Outcome], named: bool) -> tuple[list[str], int]:
    """One line per object colored, and the faces colored.

    A mesh that could not be colored fails the run when its objects were
    named, and is skipped with a warning otherwise; nothing is saved yet, so
    a failure part way loses nothing.
    """
    lines, problems, total_faces = [], [], 0
    for outcome in outcomes:
        users = outcome.target.objects
        if outcome.result is None:
            if named:
                raise CliError(f"Object '{users[0].name}': {outcome.error}", EXIT_FAILED)
            warn(f"skipped object '{users[0].name}': {outcome.error}")
            problems.append(str(outcome.error))
            continue
        result = outcome.result
        total_faces += result.changed_faces
        faces = f"{result.changed_faces} faces"
        if result.changed_faces != result.faces:
            faces = f"{result.changed_faces} of {result.faces} faces"
        attribute = f"attribute '{result.attribute}'"
        notes = "".join(f", {note}" for note in result.notes)
        took = f"{result.seconds * 1000:.1f} ms"
        lines.append(f"colored '{users[0].name}': {faces}, {attribute}, {took}{notes}")
        lines.extend(
            f"colored '{other.name}': {faces}, {attribute}, "
            f"mesh '{outcome.target.mesh.name}' shared with '{users[0].name}'"
            for other in users[1:]
        )
    if not lines:
        raise CliError("Nothing colored: " + "; ".join(problems), EXIT_FAILED)
    return lines, total_faces


def save_atomically(bpy: ModuleType, staged: str, output: str, keep_mode_of: str | None) -> None:
    """Save a copy of the open file to ``staged``, then rename it over ``output``."""
    try:
        bpy.ops.wm.save_as_mainfile(filepath=staged, copy=True, check_existing=False)
    except RuntimeError as error:
        raise CliError(f"Cannot save '{output}': {blender_reason(error)}", EXIT_FAILED) from None
    if not os.path.isfile(staged):
        raise CliError(f"Cannot save '{output}': Blender wrote nothing", EXIT_FAILED)
    try:
        if keep_mode_of is not None:
            os.chmod(staged, os.stat(keep_mode_of).st_mode & 0o7777)
        os.replace(staged, output)
    except OSError as error:
        raise CliError(f"Cannot write '{output}': {error.strerror}", EXIT_FAILED) from None


def remove_leftovers(staged: str) -> None:
    """Remove the temporary files a failed save may leave: Blender saves to "<name>@" and renames."""
    for path in (staged, staged + "@"):
        if os.path.exists(path):
            os.remove(path)


def warn(message: str) -> None:
    """Print a warning line on stderr."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


@dataclasses.dataclass
class FileResult:
    """What coloring one file did: a line per object, and the totals."""

    output: str
    lines: list[str]
    objects: int
    faces: int
    seconds: float


def load_file(bpy: ModuleType, path: str, shown: str) -> None:
    """Make ``path`` the open file: a .blend opened, any other format imported into an empty file."""
    fmt = formats.format_of(path)
    if fmt is None or fmt.name == "Blender":
        open_blend(bpy, os.path.abspath(path), shown)
        return
    try:
        formats.import_file(bpy, os.path.abspath(path), shown)
    except formats.FormatError as error:
        raise CliError(str(error)) from None


def save_file(bpy: ModuleType, staged: str, output: str, keep_mode_of: str | None) -> None:
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
    """Color one file: check it, open or import it, color its meshes and write ``output``.

    The one-file command line and each batch worker call this. ``output``
    may be None with ``in_place``. Raises CliError (code 2: refused before
    anything was tried; 1: failed after loading); OUTPUT is then unchanged.
    """
    check_input(input_path)
    # In place through a symbolic link: replace the file it points to, not the link.
    if in_place or output is None:
        output = os.path.realpath(input_path)
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
        prepared = prepare(bpy, objects, settings, input_path)
        lines, faces = report_lines(coloring.color_run(prepared), named=object_names is not None)
        save_file(bpy, staged, output, keep_mode_of=input_path if in_place else None)
    finally:
        remove_leftovers(staged)
    return FileResult(output, lines, len(lines), faces, time.perf_counter() - started)


def run(argv: list[str]) -> int:
    """Color the files ``argv`` asks for; return the exit status or raise CliError."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_OK
    settings = color_settings(args)
    if batch.is_batch(args):
        return batch.run(args, argv)
    if not args.input:
        raise CliError("No INPUT given (see --help)")
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
