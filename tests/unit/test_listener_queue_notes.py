"""waitress's "Task queue depth" warning, once per request that waits, becomes one line a minute
with the deepest queue seen (appliance/listener.py)."""

from __future__ import annotations

import logging

from appliance.listener import GuardedServer, QueueDepthNotes


def test_a_burst_of_waiting_requests_is_one_line_with_the_deepest_queue(caplog):
    now = [1000.0]
    notes = QueueDepthNotes(logging.getLogger("waitress.queue"), every=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        for depth in [1, 5, 40, 3] * 250:
            notes.warning("Task queue depth is %d", depth)
        assert [r.getMessage() for r in caplog.records] == ["запросы ждут свободного потока: в очереди было до 1"]
        now[0] += 61
        notes.warning("Task queue depth is %d", 2)
    assert caplog.records[-1].getMessage() == "запросы ждут свободного потока: в очереди было до 40"
    assert len(caplog.records) == 2


def test_the_portals_server_uses_it():
    server = GuardedServer(lambda environ, start_response: [], host="127.0.0.1", port=0, threads=1)
    try:
        assert isinstance(server.task_dispatcher.queue_logger, QueueDepthNotes)
    finally:
        server.close()
        server.task_dispatcher.shutdown()
