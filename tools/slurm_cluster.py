#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start and stop a one-node SLURM cluster in a folder, to try job arrays on one machine.

    python3 tools/slurm_cluster.py start DIR    # prints: export SLURM_CONF=DIR/slurm.conf
    eval "$(python3 tools/slurm_cluster.py start DIR)"; sbatch --array=0-3 job.sh; ...
    python3 tools/slurm_cluster.py stop DIR

Needs Debian's ``slurm-wlm`` and ``munge`` (``apt-get install slurm-wlm munge``)
and root (the daemons run as root: ``SlurmUser=root``). Everything the
cluster writes (configuration, munge key and socket, state, spool, logs, pid
files) stays in DIR; ``stop`` ends the daemons by the PIDs their pid files
hold, nothing else. The settings are the ones that work in a container
without systemd or cgroups: process tracking by /proc, no task plugin, no
accounting, and no scheduling delays, so that a job array starts at once.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

DAEMONS = ("slurmd", "slurmctld", "munged")  # stopped in this order
PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo")


class ClusterError(Exception):
    pass


def missing_programs() -> list[str]:
    """The SLURM and munge programs not found on PATH (or in /usr/sbin)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [name for name in PROGRAMS if shutil.which(name, path=path) is None]


def program(name: str) -> str:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(name, path=path)
    if found is None:
        raise ClusterError(f"{name} not found: install Debian's slurm-wlm and munge")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    def __init__(self, folder: str | os.PathLike):
        self.dir = pathlib.Path(folder).resolve()
        self.conf = self.dir / "slurm.conf"
        self.munge_socket = self.dir / "munge" / "munge.socket.2"

    def pid_file(self, daemon: str) -> pathlib.Path:
        return self.dir / "run" / f"{daemon}.pid"

    @property
    def env(self) -> dict[str, str]:
        """The environment for client commands (sbatch, squeue, sinfo)."""
        return dict(os.environ, SLURM_CONF=str(self.conf))

    def write_config(self) -> None:
        for sub in ("munge", "state", "spool", "log", "run"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        # munged refuses a socket folder that others cannot traverse (700), or write to.
        os.chmod(self.dir / "munge", 0o711)
        key = self.dir / "munge.key"
        if not key.exists():
            key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        host = socket.gethostname().split(".")[0]
        cpus = len(os.sched_getaffinity(0))
        self.conf.write_text(f"""\
# One-node cluster written by tools/slurm_cluster.py.
ClusterName=rvc
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={self.munge_socket}
StateSaveLocation={self.dir / 'state'}
SlurmdSpoolDir={self.dir / 'spool'}
SlurmctldPidFile={self.pid_file('slurmctld')}
SlurmdPidFile={self.pid_file('slurmd')}
SlurmctldLogFile={self.dir / 'log' / 'slurmctld.log'}
SlurmdLogFile={self.dir / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=local Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
""")

    def start(self, timeout: float = 30) -> None:
        missing = missing_programs()
        if missing:
            raise ClusterError(f"not installed: {', '.join(missing)} (apt-get install slurm-wlm munge)")
        self.write_config()
        subprocess.run([
            program("munged"), "--force",
            f"--key-file={self.dir / 'munge.key'}", f"--socket={self.munge_socket}",
            f"--pid-file={self.pid_file('munged')}", f"--log-file={self.dir / 'log' / 'munged.log'}",
            f"--seed-file={self.dir / 'munge' / 'munged.seed'}",
        ], check=True, capture_output=True)
        subprocess.run([program("slurmctld"), "-f", str(self.conf)], check=True, capture_output=True)
        subprocess.run([program("slurmd"), "-f", str(self.conf)], check=True, capture_output=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [program("sinfo"), "--noheader", "--format=%t"], env=self.env, capture_output=True, text=True
            )
            if probe.returncode == 0 and probe.stdout.strip() in ("idle", "mix", "alloc"):
                return
            time.sleep(0.2)
        logs = "\n".join(
            path.read_text(errors="replace")[-1500:] for path in sorted((self.dir / "log").glob("*.log"))
        )
        self.stop()
        raise ClusterError(f"the node did not come up in {timeout:.0f} s; logs:\n{logs}")

    def stop(self, timeout: float = 15) -> None:
        for daemon in DAEMONS:
            pid_file = self.pid_file(daemon)
            try:
                pid = int(pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pid_file.unlink(missing_ok=True)
                continue
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
            pid_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A daemon that exited but was not reaped yet (it is not our child: init reaps it).
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("start", "stop"))
    parser.add_argument("folder", help="where the cluster keeps everything (created by start)")
    args = parser.parse_args(argv)
    cluster = Cluster(args.folder)
    try:
        if args.action == "start":
            cluster.start()
            print(f"export SLURM_CONF={cluster.conf}")
        else:
            cluster.stop()
    except (ClusterError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or b""
        print(f"slurm_cluster: {error} {detail.decode(errors='replace').strip()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
