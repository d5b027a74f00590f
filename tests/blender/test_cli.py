# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line, run for real as a subprocess of the Blender under test.

Inside a Blender binary the command is that binary with ``--python
random_vertex_colors/__main__.py``; inside the bpy module it is ``python -m
random_vertex_colors`` with the same Python. Inputs are built and outputs
read back in this Blender, since older Blenders cannot read newer files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import types

import bpy
import numpy as np
import pytest
from meshes import face_colors, grid, select_only

from random_vertex_colors import cli
from random_vertex_colors.mesh_colors import ColorSettings

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAIN = ROOT / "random_vertex_colors" / "__main__.py"
IN_BINARY = bool(bpy.app.binary_path)
LINE = re.compile(
    r"^coloured '(?P<name>[^']+)': (?P<faces>\d+)(?: of \d+)? faces, attribute '(?P<attr>[^']+)'"
)


@dataclasses.dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def coloured(self) -> dict[str, tuple[int, str]]:
        """Object name -> (faces, attribute), from the per-object lines."""
        found = {}
        for line in self.stdout.splitlines():
            match = LINE.match(line)
            if match:
                found[match["name"]] = (int(match["faces"]), match["attr"])
        return found


def isolated_env(home: pathlib.Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["BLENDER_USER_RESOURCES"] = str(home / "blender-user")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if IN_BINARY:
        # Debian's Blender finds its stdlib through the first python3 on PATH (tests/run_blender.py).
        binary_folder = os.path.dirname(os.path.realpath(bpy.app.binary_path))
        env["PATH"] = os.pathsep.join([binary_folder, "/usr/bin", env.get("PATH", "")])
    else:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_blender(arguments, home, script=None, factory_startup=True) -> Run:
    """Run the command line (or ``script``, Python source) in a new process of this Blender."""
    if IN_BINARY:
        command = [bpy.app.binary_path, "--background"]
        if factory_startup:
            command.append("--factory-startup")
        if script is None:
            command += ["--python", str(MAIN), "--", *map(str, arguments)]
        else:
            command += ["--python-exit-code", "1", "--python-expr", script, "--", *map(str, arguments)]
    elif script is None:
        command = [sys.executable, "-m", "random_vertex_colors", *map(str, arguments)]
    else:
        # The bpy module may crash while shutting down (4.2): leave at once.
        script += "\nimport os, sys; sys.stdout.flush(); os._exit(0)"
        command = [sys.executable, "-c", script, *map(str, arguments)]
    home.mkdir(exist_ok=True)
    done = subprocess.run(
        command, capture_output=True, text=True, env=isolated_env(home), cwd=home, timeout=300
    )
    return Run(done.returncode, done.stdout, done.stderr)


def run_cli(*arguments, home, factory_startup=True) -> Run:
    return run_blender(arguments, home, factory_startup=factory_startup)


# Scripts run by run_blender: the arguments come after "--" (binary) or the script (module).
SCRIPT_ARGS = "import sys; args = sys.argv[sys.argv.index('--') + 1:] if '--' in sys.argv else sys.argv[1:]\n"
OPEN_WITH_SCRIPTS = SCRIPT_ARGS + (
    "import bpy; bpy.ops.wm.open_mainfile(filepath=args[0], load_ui=False, use_scripts=True)"
)
OPEN_AS_PREFERENCES_SAY = SCRIPT_ARGS + (
    "import bpy; bpy.ops.wm.open_mainfile(filepath=args[0], load_ui=False)"
)
ALLOW_AUTO_RUN = (
    "import bpy; bpy.context.preferences.filepaths.use_scripts_auto_execute = True; "
    "bpy.ops.wm.save_userpref()"
)


def sha256(path) -> str:
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


@dataclasses.dataclass
class SceneFile:
    path: pathlib.Path
    marker: pathlib.Path  # written by the file's auto-run script, if it ever runs
    faces: dict[str, int]


@pytest.fixture(scope="module")
def scene_file(addon, tmp_path_factory) -> SceneFile:
    """Meshes A (also used by object A.shared) and B, a mesh with no faces, a camera, a palette,
    and a script registered to run on load."""
    folder = tmp_path_factory.mktemp("cli-input")
    marker = folder / "script-ran"
    if bpy.context.object is not None and bpy.context.object.mode != 'OBJECT':
        bpy.ops.object.mode_set(mode='OBJECT')
    bpy.ops.wm.read_factory_settings(use_empty=True)
    a = grid(4, 4, name="A")
    b = grid(3, 5, name="B")
    b.data.attributes.new("ids", 'INT', 'FACE')
    shared = bpy.data.objects.new("A.shared", a.data)
    bpy.context.scene.collection.objects.link(shared)
    hollow = bpy.data.objects.new("Hollow", bpy.data.meshes.new("Hollow"))
    bpy.context.scene.collection.objects.link(hollow)
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    bpy.context.scene.collection.objects.link(camera)
    palette = bpy.data.palettes.new("Brand")
    for color in ((1.0, 0.0, 0.0), (0.0, 0.5, 0.0), (0.0, 0.0, 1.0)):
        palette.colors.new().color = color
    script = bpy.data.texts.new("autorun.py")
    script.write(f"open({str(marker)!r}, 'w').write('ran')\n")
    script.use_module = True  # "Register": runs when the file is loaded with scripts allowed
    path = folder / "scene.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path), copy=True)
    faces = {"A": len(a.data.polygons), "A.shared": len(a.data.polygons), "B": len(b.data.polygons)}
    return SceneFile(path, marker, faces)


@pytest.fixture
def work(scene_file, tmp_path):
    """A private copy of the scene in ``in/``, an empty ``out/``, and a home folder."""
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    source = tmp_path / "in" / "scene.blend"
    shutil.copyfile(scene_file.path, source)
    yield types.SimpleNamespace(source=source, out=tmp_path / "out", home=tmp_path / "home")
    ran = scene_file.marker.exists()
    scene_file.marker.unlink(missing_ok=True)
    assert not ran, "a script embedded in the input ran"


def load_meshes(path) -> dict:
    """The meshes of the .blend file at ``path``, appended into an empty file."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    with bpy.data.libraries.load(str(path)) as (source, target):
        target.meshes = list(source.meshes)
    return {mesh.name: mesh for mesh in target.meshes}


def colours_of(path, names=("A", "B")) -> dict[str, np.ndarray]:
    meshes = load_meshes(path)
    return {name: face_colors(meshes[name]).copy() for name in names}


def n_unique_rows(values) -> int:
    return len(np.unique(values, axis=0))


def test_colours_every_mesh_object_and_leaves_the_input_alone(scene_file, work):
    before = sha256(work.source)
    output = work.out / "coloured.blend"
    run = run_cli(work.source, "--output", output, "--seed", 5, home=work.home)

    assert run.code == 0, run
    assert "Traceback" not in run.stdout + run.stderr
    assert run.coloured() == {name: (faces, "Color") for name, faces in scene_file.faces.items()}
    assert run.stderr.strip().splitlines() == [
        "random_vertex_colors: warning: skipped object 'Hollow': mesh 'Hollow' has no faces"
    ]
    assert re.search(r"^coloured 'A': .*, \d+\.\d ms$", run.stdout, re.M)
    assert "shared with 'A'" in run.stdout
    assert re.search(r"^saved '.*coloured\.blend': 3 objects, 31 faces", run.stdout, re.M)
    assert listing(work.out) == ["coloured.blend"]  # no temporary file left behind
    assert listing(work.source.parent) == ["scene.blend"]
    assert sha256(work.source) == before

    meshes = load_meshes(output)
    for name in ("A", "B"):
        mesh = meshes[name]
        assert mesh.color_attributes.active_color.name == "Color"
        assert n_unique_rows(face_colors(mesh)) == len(mesh.polygons)  # one colour per face, all differ
    assert len(meshes["B"].attributes["ids"].data) == len(meshes["B"].polygons)  # other data kept


def test_same_seed_same_colours_as_the_operator(scene_file, work):
    outputs = {name: work.out / f"{name}.blend" for name in ("first", "again", "other")}
    for name, seed in (("first", 7), ("again", 7), ("other", 8)):
        assert run_cli(work.source, "-o", outputs[name], "--seed", seed, home=work.home).code == 0
    first, again, other = (colours_of(outputs[name]) for name in ("first", "again", "other"))
    for name in ("A", "B"):
        assert np.array_equal(first[name], again[name])
        assert not np.array_equal(first[name], other[name])

    # The operator, given the same seed in the UI, paints the same colours.
    meshes = load_meshes(work.source)
    objects = []
    for mesh in meshes.values():
        objects.append(bpy.data.objects.new(mesh.name, mesh))
        bpy.context.scene.collection.objects.link(objects[-1])
    select_only(*objects)
    assert bpy.ops.mesh.random_vertex_colors(seed=7) == {'FINISHED'}
    for name in ("A", "B"):
        assert np.array_equal(face_colors(meshes[name]), first[name])


def test_objects_and_attribute_options(work):
    output = work.out / "b.blend"
    run = run_cli(work.source, "-o", output, "--objects", "B", "--attribute", "ID map", home=work.home)
    assert run.code == 0, run
    assert run.coloured() == {"B": (15, "ID map")}
    meshes = load_meshes(output)
    assert meshes["B"].color_attributes.active_color.name == "ID map"
    assert n_unique_rows(face_colors(meshes["B"], "ID map")) == 15
    assert len(meshes["A"].color_attributes) == 0


def test_only_selected_changes_the_faces_selected_in_the_file(empty_scene, tmp_path):
    ob = grid(6, 6, name="Sel")
    select_only(ob)
    assert bpy.ops.mesh.random_vertex_colors(seed=1) == {'FINISHED'}
    before = face_colors(ob.data).copy()
    chosen = np.zeros(len(ob.data.polygons), dtype=bool)
    chosen[[0, 5, 17]] = True
    ob.data.polygons.foreach_set("select", chosen)
    source, output = tmp_path / "selection.blend", tmp_path / "out.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)

    run = run_cli(source, "-o", output, "--seed", 2, "--only-selected", home=tmp_path / "home")
    assert run.code == 0, run
    assert f"3 of {len(chosen)} faces" in run.stdout
    after = face_colors(load_meshes(output)["Sel"])
    assert np.array_equal(after[~chosen], before[~chosen])  # bit for bit
    assert not np.any(np.all(after[chosen] == before[chosen], axis=1))


def test_in_place_rewrites_the_input_atomically(scene_file, work):
    os.chmod(work.source, 0o640)
    before = sha256(work.source)
    run = run_cli(work.source, "--in-place", "--seed", 4, home=work.home)
    assert run.code == 0, run
    assert set(run.coloured()) == set(scene_file.faces)
    assert sha256(work.source) != before
    assert listing(work.source.parent) == ["scene.blend"]  # no temporary file, no .blend1
    assert os.stat(work.source).st_mode & 0o777 == 0o640
    meshes = load_meshes(work.source)
    assert n_unique_rows(face_colors(meshes["A"])) == scene_file.faces["A"]


def test_in_place_through_a_link_rewrites_the_file_it_points_to(work):
    link = work.out / "link.blend"
    link.symlink_to(work.source)
    before = sha256(work.source)
    run = run_cli(link, "--in-place", home=work.home)
    assert run.code == 0, run
    assert link.is_symlink() and sha256(work.source) != before
    assert listing(work.out) == ["link.blend"] and listing(work.source.parent) == ["scene.blend"]


def test_embedded_scripts_never_run(scene_file, work):
    # The file's script does run when scripts are allowed: the marker can appear.
    opened = run_blender([work.source], work.home, script=OPEN_WITH_SCRIPTS)
    assert scene_file.marker.exists(), opened
    scene_file.marker.unlink()

    run = run_cli(work.source, "-o", work.out / "out.blend", home=work.home)
    assert run.code == 0, run
    assert not scene_file.marker.exists()

    if IN_BINARY:
        # Preferences that allow auto-run, honoured by a plain open without --factory-startup...
        assert run_blender([], work.home, script=ALLOW_AUTO_RUN, factory_startup=False).code == 0
        opened = run_blender([work.source], work.home, script=OPEN_AS_PREFERENCES_SAY, factory_startup=False)
        assert scene_file.marker.exists(), opened
        scene_file.marker.unlink()
        # ...do not make the command line run it.
        run = run_cli(work.source, "-o", work.out / "prefs.blend", home=work.home, factory_startup=False)
        assert run.code == 0, run
        assert not scene_file.marker.exists()


def unwritable_folder(tmp_path) -> pathlib.Path:
    """A folder this process cannot create files in.

    A read-only folder, unless we run as root, who may write anywhere; then
    a kernel file system that takes no new files.
    """
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    candidates = [folder, pathlib.Path("/sys"), pathlib.Path("/proc")]
    for candidate in candidates:
        try:
            handle, probe = tempfile.mkstemp(dir=candidate)
        except OSError:
            return candidate
        os.close(handle)
        os.remove(probe)
    pytest.skip("no folder here refuses new files")


BAD_INPUTS = {
    # name: (arguments after INPUT, or a function of the work folders giving all arguments; message)
    "missing input": (lambda w: [w.source.parent / "missing.blend", "-o", w.out / "o.blend"],
                      r"input file '.*missing\.blend' does not exist"),
    "not a .blend": (lambda w: [w.source.with_name("notes.blend"), "-o", w.out / "o.blend"],
                     r"input file '.*notes\.blend' is not a \.blend file"),
    "truncated .blend": (lambda w: [w.source.with_name("cut.blend"), "-o", w.out / "o.blend"],
                         r"cannot open '.*cut\.blend': "),
    "unknown object": (["--objects", "A", "Nope"], r"no object named 'Nope' in '.*scene\.blend'"),
    "not a mesh": (["--objects", "Camera"], r"object 'Camera' is a CAMERA object, not a mesh"),
    "not a colour attribute": (["--attribute", "ids"], r"attribute 'ids' on mesh 'B' is a INT attribute"),
    "output folder missing": (lambda w: [w.source, "-o", w.out / "missing" / "o.blend"],
                              r"output folder '.*missing' does not exist"),
    "output folder not writable": (lambda w: [w.source, "-o", w.unwritable / "o.blend"],
                                   r"cannot write to output folder '.*'"),
    "output is the input": (lambda w: [w.source, "-o", w.source],
                            r"--output '.*scene\.blend' is the input file; pass --in-place"),
    "no output": (lambda w: [w.source], r"one of the arguments -o/--output --in-place is required"),
    "seed out of range": (["--seed", "2147483648"], r"--seed: 2147483648 is outside -2147483648\.\."),
    "range outside 0..1": (["--saturation-range", "0", "1.5"], r"--saturation-range: 1\.5 is outside 0\.\.1"),
    "range min above max": (["--value-range", "0.9", "0.1"], r"--value-range: MIN 0\.9 is above MAX 0\.1"),
    "unknown granularity": (["--granularity", "BRICK"], r"--granularity: 'BRICK' is not one of FACE, "),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=lambda case: case.replace(" ", "_"))
def test_bad_input_one_line_nonzero_and_nothing_written(work, tmp_path, case):
    arguments, message = BAD_INPUTS[case]
    work.source.with_name("notes.blend").write_text("not a blend file\n")
    work.source.with_name("cut.blend").write_bytes(work.source.read_bytes()[:2000])
    if case == "output folder not writable":
        work.unwritable = unwritable_folder(tmp_path)
    if callable(arguments):
        arguments = arguments(work)
    else:
        arguments = [work.source, "-o", work.out / "o.blend", *arguments]
    inputs = {name: sha256(work.source.parent / name) for name in listing(work.source.parent)}

    run = run_cli(*arguments, home=work.home)

    assert run.code == cli.EXIT_BAD_INPUT, run
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("random_vertex_colors: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert listing(work.out) == []
    assert {name: sha256(work.source.parent / name) for name in listing(work.source.parent)} == inputs


def test_failure_after_loading_keeps_the_existing_output(work):
    output = work.out / "o.blend"
    output.write_bytes(b"an earlier result")
    refusals = ((["--objects", "Nope"], cli.EXIT_BAD_INPUT), (["--objects", "Hollow"], cli.EXIT_FAILED))
    for arguments, code in refusals:
        run = run_cli(work.source, "-o", output, *arguments, home=work.home)
        assert run.code == code, run
        assert "Traceback" not in run.stdout + run.stderr
        assert len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert output.read_bytes() == b"an earlier result"
        assert listing(work.out) == ["o.blend"]
    assert "object 'Hollow': mesh 'Hollow' has no faces" in run.stderr


def test_help_explains_every_option(work):
    run = run_cli("--help", home=work.home)
    assert run.code == 0, run
    assert re.search(r"^usage: random_vertex_colors ", run.stdout, re.M)
    for option in [*cli.SETTING_OPTIONS.values(), "--output", "--in-place", "--objects"]:
        # Python 3.13's argparse names the metavar once ("-o, --output OUTPUT"), 3.11 twice.
        assert re.search(rf"^  (-o( OUTPUT)?, )?{option}\b", run.stdout, re.M), option


# Issue 4's options: each runs where ColorSettings has the field it sets.
def _has_setting(name):
    return name in {field.name for field in dataclasses.fields(ColorSettings)}


def _one_colour_per_mesh(meshes):
    a, b = face_colors(meshes["A"]), face_colors(meshes["B"])
    assert n_unique_rows(a) == 1 and n_unique_rows(b) == 1
    assert not np.array_equal(a[0], b[0])


def _grays(meshes):
    srgb = face_colors(meshes["A"], prop="color_srgb")
    assert np.allclose(srgb[:, 0], srgb[:, 1], atol=1e-3) and np.allclose(srgb[:, 0], srgb[:, 2], atol=1e-3)
    assert n_unique_rows(srgb) > 1


def _black(meshes):
    assert np.all(face_colors(meshes["A"])[:, :3] == 0)


def _three_palette_colours(meshes):
    assert n_unique_rows(face_colors(meshes["A"])[:, :3]) == 3


def _random_alpha(meshes):
    assert n_unique_rows(face_colors(meshes["A"])[:, 3:]) > 1


ISSUE_4_OPTIONS = {
    "granularity OBJECT": ("granularity", ["--granularity", "object"], _one_colour_per_mesh),
    "color mode GRAYSCALE": ("color_mode", ["--color-mode", "GRAYSCALE"], _grays),
    "value range implies HSV": ("value_range", ["--value-range", "0", "0"], _black),
    "palette from the file": ("palette_name", ["--palette", "Brand"], _three_palette_colours),
    "random alpha": ("random_alpha", ["--random-alpha"], _random_alpha),
}


@pytest.mark.parametrize("case", list(ISSUE_4_OPTIONS), ids=lambda case: case.replace(" ", "_"))
def test_colour_options(work, case):
    field, arguments, check = ISSUE_4_OPTIONS[case]
    if not _has_setting(field):
        pytest.skip(f"ColorSettings has no {field} yet (issue 4)")
    output = work.out / "o.blend"
    run = run_cli(work.source, "-o", output, "--seed", 3, *arguments, home=work.home)
    assert run.code == 0, run
    check(load_meshes(output))


def test_linked_objects_are_skipped_or_refused_by_name(empty_scene, tmp_path):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=3, y_subdivisions=3)
    bpy.context.object.name = "LibOb"
    library = tmp_path / "library.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(library), copy=True)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    with bpy.data.libraries.load(str(library), link=True) as (_source, target):
        target.objects = ["LibOb"]
    bpy.context.scene.collection.objects.link(target.objects[0])
    grid(2, 2, name="Local")
    source = tmp_path / "in.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True, relative_remap=False)
    library_hash = sha256(library)

    done = run_cli(source, "-o", tmp_path / "out.blend", home=tmp_path / "home")
    assert done.code == 0, done.stderr
    assert set(done.coloured()) == {"Local"}
    assert "skipped object 'LibOb'" in done.stderr and "linked from a library" in done.stderr

    refused = run_cli(source, "-o", tmp_path / "named.blend", "--objects", "LibOb", home=tmp_path / "home")
    assert refused.code == cli.EXIT_BAD_INPUT
    assert "object 'LibOb' cannot be changed" in refused.stderr
    assert not (tmp_path / "named.blend").exists()
    assert sha256(library) == library_hash  # the library file is never written
