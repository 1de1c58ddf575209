"""Running a converter (LibreOffice, pdftocairo) as a child process: in its own process group, output
to a file, under a time limit; on timeout, or when it returns, the whole group is killed (soffice.bin
outlives its launcher).

Children get FONTCONFIG_FILE=fonts.conf (archive/binder/fonts.conf), which maps the Windows font names
Chinese documents ask for (宋体, 仿宋_GB2312, 黑体, 方正小标宋简体...) to Noto CJK SC.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

FONTS_CONF = Path(__file__).resolve().parent.parent / "fonts.conf"


class TimedOut(Exception):
    pass


def run(command: list[str], timeout: float, cwd: Path) -> tuple[int, str]:
    """(exit status, the first 64 KiB of its output). Raises TimedOut, or FileNotFoundError when the
    program is not installed."""
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    log_path = cwd / f"run-{os.getpid()}-{time.monotonic_ns()}.log"
    with open(log_path, "w+b") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   cwd=cwd, env=env, start_new_session=True)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            process.wait()
            raise TimedOut() from None
        finally:
            kill_group(process.pid)   # anything it left behind
        output.seek(0)
        text = output.read(1 << 16).decode("utf-8", "replace")
    return code, text


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
