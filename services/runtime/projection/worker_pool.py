"""Process pools whose workers end with the process that started them.

A ``ProcessPoolExecutor`` worker waits on a pipe that it also holds open itself, so when its
parent is killed (``SIGKILL``, the OOM killer) it never sees the pipe close: it lives on as an
orphan, holding its memory, and a script that stops the service by its process id does not
stop it. Each worker here therefore, as it starts:

1. asks the kernel to kill it when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``);
2. exits at once if its parent is already gone (it died before step 1 was in force);
3. watches its parent from a daemon thread, once a second, and exits when it is gone: the
   same end where the kernel cannot be asked (another system), or when the thread that
   started the worker ends before the process does (the kernel signal follows that thread).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

#: ``prctl`` option: the signal sent to this process when its parent dies (linux/prctl.h)
PR_SET_PDEATHSIG = 1
#: how often a worker looks for its parent
PARENT_CHECK_S = 1.0


def process_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` freshly spawned workers that end with this process."""
    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )


def end_with_parent(parent_pid: int) -> None:
    """Pool initializer: make this worker end when ``parent_pid`` (its parent) does."""
    _ask_kernel_for_death_signal()
    if os.getppid() != parent_pid:
        os._exit(0)
    watch = threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="watch-parent", daemon=True
    )
    watch.start()


def _ask_kernel_for_death_signal() -> bool:
    """On Linux, have the kernel SIGKILL this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent_pid:
            os._exit(0)
