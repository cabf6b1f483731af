"""Heavy libraries imported where they are first used, not when the server starts.

`pygal = lazy("pygal")` at the top of a module reads like an import; the library is loaded by the
first attribute looked up on it (`pygal.Bar`), in the process and at the moment that needs it. A
server that never draws a chart, writes a calendar file or decodes a photo never holds them in
memory: that is most of what a worker process costs beyond Flask itself.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType


class LazyModule:
    """A stand-in for a module, imported on first use (Python's import lock makes that thread-safe)."""

    __slots__ = ("_name", "_ready", "_set_up")

    def __init__(self, name: str, ready: Callable[[ModuleType], None] | None = None):
        self._name, self._ready, self._set_up = name, ready, ready is None

    def _module(self) -> ModuleType:
        module = importlib.import_module(self._name)
        if not self._set_up:
            # Settings the module-level code would have made (a limit, a default): idempotent, so
            # two threads arriving first at once do no harm.
            self._ready(module)
            self._set_up = True
        return module

    def __getattr__(self, attr: str):
        return getattr(self._module(), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


def lazy(name: str, ready: Callable[[ModuleType], None] | None = None) -> LazyModule:
    """`ready(module)`, if given, runs once after the first import, before the first use."""
    return LazyModule(name, ready)


def peewee_without_postgres_driver() -> None:
    """Import peewee without psycopg2, which it loads by itself when it is installed (about 5 MB:
    the driver, its own OpenSSL and Kerberos, the ssl module) although only a district hub on
    PostgreSQL uses it. The driver is loaded by the first PostgreSQL connection instead, and handed
    to peewee as its own import would have done. Called by `appliance/__init__.py`, before anything
    imports peewee; does nothing if peewee or psycopg2 is already loaded."""
    import sys

    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    sys.modules["psycopg2"] = None  # an import of it fails while peewee loads
    try:
        import peewee
        import playhouse.postgres_ext  # noqa: F401 - it too tries psycopg2 (playhouse.migrate imports it)
    finally:
        del sys.modules["psycopg2"]
    if peewee.psycopg2 is not None:  # pragma: no cover - another driver shim answered
        return
    check_driver = peewee.Psycopg2Adapter.check_driver

    def load_driver_then_check(adapter) -> None:
        if peewee.psycopg2 is None:
            _hand_psycopg2_to_peewee(peewee)
        if getattr(adapter, "json_type", None) is None:
            adapter.json_type = adapter.jsonb_type = peewee.Json_pg2
        check_driver(adapter)

    peewee.Psycopg2Adapter.check_driver = load_driver_then_check


def _hand_psycopg2_to_peewee(peewee: ModuleType) -> None:
    """What peewee's own `import psycopg2` block does, done at the first connection."""
    try:
        import psycopg2
        from psycopg2 import extensions
        from psycopg2.extras import Json, register_uuid
    except ImportError:
        return  # peewee's check then says the driver is missing
    register_uuid()
    peewee.pg_extensions, peewee.Json_pg2 = extensions, Json
    adapter = peewee.Psycopg2Adapter
    adapter.txn_idle = extensions.TRANSACTION_STATUS_IDLE
    adapter.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
    adapter.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN
    peewee.psycopg2 = psycopg2  # last: a thread that sees it set finds the rest in place
