"""The cyclic garbage collector of a `newsclaims run` or `watch` process.

CPython's collector walks every object it tracks at each full collection, and starting a run builds
a large heap that lives until the process ends: Dagster's, dbt's and the project's modules, the
Definitions, dbt's manifest. With CPython's default thresholds (700, 10, 10) a one-article update
made 7 full collections and about 1,400 younger ones, 1.1 s of its 12-13 s on this machine, walking
that heap again and again though none of it is garbage. So the `newsclaims` command holds the
collector while it starts (`hold`), and once the definitions are built (`settle`) moves every object
then alive out of the collector's sight (`gc.freeze`, which CPython's documentation advises before
forking workers, as a run does) and raises the youngest generation's threshold: the same update then
spends about 0.2 s collecting. Garbage made after that is collected as usual; the start-up heap is
never walked again. A process that only imports `pipeline.cli` (tests, scripts) keeps the default.
"""

from __future__ import annotations

import gc

#: the collector's thresholds once the start-up heap is frozen (CPython's default: 700, 10, 10)
THRESHOLDS = (10_000, 10, 10)

_held = False


def hold() -> None:
    """No collection until `settle` (the start-up: imports and the definitions)."""
    global _held
    _held = True
    gc.disable()


def settle() -> None:
    """After the start-up, once per process: freeze what is alive, raise the thresholds, collect
    again. Nothing when `hold` was not called."""
    global _held
    if not _held:
        return
    _held = False
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    gc.enable()
