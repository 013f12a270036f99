"""Running outside programs (ffmpeg, ffprobe, pdfinfo, pdftotext, pdftoppm).

Always an argument list, never a shell string; always a timeout; always a cap
on the memory the program may map, so a hostile file cannot take the worker's
machine down with it. Failures become StageFailed with a readable reason.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings

from archive.pipeline.base import StageFailed


def _limit_memory() -> Callable[[], None]:
    limit = settings.TOOL_MEMORY_LIMIT

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise StageFailed(f"{name} is not installed on this worker; run scripts/install-system-packages.sh")
    return path


def run_tool(args: Sequence[str], *, timeout: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run a program to the end; ``what`` names the job in error messages."""
    command = [program(args[0]), *args[1:]]
    try:
        result = subprocess.run(  # noqa: S603 - an argument list, never a shell
            command,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            preexec_fn=_limit_memory(),  # workers run one task at a time, so no thread sees the fork
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StageFailed(f"{what} took longer than {timeout:.0f} s and was stopped") from None
    if result.returncode != 0:
        raise StageFailed(f"{what} failed: {tool_error(result.stderr)}")
    return result


def start_tool(args: Sequence[str], *, stderr: Path) -> subprocess.Popen[bytes]:
    """Start a program whose output is read as a stream; its errors go to a file, so no pipe fills up."""
    command = [program(args[0]), *args[1:]]
    with stderr.open("wb") as errors:
        return subprocess.Popen(  # noqa: S603 - an argument list, never a shell
            command,
            stdout=subprocess.PIPE,
            stderr=errors,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_memory(),
        )


def tool_error(stderr: bytes) -> str:
    """The last meaningful lines a program wrote to stderr, short enough to show."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    message = "; ".join(lines[-3:]) or "no message"
    return message[:500]
