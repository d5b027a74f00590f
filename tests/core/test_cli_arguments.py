# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line's argument handling, in plain Python without Blender.

Running the command on real files is tested in tests/blender/test_cli.py.
"""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from random_vertex_colors import cli
from random_vertex_colors.options import ColorSettings

ROOT = Path(__file__).resolve().parents[2]


def settings_for(*options):
    return cli.color_settings(cli.build_parser().parse_args(["in.blend", "-o", "out.blend", *options]))


def test_importing_the_command_line_does_not_need_blender():
    blocked = "import sys; sys.modules['bpy'] = None; "  # any "import bpy" now raises ImportError
    imports = "import random_vertex_colors.core, random_vertex_colors.cli, random_vertex_colors.__main__"
    done = subprocess.run(
        [sys.executable, "-c", blocked + imports], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr


def test_every_setting_is_an_argument_that_sets_it():
    parser = cli.build_parser()
    for item in dataclasses.fields(ColorSettings):
        spec = item.metadata["option"]
        action = next(a for a in parser._actions if spec.flag in a.option_strings)
        if spec.part is None:
            assert action.dest == item.name
        else:  # one number of a shared flag: that number sets this field
            numbers = ["0.125"] * action.nargs
            numbers[spec.part] = "0.75"
            assert getattr(settings_for(spec.flag, *numbers), item.name) == 0.75


def test_jitter_is_one_flag_of_three_numbers_that_implies_the_mode():
    assert settings_for("--jitter", "0.5", "0", "0.25") == ColorSettings(
        color_mode="JITTER", jitter_hue=0.5, jitter_saturation=0.0, jitter_value=0.25
    )
    with pytest.raises(cli.CliError, match="--jitter applies to --color-mode JITTER, not HSV"):
        settings_for("--jitter", "0.1", "0.1", "0.1", "--color-mode", "HSV")


def test_channels_and_mix_map_onto_their_fields():
    assert settings_for("--channels", "bR", "--mix", "0.25") == ColorSettings(channels="RB", mix=0.25)
    assert settings_for("--channels", "GA").random_alpha  # A is random alpha
    assert settings_for("--random-alpha") == ColorSettings(channels="RGBA")


def test_unset_options_keep_the_defaults_and_set_ones_map_to_fields():
    assert settings_for() == ColorSettings()
    assert settings_for("--seed", "-5", "--attribute", "ID", "--only-selected") == ColorSettings(
        seed=-5, attribute_name="ID", only_selected=True
    )


def test_colour_options_map_onto_their_fields():
    assert settings_for(
        "--granularity", "uv_island", "--color-mode", "hsv", "--hue-range", "0.9", "0.1",
        "--saturation-range", "0.2", "0.4", "--value-range", "1", "1", "--random-alpha",
    ) == ColorSettings(
        granularity="UV_ISLAND", color_mode="HSV", hue_range=(0.9, 0.1),
        saturation_range=(0.2, 0.4), value_range=(1.0, 1.0), random_alpha=True,
    )
    assert settings_for("--palette", "Brand") == ColorSettings(color_mode="PALETTE", palette_name="Brand")
    assert settings_for("--domain", "point", "--granularity", "island") == ColorSettings(
        domain="POINT", granularity="ISLAND"
    )
    assert settings_for().domain == "CORNER"
    assert settings_for("--value-range", "0", "0.5").color_mode == "HSV"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--seed", "2147483648"], r"Seed 2147483648 is outside -2147483648 to 2147483647"),
        (["--seed", "-2147483649"], r"Seed -2147483649 is outside"),
        (["--seed", "1.5"], r"--seed: '1\.5' is not a whole number"),
        (["--hue-range", "0", "1.01"], r"Hue range: Max 1\.01 is outside 0 to 1"),
        (["--saturation-range", "-0.1", "1"], r"Saturation range: Min -0\.1 is outside 0 to 1"),
        (["--value-range", "nan", "1"], r"Value range: Min nan is outside 0 to 1"),
        (["--value-range", "0", "x"], r"--value-range: 'x' is not a number"),
        (["--value-range", "0.5"], r"--value-range: expected 2 arguments"),
        (["--saturation-range", "0.8", "0.2"], r"Saturation range: Min 0\.8 is above Max 0\.2"),
        (["--granularity", "brick"], r"Per 'brick' is not one of FACE, ISLAND, "),
        (["--color-mode", "CMYK"], r"Colors 'CMYK' is not one of RGB, HSV, "),
        (["--domain", "EDGE"], r"Domain 'EDGE' is not one of CORNER, POINT"),
        (["--domain", "point"], r"Per Face cannot be stored on points: .*Choose Domain Corner"),
        (["--domain", "POINT", "--granularity", "MATERIAL"], r"Per Material cannot be stored on points"),
        (["--attribute", "x" * 64], r"Attribute name 'x+\.\.\.' is 64 bytes long; Blender keeps at most 63"),
        (["--color-mode", "RGB", "--palette", "P"], r"--palette applies to --color-mode PALETTE, not RGB"),
        (["--color-mode", "GRAYSCALE", "--hue-range", "0", "1"], r"--hue-range applies to --color-mode HSV"),
    ],
)
def test_bad_values_are_refused_with_one_line(options, message):
    with pytest.raises(cli.CliError, match=message) as refused:
        settings_for(*options)
    assert refused.value.code == cli.EXIT_BAD_INPUT
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["blender", "-b", "--python", "x.py", "--", "in.blend", "-o", "o"], ["in.blend", "-o", "o"]),
        (["blender", "-b", "--python", "x.py"], []),
    ],
)
def test_arguments_after_the_double_dash_in_a_blender_binary(argv, expected):
    assert cli.program_arguments(argv, in_blender_binary=True) == expected


def test_arguments_of_python_dash_m():
    assert cli.program_arguments(["__main__.py", "in.blend", "--", "x"], in_blender_binary=False) == [
        "in.blend", "--", "x"
    ]


def run_module(*arguments, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "random_vertex_colors", *map(str, arguments)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=60,
    )


def test_help_without_blender(tmp_path):
    done = run_module("--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "--in-place" in done.stdout and "Exit status" in done.stdout


def test_a_python_without_bpy_says_so_in_one_line(tmp_path):
    if subprocess.run([sys.executable, "-c", "import bpy"], capture_output=True).returncode == 0:
        pytest.skip("this Python has bpy")
    source = tmp_path / "in.blend"
    source.write_bytes(b"BLENDER-v304RENDH")
    done = run_module(source, "-o", tmp_path / "out.blend", cwd=tmp_path)
    assert done.returncode == cli.EXIT_BAD_INPUT
    assert done.stderr.count("\n") == 1 and "cannot import bpy" in done.stderr
    assert sorted(os.listdir(tmp_path)) == ["in.blend"]
