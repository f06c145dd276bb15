"""spaCy's worker processes (nlp.pipe with n_process > 1) die with the process that started them.

spaCy forks its workers with multiprocessing and stops them when the pipe ends; a run killed
outright (SIGKILL, the OOM killer) never gets there, and its workers would wait on their pipes
forever, each holding a loaded model. On Linux, `die_with_parent()` makes every process forked from
this one afterwards ask the kernel for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG).
Elsewhere it does nothing.
"""
from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1
_registered = False


def _ask_for_sigterm_on_parent_death() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() == 1:  # the parent died between fork and prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


def die_with_parent() -> None:
    """Register, once per process, the fork hook described above (Linux only)."""
    global _registered
    if _registered or not sys.platform.startswith("linux"):
        return
    os.register_at_fork(after_in_child=_ask_for_sigterm_on_parent_death)
    _registered = True
