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
CAPTIONS = "(Min and Max captions)"  # the row draw_options puts above the first range


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
            [binary, "--factory-startup", "--python-exit-code", "1",
             "--window-geometry", "0", "0", str(SCREEN[0]), str(SCREEN[1]),
             "--python", str(SESSION), "--", str(ROOT), self.control],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.next_id = 0
        self.window = ""
        self.origin = (0, 0)
        self.steps: pathlib.Path | None = None  # --steps: the window after every action, for debugging
        self.step = 0

    def record(self, action: str) -> None:
        if self.steps is None:
            return
        self.step += 1
        name = f"{self.step:03d}-{''.join(c if c.isalnum() else '_' for c in action)[:40]}.png"
        self.command("screenshot", path=str(self.steps / name))

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
        # Pressed and released apart, as a hand does: a click of no duration does not start text editing.
        self.xdotool("mousedown", "1")
        time.sleep(0.15)
        self.xdotool("mouseup", "1")
        time.sleep(settle)
        self.record(f"click {x:.0f} {y:.0f}")

    def key(self, *keys: str, settle: float = 0.5) -> None:
        self.xdotool("windowfocus", "--sync", self.window)
        self.xdotool("key", "--delay", "80", *keys)
        time.sleep(settle)
        self.record("key " + " ".join(keys))

    def type(self, text: str, settle: float = 0.5) -> None:
        self.xdotool("type", "--delay", "60", text)
        time.sleep(settle)
        self.record("type " + text)

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
    parser.add_argument("--steps", type=pathlib.Path,
                        help="save the window after every action here (debugging)")
    args = parser.parse_args(argv)
    try:
        check_tools(args.blender)
        home = tempfile.mkdtemp(prefix="rvc-screenshots-")
        try:
            with virtual_screen() as display:
                blender = Blender(args.blender, display, home)
                if args.steps:
                    args.steps.mkdir(parents=True, exist_ok=True)
                    blender.steps = args.steps
                try:
                    made = take_screenshots(blender, pathlib.Path(args.output))
                except ScreenshotError:
                    # What the window showed when the step failed, for the message below.
                    args.keep = True
                    with contextlib.suppress(ScreenshotError):
                        blender.command("screenshot", path=os.path.join(home, "failure.png"))
                    raise
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


class RedoPanel:
    """The Adjust Last Operation panel of the 3D Viewport, where a user meets the options.

    Rows are found from the operator's own draw (Blender's side records it)
    and Blender's layout sizes, then every change is checked against the
    operator's values as Blender holds them.
    """

    HEADER = 43  # pixels at scale 1 from the panel's top to the middle of its first row
    ROW = 23  # pixels at scale 1 between rows
    FIELD = 0.7  # fields sit right of the labels: their middle is at this fraction of the width
    RETRIES = 3  # wheel steps lost in one scroll_to before it gives up

    def __init__(self, blender: Blender) -> None:
        self.blender = blender
        self.state = blender.command("state")

    def refresh(self) -> dict[str, Any]:
        self.state = self.blender.command("state")
        return self.state

    @property
    def rect(self) -> dict[str, Any]:
        hud = region(area(self.state, "VIEW_3D"), "HUD")
        if hud is None or hud["width"] < 20:
            raise ScreenshotError("The 3D Viewport shows no Adjust Last Operation panel")
        return hud

    @property
    def values(self) -> dict[str, Any]:
        last = self.state["last_operator"]
        if last is None or last["idname"] != OPERATOR:
            raise ScreenshotError(f"The last operation is {last and last['idname']}, not {OPERATOR}")
        return last["properties"]

    def scale(self) -> float:
        return float(self.state["ui_scale"]) * float(self.state["pixel_size"])

    def is_open(self) -> bool:
        return self.rect["height"] > 2 * self.HEADER * self.scale()

    def toggle(self) -> None:
        """Click the panel's header."""
        rect = self.rect
        top = rect["y"] + rect["height"]
        self.blender.click(self.state, rect["x"] + rect["width"] * 0.4, top - 12 * self.scale(), settle=1.0)
        self.away()

    def rows(self) -> list[list[str]]:
        """The panel's rows, top to bottom, each the properties in it: what the operator's draw draws.

        Blender's side calls the add-on's own draw with a recording layout
        (tools/screenshot_session.py), so the rows follow the draw and its
        filters (in_panel, the color modes, switches beside an option).
        """
        last = self.state["last_operator"]
        if last is None or "panel_rows" not in last:
            raise ScreenshotError(f"The last operation is {last and last['idname']}, not {OPERATOR}")
        return [list(row) for row in last["panel_rows"]]

    def row_names(self) -> list[str]:
        return [" + ".join(row) if row else CAPTIONS for row in self.rows()]

    def field(self, name: str, index: int = 0) -> tuple[float, float]:
        """The middle of option ``name``'s field (``index`` 1: a range's Max).

        Fields sit right of the labels and share their row evenly: a range's
        Min and Max, a switch beside its option.
        """
        rows = self.rows()
        found = [(number, row) for number, row in enumerate(rows) if name in row]
        if not found:
            raise ScreenshotError(
                f"The panel shows no {name} in {self.values['color_mode']} mode: {self.row_names()}"
            )
        number, row = found[0]
        slot = [place for place, shown in enumerate(row) if shown == name][index]
        rect = self.rect
        scale = self.scale()
        top = rect["y"] + rect["height"]
        y = top - (self.HEADER + self.ROW * number) * scale
        left = rect["x"] + rect["width"] * (2 * self.FIELD - 1)
        right = rect["x"] + rect["width"] - 8 * scale
        return left + (right - left) * (slot + 0.5) / len(row), y

    def away(self) -> None:
        """The mouse off the panel, so that no button is highlighted and no tooltip shows."""
        view = area(self.state, "VIEW_3D")
        self.blender.move(self.state, view["x"] + view["width"] * 0.75, view["y"] + view["height"] * 0.5)

    def expect(self, what: str, *, open_panel: bool = True, **values: Any) -> None:
        """Wait until the operator holds ``values`` (the redo ran), else say what the panel holds."""
        def matches() -> bool:
            self.refresh()
            return all(self.values.get(name) == value for name, value in values.items())

        try:
            wait_for(what, matches, 10, 0.3)
        except ScreenshotError:
            shown = {name: self.values.get(name) for name in values}
            raise ScreenshotError(f"{what}: expected {values}, the panel holds {shown}") from None
        if open_panel:
            self.settled(what)

    def expected_height(self) -> float:
        return (self.HEADER - 4 + self.ROW * len(self.rows())) * self.scale()

    def settled(self, what: str) -> None:
        """Wait until the panel has been redrawn with the rows of the current values."""
        def redrawn() -> bool:
            time.sleep(0.3)
            before = self.rect
            self.refresh()
            return self.rect == before and abs(self.rect["height"] - self.expected_height()) <= 3

        try:
            wait_for(f"the panel redrawn after: {what}", redrawn, 10, 0.2)
        except ScreenshotError:
            raise ScreenshotError(
                f"{what}: the panel is {self.rect['height']} pixels high; {len(self.rows())} rows "
                f"({', '.join(self.row_names())}) make {self.expected_height():.0f}"
            ) from None

    def act_until(self, what: str, act: Any, **values: Any) -> None:
        """Do ``act`` (a click, a wheel step) until the operator holds ``values``.

        An act that changed nothing was lost (it came while Blender redid the
        operation, or onto a tooltip: the mouse goes off the panel after each
        act, so that none opens) and is done again; the ``RETRIES``-th lost
        act stops it.
        """
        before = {name: self.values[name] for name in values}
        for attempt in range(1, self.RETRIES + 1):
            act()
            self.away()
            try:
                self.expect(what, **values)
                return
            except ScreenshotError:
                if attempt == self.RETRIES or any(self.values[name] != before[name] for name in values):
                    raise

    def scroll_to(self, name: str, value: str, what: str) -> None:
        """Ctrl+Wheel Down over an enum field, one item at a time, until it shows ``value``."""
        items = self.enum_items(name)
        if value not in items:
            raise ScreenshotError(f"{name} has no item {value}: {', '.join(items)}")

        def wheel_step() -> None:
            self.blender.move(self.state, *self.field(name))
            self.blender.xdotool("keydown", "ctrl")
            try:
                self.blender.xdotool("click", "5")
            finally:
                self.blender.xdotool("keyup", "ctrl")
            # Blender misses that key-up after the redo; a tap of Ctrl tells it that Ctrl is up.
            self.blender.xdotool("key", "ctrl")
            self.blender.record(f"scroll {name}")

        while self.values[name] != value:
            current = self.values[name]
            following = items[(items.index(current) + 1) % len(items)]
            # One wheel step per redo: a step that arrives while Blender redoes the operation is lost.
            self.act_until(f"{what}: Ctrl+Wheel over {name} from {current}", wheel_step, **{name: following})
        self.expect(what, **{name: value})

    def enum_items(self, name: str) -> list[str]:
        from random_vertex_colors.options import option_specs

        return list(next(spec.choices for option, spec in option_specs() if option == name))

    def type_into(self, name: str, texts: list[str]) -> None:
        """Click a field to edit it, type each text, Tab to the next field between them, Return.

        Blender selects a field's whole text when editing starts, so typing replaces it.
        """
        self.blender.click(self.state, *self.field(name), settle=0.6)
        for index, text in enumerate(texts):
            self.blender.type(text, settle=0.3)
            if index + 1 < len(texts):
                self.blender.key("Tab", settle=0.4)
        self.blender.key("Return", settle=1.0)

    def press(self, name: str, what: str) -> None:
        """Click a switch's toggle button: it turns on."""
        self.act_until(what, lambda: self.blender.click(self.state, *self.field(name), settle=1.0),
                       **{name: True})

    def search(self, name: str, text: str) -> None:
        """Click a search field (the palette), type, take the first match with Return."""
        self.blender.click(self.state, *self.field(name), settle=0.8)
        self.blender.type(text, settle=0.8)
        self.blender.key("Return", settle=1.0)

    def save(self, path: pathlib.Path, margin: int = 6) -> pathlib.Path:
        self.away()
        time.sleep(0.5)
        rect = self.refresh() and self.rect
        crop = {"x": rect["x"] - margin, "y": rect["y"] - margin,
                "width": rect["width"] + 2 * margin, "height": rect["height"] + 2 * margin}
        self.blender.command("screenshot", path=str(path), crop=crop)
        return path


def run_from_object_menu(blender: Blender, state: dict[str, Any]) -> None:
    """Hover the 3D Viewport, F3, search the Object menu's entry, Return."""
    view = area(state, "VIEW_3D")
    centre = (view["x"] + view["width"] * 0.6, view["y"] + view["height"] * 0.6)
    blender.move(state, *centre)
    blender.key("F3", settle=1.0)
    blender.type("random vertex", settle=1.0)
    blender.key("Return", settle=1.5)


def take_screenshots(blender: Blender, output: pathlib.Path) -> list[pathlib.Path]:
    sys.path.insert(0, str(ROOT))  # the option specs: the items Ctrl+Wheel steps through
    state = blender.start()
    view = area(state, "VIEW_3D")
    blender.move(state, view["x"] + view["width"] * 0.5, view["y"] + view["height"] * 0.5)
    blender.key("Escape")  # the splash screen
    run_from_object_menu(blender, state)
    panel = RedoPanel(blender)
    panel.expect("Random Vertex Colors run from F3 search (Object menu)", open_panel=False, color_mode="RGB")
    if not panel.is_open():
        panel.toggle()
        panel.refresh()
    if not panel.is_open():
        raise ScreenshotError("A click on the Adjust Last Operation header did not open the panel")
    panel.settled("the panel opened")
    output.mkdir(parents=True, exist_ok=True)
    made = [panel.save(output / "redo-rgb.png")]

    panel.scroll_to("color_mode", "HSV", "Colors scrolled to HSV")
    panel.type_into("hue_range", ["0.55", "0.8", "0.5", "0.9", "0.7", "1"])
    panel.expect("Hue, Saturation and Value typed", hue_range=[0.55, 0.8], saturation_range=[0.5, 0.9],
                 value_range=[0.7, 1.0])
    made.append(panel.save(output / "redo-hsv.png"))

    panel.scroll_to("color_mode", "PALETTE", "Colors scrolled to Palette")
    panel.search("palette_name", "Sunset")
    panel.expect("Palette chosen in its search field", palette_name="Sunset")
    made.append(panel.save(output / "redo-palette.png"))

    panel.scroll_to("color_mode", "DISTINCT", "Colors scrolled to Distinct")
    panel.scroll_to("granularity", "ISLAND", "Per scrolled to Island")
    # An ID map: its own attribute, colors that survive edits elsewhere, and which island got which.
    panel.type_into("attribute_name", ["ID"])
    panel.expect("Attribute typed", attribute_name="ID")
    panel.press("stable", "Stable pressed")
    panel.press("legend", "Legend pressed")
    made.append(panel.save(output / "redo-distinct-island.png"))
    return made


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
