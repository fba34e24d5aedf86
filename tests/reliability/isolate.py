"""Run one case in a forked child with a time limit and an address-space limit.

``run_isolated(fn, *args, timeout=..., memory=...)`` forks; the child lowers its
``RLIMIT_AS`` to what it has mapped already plus ``memory`` bytes (so any attempt to
allocate more raises ``MemoryError`` at once, as it would on a small machine), calls
``fn(*args)`` and reports how it ended through a pipe: ``Outcome("ok", detail)``,
``Outcome("raised", "ExceptionType: message")``; the parent reports ``Outcome("timeout")``
when the child runs past ``timeout`` seconds (it is killed) and ``Outcome("died", ...)`` when
it ends by a signal.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

if not hasattr(os, "fork") or not os.path.exists("/proc/self/status"):
    pytest.skip("the reliability suite isolates each case with os.fork and measures the "
                "address space in /proc (Linux)", allow_module_level=True)

MiB = 1 << 20
#: What a case may map beyond the process as it was at fork (interpreter, heap growth, h5py's
#: own reader child) before its file's share: generous, and far below what forged sizes claim.
BASE_MEMORY = 256 * MiB


@dataclass
class Outcome:
    kind: str  # "ok", "raised", "timeout", "died"
    detail: str = ""
    seconds: float = 0.0

    @property
    def exception(self) -> str:
        return self.detail.split(":", 1)[0] if self.kind == "raised" else ""


def _mapped_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_isolated(fn: Callable[..., Any], *args: Any, timeout: float = 20.0,
                 memory: int = BASE_MEMORY) -> Outcome:
    """``fn(*args)`` in a child limited to ``timeout`` seconds and ``memory`` more bytes."""
    r, w = os.pipe()
    start = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
        pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(r)
            try:
                limit = _mapped_bytes() + memory
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
                result = {"kind": "ok", "detail": str(fn(*args))[:2000]}
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                result = {"kind": "raised", "detail": f"{type(exc).__name__}: {exc}"[:2000]}
            os.write(w, json.dumps(result).encode())
        except BaseException:  # noqa: BLE001
            code = 3
        finally:
            os._exit(code)
    os.close(w)
    data = b""
    deadline = start + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Outcome("timeout", f"no answer within {timeout} s", timeout)
            chunk = os.read(r, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - start
    if os.WIFSIGNALED(status):
        return Outcome("died", f"signal {os.WTERMSIG(status)}", seconds)
    if not data:
        return Outcome("died", f"exit status {os.WEXITSTATUS(status)}, no report", seconds)
    result = json.loads(data)
    return Outcome(result["kind"], result["detail"], seconds)
