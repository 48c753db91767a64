"""Running hostile decoders (ffmpeg, ffprobe, Pillow) where they cannot hurt the caller.

Every decoder that reads untrusted bytes runs in its own process with an address-space,
CPU-time, file-size and core-dump limit, in its own session, and with a wall-clock
timeout after which its whole process group is killed. A crash, a hang or a memory
explosion therefore becomes a `MediaRefused`, never a dead API worker.

Limits are applied by util-linux `prlimit` when present (safe to start from a threaded
process), else by `resource.setrlimit` in the child before exec.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from media.errors import MediaRefused

_PRLIMIT = shutil.which("prlimit")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed process."""

    seconds: float
    memory_mb: int
    max_output_bytes: int


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def _rlimits(limits: Limits) -> list[tuple[int, int]]:
    cpu = max(1, int(limits.seconds) + 1)
    return [
        (resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_FSIZE, limits.max_output_bytes),
        (resource.RLIMIT_CORE, 0),
    ]


def _command(argv: Sequence[str], limits: Limits) -> tuple[list[str], Callable[[], None] | None]:
    if _PRLIMIT:
        names = {
            resource.RLIMIT_AS: "--as",
            resource.RLIMIT_CPU: "--cpu",
            resource.RLIMIT_FSIZE: "--fsize",
            resource.RLIMIT_CORE: "--core",
        }
        flags = [f"{names[kind]}={value}" for kind, value in _rlimits(limits)]
        return [_PRLIMIT, *flags, "--", *argv], None

    def apply() -> None:  # pragma: no cover - only without util-linux
        for kind, value in _rlimits(limits):
            resource.setrlimit(kind, (value, value))

    return list(argv), apply


def run_limited(argv: Sequence[str], limits: Limits, *, what: str) -> Completed:
    """Run `argv` under `limits`; raise `MediaRefused` on a timeout or a signal death.

    `what` names the step in the refusal ("reading the video"); decoder output is never
    put into the reason, since it may quote metadata from the file.
    """
    command, preexec = _command(argv, limits)
    process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=preexec,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
    )
    try:
        stdout, stderr = process.communicate(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise MediaRefused(f"Timed out while {what}") from None
    except BaseException:
        _kill_group(process)
        raise
    if process.returncode < 0 or process.returncode in (128 + signal.SIGXCPU, 137):
        raise MediaRefused(f"The decoder was stopped while {what} (time or memory limit)")
    return Completed(process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the sandboxed process and anything it started (its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
