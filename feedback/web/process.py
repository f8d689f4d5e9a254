"""Settings of the process that serves the app (once per process, not per app)."""

from __future__ import annotations

import gc
import logging
import os

from flask import Flask
from jinja2 import TemplateError

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


def compile_templates(app: Flask) -> int:
    """Compile every template of `app` into its Jinja environment's cache when a web process starts
    (TEMPLATES_COMPILED_AT_START), so that no request compiles one; return how many were compiled.

    Not under the `flask` command, which sets FLASK_RUN_FROM_CLI before it loads the app. A template that
    does not compile is logged and left to fail where it is used, as it would without this.
    """
    if not app.config.get("TEMPLATES_COMPILED_AT_START") or os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        return 0
    env = app.jinja_env
    names = env.list_templates()
    capacity = getattr(env.cache, "capacity", len(names))
    compiled = 0
    for name in names[:capacity]:  # never more than the cache keeps (Jinja's 400; 126 here)
        try:
            env.get_template(name)
            compiled += 1
        except TemplateError:
            logging.getLogger(__name__).exception("template %s does not compile", name)
    return compiled
