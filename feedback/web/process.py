"""Settings of the process that serves the app (once per process, not per app)."""

from __future__ import annotations

import gc

from flask import Flask

_tuned = False


def tune_garbage_collector(app: Flask) -> None:
    """Collect garbage less often in a web process: GC_GEN0_THRESHOLD allocations between young
    collections instead of Python's 700, and the objects of the app as started (modules, the URL map,
    the models' metadata) moved out of the collector's sight with `gc.freeze()`, so that the rare full
    collections do not walk them again. A request makes a few thousand objects and drops them all, most
    without cycles (freed at once by reference counting): a page costs less and memory does not grow.

    Once per process, at the first app built (a worker's); GC_GEN0_THRESHOLD = 0 leaves Python's
    settings, as the test suite does.
    """
    global _tuned
    threshold = int(app.config.get("GC_GEN0_THRESHOLD") or 0)
    if _tuned or threshold <= 0:
        return
    _tuned = True
    gc.collect()  # what the start left behind, before the rest is frozen
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
