"""Bounded work for the hostile-file tests, proven with a CPU-time cap, not a stopwatch.

A wall-clock limit flakes on a loaded machine (1.60 s against a 1.5 s limit, once). Here
the call runs in a child process whose CPU time is capped by RLIMIT_CPU: CPU seconds do
not grow because other processes share the machine. Each cap is several times what the
bounded code needs, and each hostile file is big enough that the unbounded code the test
guards against (a Python step per byte, per sub-block or per frame, a cap checked after
the walk, quadratic work) needs several times the cap: SIGXCPU kills that child and the
test fails. `benchmarks/hostile.py` prints the figures. CPU used by decoders the
sanitiser runs in processes of their own is added and held to the same cap. Memory is the
call's tracemalloc peak in the child: a count of bytes, not a time.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import signal
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from media import sanitize_file
from media.limits import MediaSettings

CPU_SECONDS = 1.0
# Children fork from one server that has already imported the sanitiser (a fresh
# interpreter per call costs more than most calls; forking pytest itself is unsafe), and
# pytest, which each child imports again to re-run the `pytest` command's script. Not
# `tests.*`: Python 3.11's server imports before it has the caller's sys.path.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["media", "media.lzw", "core.settings", "pytest"])


@dataclass(frozen=True)
class Run:
    value: Any  # what the call returned
    cpu: float  # CPU seconds it took, its child processes included
    peak: int  # tracemalloc peak in bytes (0 unless asked for: tracing slows the call)


def bounded(
    call: Callable[..., Any],
    /,
    *args: Any,
    cpu: float = CPU_SECONDS,
    memory: bool = False,
    **kwargs: Any,
) -> Run:
    """Run `call(*args, **kwargs)` in a child allowed `cpu` seconds of CPU.

    What it raises is raised here, so `pytest.raises` works as in-process; going over
    the cap fails the test. Arguments, result and exception cross by pickle.
    """
    reader, writer = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(writer, cpu, memory, call, args, kwargs))
    child.start()
    writer.close()
    try:
        error, run = reader.recv()
    except EOFError:
        error = run = None
    finally:
        reader.close()
        child.join()
    over = f"{getattr(call, '__qualname__', call)} needed more than {cpu:g} s of CPU"
    assert child.exitcode != -signal.SIGXCPU, over
    assert run is not None, f"the child died (exit code {child.exitcode})"
    assert run.cpu <= cpu, f"{over} ({run.cpu:.2f} s)"
    if error is not None:
        raise error
    return run


@dataclass(frozen=True)
class Case:
    """A hostile file whose clean must stay bounded, and the CPU its clean may take.

    Defined beside its test; benchmarks/hostile.py times every one of them.
    """

    name: str  # file name (the sanitiser sniffs the type; the extension is a label)
    build: Callable[[], bytes]
    cpu: float = CPU_SECONDS
    memory: bool = False  # the test asserts the tracemalloc peak

    def write(self, folder: Path) -> Path:
        path = folder / self.name
        path.write_bytes(self.build())
        return path

    def sanitize(self, source: Path, workdir: Path, settings: MediaSettings) -> Run:
        """`sanitize_file` under this case's cap."""
        return bounded(
            sanitize_file, source, workdir, settings=settings, cpu=self.cpu, memory=self.memory
        )


def _cpu(*whose: int) -> float:
    usages = [resource.getrusage(who) for who in whose]
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def _child(
    writer: Connection,
    cpu: float,
    memory: bool,
    call: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    everyone = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    started = _cpu(*everyone)
    # Whole seconds, for this process only (decoders it starts set their own limits);
    # the parent then holds the exact total, theirs included, to `cpu`.
    soft = math.ceil(_cpu(resource.RUSAGE_SELF) + cpu)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    if memory:
        tracemalloc.start()
    value, error = None, None
    try:
        value = call(*args, **kwargs)
    except Exception as raised:  # re-raised by the parent
        error = raised
    peak = tracemalloc.get_traced_memory()[1] if memory else 0
    tracemalloc.stop()
    writer.send((error, Run(value, _cpu(*everyone) - started, peak)))
