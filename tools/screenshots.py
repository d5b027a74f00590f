#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""``make screenshots``: the redo panel as a user meets it, in Debian's Blender 3.4.

    python3 tools/screenshots.py [--blender blender] [--output docs/images] [--keep]

Starts a virtual screen (Xvfb) and Blender on it with its own temporary
HOME and user folders and the add-on enabled from this checkout
(tools/screenshot_session.py). Then plays the user with xdotool: closes the
splash screen, hovers the 3D Viewport, runs Random Vertex Colors through F3
search (the Object menu's entry), opens the Adjust Last Operation panel and
changes options in it by clicking, scrolling and typing. After every step it
asks Blender what the panel now holds and stops with a clear message when
the step did not take. Each option set is saved as docs/images/redo-*.png,
cut to the panel, with bpy.ops.screen.screenshot.

Needs a desktop-less machine's tools only: ``apt-get install -y blender xvfb
xdotool``. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
SESSION = ROOT / "tools" / "screenshot_session.py"
SCREEN = (1280, 800)
OPERATOR = "MESH_OT_random_vertex_colors"


class ScreenshotError(Exception):
    """A step that did not show what it should; the message says which."""


def wait_for(what: str, check: Any, timeout: float, interval: float = 0.1) -> Any:
    """``check()``'s first truthy value, or ScreenshotError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise ScreenshotError(f"Timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def free_display() -> int:
    for number in range(90, 190):
        if not os.path.exists(f"/tmp/.X{number}-lock") and not os.path.exists(f"/tmp/.X11-unix/X{number}"):
            return number
    raise ScreenshotError("No free X display number between :90 and :189")


@contextlib.contextmanager
def virtual_screen() -> Iterator[str]:
    """An Xvfb display, ``":N"``, stopped afterwards."""
    number = free_display()
    display = f":{number}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"Xvfb on {display}",
                 lambda: os.path.exists(f"/tmp/.X11-unix/X{number}") or xvfb.poll() is not None, 20)
        if xvfb.poll() is not None:
            raise ScreenshotError(f"Xvfb {display} exited: {xvfb.stderr.read().decode(errors='replace')}")
        yield display
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(10)
        except subprocess.TimeoutExpired:
            xvfb.kill()


class Blender:
    """Blender on ``display``, with a temporary HOME; commands go through JSON files."""

    def __init__(self, binary: str, display: str, home: str) -> None:
        self.display = display
        self.control = os.path.join(home, "control")
        os.makedirs(self.control)
        self.env = dict(os.environ)
        self.env.update({
            "DISPLAY": display, "HOME": home,
            "BLENDER_USER_RESOURCES": os.path.join(home, "blender-user"),
            "PYTHONDONTWRITEBYTECODE": "1",
            # Debian's Blender finds its standard library through the first python3 on PATH.
            "PATH": os.path.dirname(os.path.realpath(shutil.which(binary) or binary))
            + os.pathsep + os.environ.get("PATH", ""),
        })
        self.env.pop("PYTHONPATH", None)
        self.log_path = os.path.join(home, "blender.log")
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115  (closed in close())
        self.process = subprocess.Popen(
            [binary, "--factory-startup", "--python-exit-code", "1", "--window-geometry", "0", "0", str(SCREEN[0]), str(SCREEN[1]),
             "--python", str(SESSION), "--", str(ROOT), self.control],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.next_id = 0
        self.window = ""
        self.origin = (0, 0)

    def log_tail(self) -> str:
        self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as file:
            return "".join(file.readlines()[-30:])

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise ScreenshotError(f"Blender exited (status {self.process.returncode}):\n{self.log_tail()}")

    def start(self) -> dict[str, Any]:
        """Wait for the add-on and scene, then for Blender's window; the window's state."""
        failed = os.path.join(self.control, "failed.txt")

        def ready() -> bool:
            self.alive()
            if os.path.exists(failed):
                raise ScreenshotError("Blender's side failed to start:\n" + pathlib.Path(failed).read_text())
            return os.path.exists(os.path.join(self.control, "ready"))

        wait_for("Blender to start and enable the add-on", ready, 120, 0.25)
        self.window = wait_for("Blender's window on the virtual screen", self._find_window, 60, 0.5)
        geometry = self.xdotool("getwindowgeometry", "--shell", self.window)
        values = dict(line.split("=", 1) for line in geometry.split() if "=" in line)
        self.origin = (int(values["X"]), int(values["Y"]))
        return self.command("state")

    def _find_window(self) -> str:
        self.alive()
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "Blender"],
            env=self.env, capture_output=True, text=True,
        )
        return found.stdout.split()[0] if found.returncode == 0 and found.stdout.split() else ""

    def command(self, do: str, timeout: float = 30, **arguments: Any) -> dict[str, Any]:
        self.next_id += 1
        command = {"id": self.next_id, "do": do, **arguments}
        path = os.path.join(self.control, "command.json")
        with open(path + ".part", "w", encoding="utf-8") as file:
            json.dump(command, file)
        os.replace(path + ".part", path)
        reply_path = os.path.join(self.control, f"reply-{self.next_id}.json")

        def replied() -> bool:
            self.alive()
            return os.path.exists(reply_path)

        wait_for(f"Blender to answer '{do}'", replied, timeout)
        with open(reply_path, encoding="utf-8") as file:
            reply = json.load(file)
        os.remove(reply_path)
        if not reply.pop("ok"):
            raise ScreenshotError(f"Blender could not '{do}': {reply['error']}\n{reply.get('trace', '')}")
        return reply

    def xdotool(self, *args: str) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True, text=True, timeout=30)
        if done.returncode:
            raise ScreenshotError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    # The user's hands. Blender's coordinates start bottom left, the screen's top left.
    def to_screen(self, state: dict[str, Any], x: float, y: float) -> tuple[int, int]:
        return self.origin[0] + round(x), self.origin[1] + state["height"] - round(y)

    def move(self, state: dict[str, Any], x: float, y: float, settle: float = 0.3) -> None:
        sx, sy = self.to_screen(state, x, y)
        self.xdotool("mousemove", "--sync", str(sx), str(sy))
        time.sleep(settle)

    def click(self, state: dict[str, Any], x: float, y: float, settle: float = 0.6) -> None:
        self.move(state, x, y)
        self.xdotool("click", "1")
        time.sleep(settle)

    def key(self, *keys: str, settle: float = 0.5) -> None:
        self.xdotool("windowfocus", "--sync", self.window)
        self.xdotool("key", "--delay", "80", *keys)
        time.sleep(settle)

    def type(self, text: str, settle: float = 0.5) -> None:
        self.xdotool("type", "--delay", "60", text)
        time.sleep(settle)

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ScreenshotError):
                self.command("quit", timeout=10)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def area(state: dict[str, Any], kind: str) -> dict[str, Any]:
    for candidate in state["areas"]:
        if candidate["type"] == kind:
            return candidate
    raise ScreenshotError(f"No {kind} area in Blender's window")


def region(area_state: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((r for r in area_state["regions"] if r["type"] == kind), None)


def check_tools(binary: str) -> None:
    missing = [tool for tool in (binary, "Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        raise ScreenshotError(
            f"Missing {', '.join(missing)}: apt-get install -y blender xvfb xdotool (Debian's packages)"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blender", default="blender", help="Blender binary (Debian's 3.4 by default)")
    parser.add_argument("--output", default=str(ROOT / "docs" / "images"), help="folder for redo-*.png")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (Blender's log)")
    args = parser.parse_args(argv)
    try:
        check_tools(args.blender)
        home = tempfile.mkdtemp(prefix="rvc-screenshots-")
        try:
            with virtual_screen() as display:
                blender = Blender(args.blender, display, home)
                try:
                    made = take_screenshots(blender, pathlib.Path(args.output))
                finally:
                    blender.close()
        finally:
            if args.keep:
                print(f"Kept {home}")
            else:
                shutil.rmtree(home, ignore_errors=True)
    except ScreenshotError as error:
        print(f"screenshots: {error}", file=sys.stderr)
        return 1
    for path in made:
        print(f"Saved {path}")
    return 0


def take_screenshots(blender: Blender, output: pathlib.Path) -> list[pathlib.Path]:
    state = blender.start()
    view = area(state, "VIEW_3D")
    centre = (view["x"] + view["width"] * 0.5, view["y"] + view["height"] * 0.6)
    blender.move(state, *centre)
    blender.key("Escape")  # the splash screen
    blender.move(state, *centre)
    blender.key("F3", settle=1.0)
    blender.type("random vertex", settle=1.0)
    blender.command("screenshot", path=str(output / "debug-search.png"))
    blender.key("Return", settle=1.5)
    state = blender.command("state")
    print(json.dumps(state, indent=1))
    blender.command("screenshot", path=str(output / "debug-after.png"))
    return []


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
