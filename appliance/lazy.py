"""Heavy libraries imported where they are first used, not when the server starts.

`pygal = lazy("pygal")` at the top of a module reads like an import; the library is loaded by the
first attribute looked up on it (`pygal.Bar`), in the process and at the moment that needs it. A
server that never draws a chart, writes a calendar file or decodes a photo never holds them in
memory: that is most of what a worker process costs beyond Flask itself.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """A stand-in for a module, imported on first use (Python's import lock makes that thread-safe)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def _module(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str):
        return getattr(self._module(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def lazy(name: str) -> LazyModule:
    return LazyModule(name)
