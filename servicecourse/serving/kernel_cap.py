"""The cap on visitors' kernels in the course's Voila server, sized from memory.

Voila starts a kernel for every page asked for and has no limit (voila-dashboards/voila#617):
a crowd larger than the machine fills its memory until kernels die. The course's server
(`servicecourse.serving.voila_server`) gives each page a kernel only while fewer than ``cap`` visitors'
kernels are running (kernels waiting in the pool are not visitors'); beyond it the page is
served with no kernel (`servicecourse.serving.page_engine`).

The rule: half the memory available when the server starts (``MemAvailable``), divided by what
one visitor's kernel takes, `KERNEL_MB`, and at least 1. ``bench/capacity.py`` measures it: a
visitor adds about 60 MB to the server at the first choice, and its kernel holds about 102 MB
once a play has reached its debrief (whose chart loads matplotlib); `KERNEL_MB` is the latter
with the server's share. The other half is left to the rest of the machine (the hub, learners'
JupyterLab, grading). The setting ``COURSE_KERNEL_CAP`` (a whole number) overrides the rule.

How the server knows a kernel is a visitor's: the page handler admits a request (one more kernel
counted at once, so that requests arriving together cannot all pass the last free place), and
the kernel manager records the kernel it then hands to that request (a pool kernel or a new
one); a kernel that has been shut down or culled no longer counts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from jupyter_core.utils import ensure_async

KERNEL_MB = 105  # one visitor of the role-play app after a complete play, measured here
MEMORY_SHARE = 0.5
CAP_ENV = "COURSE_KERNEL_CAP"


def available_mb(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    """The memory available for new processes, in MB (None if the system does not say)."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def kernel_cap(environ: Mapping[str, str] | None = None, available: float | None = None) -> int:
    """The cap: ``COURSE_KERNEL_CAP`` if set, else the memory rule (``available`` MB, or what
    the system says now). ValueError if the setting is not a whole number of at least 1."""
    setting = (os.environ if environ is None else environ).get(CAP_ENV, "").strip()
    if setting:
        try:
            cap = int(setting)
        except ValueError:
            cap = 0
        if cap < 1:
            raise ValueError(f"{CAP_ENV}={setting!r}: the kernel cap must be a whole number of at least 1")
        return cap
    available = available_mb() if available is None else available
    if available is None:
        raise ValueError(f"the memory available is unknown here: set {CAP_ENV}")
    return max(1, int(available * MEMORY_SHARE // KERNEL_MB))


@dataclass
class Ticket:
    """One admitted page request: counted until its kernel is recorded (or the request ends)."""

    manager: object
    open: bool = True


_ticket: ContextVar[Ticket | None] = ContextVar("course_kernel_ticket", default=None)


def capped(manager_class: type, cap: int) -> type:
    """A subclass of Voila's kernel manager class that admits page requests up to ``cap``
    visitors' kernels and records which kernels are visitors'."""

    class CappedKernelManager(manager_class):
        kernel_cap = cap

        def __init__(self, **kwargs):
            self.visitor_kernels: set[str] = set()
            self.admitted = 0  # admitted requests whose kernel is not recorded yet
            super().__init__(**kwargs)

        def in_use(self) -> int:
            """Visitors' kernels running, plus admitted requests still waiting for theirs."""
            self.visitor_kernels &= set(self.list_kernel_ids())
            return len(self.visitor_kernels) + self.admitted

        def admit(self) -> Ticket | None:
            """A ticket for one more visitor's kernel, or None at the cap."""
            if self.in_use() >= self.kernel_cap:
                return None
            self.admitted += 1
            ticket = Ticket(self)
            _ticket.set(ticket)  # the request's own context: the calls below see it
            return ticket

        def settle(self, ticket: Ticket) -> None:
            """The request is done with its ticket (its kernel recorded, or no kernel at all)."""
            if ticket.open:
                ticket.open = False
                self.admitted -= 1

        def _record(self, kernel_id: str) -> None:
            ticket = _ticket.get()
            if ticket is not None and ticket.manager is self and ticket.open:
                self.visitor_kernels.add(kernel_id)
                self.settle(ticket)

        async def start_kernel(self, *args, **kwargs):
            # Called by Voila's page handler when no pool kernel serves the page (the pool
            # fills itself through the base class, not through here).
            kernel_id = await ensure_async(super().start_kernel(*args, **kwargs))
            self._record(kernel_id)
            return kernel_id

        async def get_rendered_notebook(self, *args, **kwargs):
            # A pool kernel handed to a page (only called when preheating, where it exists).
            result = await super().get_rendered_notebook(*args, **kwargs)
            self._record(result[2])
            return result

    CappedKernelManager.__name__ = CappedKernelManager.__qualname__ = f"Capped{manager_class.__name__}"
    return CappedKernelManager
