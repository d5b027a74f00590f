# SPDX-License-Identifier: GPL-3.0-or-later
"""Many files per run: inputs expanded into a plan, colored by long-lived Blender workers.

    python -m random_vertex_colors scenes/ more.glb --output-dir colored --jobs 4 --report run.json

The process started by the user (the *parent*) checks the arguments, expands
the inputs (files, folders, ``--from-list``), sorts them, takes its
``--shard``, maps each to its output and refuses collisions, all before any
file is touched. It then starts ``--jobs`` *workers*: each the same Blender
(the bpy module's Python, or the Blender binary) running ``serve``, which
colors file after file through ``cli.color_file``. Jobs go to a worker's
stdin and results come back on its stdout, one JSON object a line; the
worker points its own stdout at stderr first, so that whatever Blender and
the importers print cannot mix with the results.

A worker that dies (Blender crashed on a file) fails that file only: the
parent starts a new worker for the rest. Each file starts from an empty
Blender file and colors depend only on the seed and the names in the
file, so outputs do not depend on ``--jobs`` or on which worker took a file.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any

from . import formats

if TYPE_CHECKING:
    from .cli import CliError

WORKER_FLAG = "--batch-worker"  # first argument of a worker; not in --help

# How many of a worker's last stderr lines explain a crash.
STDERR_TAIL = 12


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of many-file runs to the command line's parser."""
    group = parser.add_argument_group(
        "many files",
        "With several INPUTs, folders, --from-list or --output-dir, files are colored by --jobs "
        "Blender workers, each coloring file after file; one line of progress per file, a summary "
        "at the end. A file that fails does not stop the others. Exit status: 0 when every file "
        "was colored or skipped, 1 when any failed, 2 for bad arguments (nothing done).",
    )
    group.add_argument(
        "--recursive", "-r", action="store_true",
        help="look for input files in the folders' subfolders too (outputs keep the subfolders)",
    )
    group.add_argument(
        "--from-list", metavar="FILE",
        help="read more inputs from FILE, one path a line (blank lines and lines starting with # skipped)",
    )
    group.add_argument(
        "--format", metavar="EXT", type=_extension,
        help="with --output-dir: write this format instead of the input's (glb, fbx, obj, ply, blend, ...)",
    )
    group.add_argument(
        "--jobs", "-j", metavar="N", type=_positive,
        help="worker processes, each one Blender (default: the number of cores, at most one per file)",
    )
    group.add_argument(
        "--shard", metavar="K/N", type=_shard,
        help="color only the K-th of N disjoint slices of the sorted inputs (0 <= K < N), as a job "
        "array does: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT",
    )
    group.add_argument(
        "--skip-existing", action="store_true",
        help="leave files whose output exists (outputs are written atomically, so they are complete)",
    )
    group.add_argument(
        "--report", metavar="FILE.json",
        help="write one entry per file (input, output, status, objects, faces, seconds, error) to FILE.json",
    )


def _extension(text: str) -> str:
    ext = "." + text.lower().lstrip(".")
    if ext not in formats.EXTENSIONS:
        known = ", ".join(e[1:] for e in formats.EXTENSIONS)
        raise argparse.ArgumentTypeError(f"'{text}' is not one of {known}")
    return ext


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not at least 1")
    return value


def _shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"'{text}' is not K/N (two whole numbers, 0 <= K < N)")
    k, n = int(match[1]), int(match[2])
    if not 0 <= k < n:
        raise argparse.ArgumentTypeError(f"'{text}' needs 0 <= K < N")
    return k, n


BATCH_OPTIONS = ("recursive", "from_list", "format", "jobs", "shard", "skip_existing", "report")


def is_batch(args: argparse.Namespace) -> bool:
    """True unless the arguments name one file and where its result goes, and nothing else."""
    if args.output_dir is not None or len(args.input) != 1 or os.path.isdir(args.input[0]):
        return True
    return any(getattr(args, name) not in (None, False) for name in BATCH_OPTIONS)


# -- the plan -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Item:
    """One file of a run: where it is read and written, and how it went."""

    input: str  # as given, or as found under a folder given
    output: str
    status: str = "pending"  # done, failed, skipped
    objects: int = 0
    faces: int = 0
    seconds: float = 0.0
    error: str | None = None

    def entry(self) -> dict[str, Any]:
        """The file's entry in --report."""
        return {
            "input": self.input, "output": self.output, "status": self.status,
            "objects": self.objects, "faces": self.faces, "seconds": round(self.seconds, 4),
            "error": self.error,
        }


def _bad(message: str) -> CliError:
    from .cli import CliError

    return CliError(message)


def read_list(path: str) -> list[str]:
    """The paths listed in ``path`` (--from-list), blank and # lines left out."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError as error:
        raise _bad(f"--from-list '{path}': {error.strerror}") from None
    except UnicodeDecodeError:
        raise _bad(f"--from-list '{path}' is not a UTF-8 text file") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def find_files(folder: str, recursive: bool) -> list[str]:
    """Files of a known format in ``folder`` (and below, if ``recursive``), hidden ones left out."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
        found += [
            os.path.join(root, name) for name in sorted(files)
            if not name.startswith(".") and formats.extension_of(name) in formats.EXTENSIONS
        ]
    return found


def expand(paths: list[str], recursive: bool) -> list[tuple[str, str]]:
    """``(file, relative output name)`` for each input; files in folders keep their sub-path.

    A path that is not a folder is kept as it is, even when missing: it is
    reported failed on its own line with the others done.
    """
    found, seen = [], set()
    for path in paths:
        if os.path.isdir(path):
            pairs = [(file, os.path.relpath(file, path)) for file in find_files(path, recursive)]
            if not pairs:
                known = ", ".join(formats.EXTENSIONS)
                raise _bad(f"Input folder '{path}' holds no file of a known format ({known})")
        else:
            pairs = [(path, os.path.basename(path))]
        for file, relative in pairs:
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                found.append((file, relative))
    return sorted(found, key=lambda pair: os.path.abspath(pair[0]))


def plan(args: argparse.Namespace) -> list[Item]:
    """Every file of this run (after --shard) with its output; CliError (exit 2) for a bad plan."""
    paths = list(args.input)
    if args.from_list:
        paths += read_list(args.from_list)
    if not paths:
        raise _bad("No INPUT given (see --help)")
    if args.format and args.output_dir is None:
        raise _bad("--format applies to --output-dir (with --output the extension names the format)")
    pairs = expand(paths, args.recursive)
    if args.output is not None and len(pairs) != 1:
        raise _bad(f"--output names one file but there are {len(pairs)} inputs; use --output-dir")
    if args.objects is not None and len(pairs) != 1:
        raise _bad("--objects names objects of one file; it cannot be used with several inputs")

    items = []
    for file, relative in pairs:
        if args.in_place:
            output = file
        elif args.output is not None:
            output = args.output
        else:
            if args.format:
                relative = os.path.splitext(relative)[0] + args.format
            output = os.path.join(args.output_dir, relative)
        items.append(Item(file, output))
    check_collisions(items, in_place=args.in_place)
    if args.shard:
        k, n = args.shard
        items = items[k::n]
    return items


def check_collisions(items: list[Item], in_place: bool) -> None:
    """Refuse two inputs writing one output, and an output that would replace another input."""
    inputs = {os.path.realpath(item.input): item for item in items}
    writers: dict[str, Item] = {}
    for item in items:
        key = os.path.realpath(item.output)
        if key in writers:
            raise _bad(
                f"'{writers[key].input}' and '{item.input}' would both write '{item.output}'"
            )
        writers[key] = item
        victim = inputs.get(key)
        if victim is not None and not (in_place and victim is item):
            if victim is item:
                raise _bad(f"Output '{item.output}' is the input file; pass --in-place to overwrite it")
            raise _bad(f"'{item.input}' would write '{item.output}', which is the input '{victim.input}'")


# -- workers ------------------------------------------------------------------------------------


def worker_command(bpy: ModuleType, argv: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command that starts one worker in this same Blender, and its environment."""
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    if bpy.app.binary_path:
        main = os.path.join(package_parent, "random_vertex_colors", "__main__.py")
        # No crash handler: a worker that crashes must die, to be seen and replaced; Blender's
        # handler is not async-signal-safe and was seen to hang in a lock instead (3.4).
        command = [bpy.app.binary_path, "--background", "--factory-startup", "--disable-crash-handler",
                   "--python", main, "--"]
    else:
        command = [sys.executable, "-m", "random_vertex_colors"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
    return [*command, WORKER_FLAG, *argv], env


class Worker:
    """One long-lived Blender process coloring the files it is sent, one at a time."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.process: subprocess.Popen[str] = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, text=True, bufsize=1, encoding="utf-8", errors="replace",
        )
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        # Drained all along: Blender and the importers print a lot, and a full pipe would block it.
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _pipe(self, which: str) -> IO[str]:
        pipe: IO[str] | None = getattr(self.process, which)
        assert pipe is not None  # all three are pipes (see __init__)
        return pipe

    def _drain(self) -> None:
        for line in self._pipe("stderr"):
            self.stderr_tail.append(line.rstrip("\n"))

    def color(self, item: Item) -> dict[str, Any] | None:
        """Send one file; its result, or None when the worker died before answering."""
        job = {"input": item.input, "output": item.output}
        try:
            self._pipe("stdin").write(json.dumps(job) + "\n")
            self._pipe("stdin").flush()
        except (BrokenPipeError, OSError):
            return None
        while True:
            line = self._pipe("stdout").readline()
            if not line:
                return None
            if line.startswith("{"):
                try:
                    result: dict[str, Any] = json.loads(line)
                except json.JSONDecodeError:
                    continue
                return result

    def death(self) -> str:
        """Why the worker is gone, for the file it was coloring."""
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.drain.join(timeout=5)
        if code < 0:
            try:
                how = f"signal {signal.Signals(-code).name}"
            except ValueError:
                how = f"signal {-code}"
        else:
            how = f"exit status {code}"
        last = next((line for line in reversed(self.stderr_tail) if line.strip()), "")
        said = f"; its last words: {last.strip()}" if last else ""
        return f"The Blender worker died ({how}) on this file{said}"

    def close(self) -> None:
        """Let the worker finish: it leaves when its stdin ends."""
        with contextlib.suppress(OSError):
            self._pipe("stdin").close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Run:
    """The items of a run, handed to worker threads one at a time, with progress printed as they end."""

    def __init__(self, items: list[Item], jobs: int, command: list[str], env: dict[str, str]):
        self.items, self.jobs, self.command, self.env = items, jobs, command, env
        self.queue = collections.deque(item for item in items if item.status == "pending")
        self.lock = threading.Lock()
        self.finished = 0
        self.live: set[Worker] = set()

    def next_item(self) -> Item | None:
        """The next file no worker has taken, or None."""
        with self.lock:
            return self.queue.popleft() if self.queue else None

    def slot(self) -> None:
        """One worker's thread: send it files until none is left; replace it when it dies."""
        worker = None
        while (item := self.next_item()) is not None:
            if worker is None:
                worker = Worker(self.command, self.env)
                with self.lock:
                    self.live.add(worker)
            started = time.perf_counter()
            result = worker.color(item)
            if result is None:
                result = {"status": "failed", "error": worker.death()}
                with self.lock:
                    self.live.discard(worker)
                worker = None  # the next file gets a new one
            item.status = result["status"]
            item.objects = result.get("objects", 0)
            item.faces = result.get("faces", 0)
            item.seconds = result.get("seconds", time.perf_counter() - started)
            item.error = result.get("error")
            self.report(item)
        if worker is not None:
            worker.close()
            with self.lock:
                self.live.discard(worker)

    def report(self, item: Item) -> None:
        """Print the progress line of a file that ended."""
        with self.lock:
            self.finished += 1
            print(progress_line(item, self.finished, len(self.items)), flush=True)

    def start(self) -> None:
        """Run every pending file, ``jobs`` at a time; return when all have ended."""
        for item in self.items:
            if item.status != "pending":
                self.report(item)
        threads = [threading.Thread(target=self.slot, daemon=True) for _ in range(self.jobs)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(timeout=0.5)
        except KeyboardInterrupt:
            with self.lock:
                self.queue.clear()
                for worker in self.live:
                    worker.process.kill()
            raise


def progress_line(item: Item, finished: int, total: int) -> str:
    """"[3/60] done 'a.blend' -> 'out/a.blend': ...", or the error."""
    head = f"[{finished}/{total}] {item.status} '{item.input}'"
    if item.status == "done":
        return f"{head} -> '{item.output}': {item.objects} objects, {item.faces} faces, {item.seconds:.2f} s"
    if item.status == "skipped":
        return f"{head}: '{item.output}' exists"
    return f"{head}: {item.error}"


def write_report(path: str, items: list[Item], summary: dict[str, Any]) -> None:
    """Write --report atomically: the summary and one entry per file."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, staged = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump({"summary": summary, "files": [item.entry() for item in items]}, file, indent=1)
        file.write("\n")
    os.replace(staged, path)


def default_jobs() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run(args: argparse.Namespace, argv: list[str]) -> int:
    """The parent of a batch: plan, refuse before any work, then color with workers."""
    from . import cli

    items = plan(args)
    if args.report:
        folder = os.path.dirname(os.path.abspath(args.report))
        if not os.path.isdir(folder):
            raise _bad(f"--report: folder '{folder}' does not exist")
    if args.output_dir is not None:
        try:
            os.makedirs(args.output_dir, exist_ok=True)
        except OSError as error:
            raise _bad(f"Cannot create --output-dir '{args.output_dir}': {error.strerror}") from None
    bpy = cli.import_bpy()
    if args.format and not formats.can_write(bpy, args.format):
        raise _bad(
            f"--format {args.format[1:]}: {formats.blender_version(bpy)} cannot write "
            f"{formats.BY_EXTENSION[args.format].name} files; it writes {', '.join(formats.writable(bpy))}"
        )

    started = time.perf_counter()
    for item in items:
        if args.skip_existing and os.path.exists(item.output):
            item.status = "skipped"
            continue
        problem = precheck(bpy, item)
        if problem:
            item.status, item.error = "failed", problem
    pending = sum(item.status == "pending" for item in items)
    jobs = max(1, min(args.jobs or default_jobs(), pending))
    command, env = worker_command(bpy, argv)
    try:
        Run(items, jobs if pending else 0, command, env).start()
    except KeyboardInterrupt:
        left = sum(item.status == "pending" for item in items)
        message = f"interrupted with {left} files left; --skip-existing resumes"
        raise cli.CliError(message, cli.EXIT_FAILED) from None

    counts = collections.Counter(item.status for item in items)
    elapsed = time.perf_counter() - started
    summary = {
        "files": len(items), "done": counts["done"], "skipped": counts["skipped"], "failed": counts["failed"],
        "seconds": round(elapsed, 3), "jobs": jobs if pending else 0,
        "blender": bpy.app.version_string, "shard": "/".join(map(str, args.shard)) if args.shard else None,
    }
    print(
        f"{len(items)} files: {counts['done']} done, {counts['skipped']} skipped, "
        f"{counts['failed']} failed; {elapsed:.1f} s with {summary['jobs']} workers",
        flush=True,
    )
    if args.report:
        write_report(args.report, items, summary)
    return cli.EXIT_FAILED if counts["failed"] else cli.EXIT_OK


def precheck(bpy: ModuleType, item: Item) -> str | None:
    """What keeps a file from being tried, found without a worker: its format, its output folder."""
    for path, check in ((item.input, formats.check_readable), (item.output, formats.check_writable)):
        try:
            check(bpy, path)
        except formats.FormatError as error:
            return str(error)
    folder = os.path.dirname(os.path.abspath(item.output))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        return f"Cannot create output folder '{folder}': {error.strerror}"
    return None


# -- inside a worker ----------------------------------------------------------------------------


def serve(argv: list[str]) -> int:
    """A worker: color each file named on stdin; one JSON result a line on the original stdout."""
    from . import cli

    results = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)  # Blender's and the importers' prints go to stderr from now on
    args = cli.build_parser().parse_args(argv)
    settings = cli.color_settings(args)
    in_place = bool(args.in_place)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        started = time.perf_counter()
        try:
            done = cli.color_file(job["input"], job["output"], settings, args.objects, in_place)
            result = {
                "status": "done", "objects": done.objects, "faces": done.faces,
                "seconds": time.perf_counter() - started, "lines": done.lines,
            }
        except cli.CliError as error:
            result = {"status": "failed", "error": str(error), "seconds": time.perf_counter() - started}
        except Exception as error:  # a bug on one file: say so, keep serving the others
            import traceback

            traceback.print_exc()
            result = {
                "status": "failed", "error": f"internal error: {type(error).__name__}: {error}",
                "seconds": time.perf_counter() - started,
            }
        results.write(json.dumps(result) + "\n")
        results.flush()
    return cli.EXIT_OK
