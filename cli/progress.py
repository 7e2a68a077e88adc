"""Engine events as a live view on a terminal, or as NDJSON lines with --json."""

from __future__ import annotations

import time
from typing import Any, Optional


def event_record(event: Any, started: dict[str, float], now: Optional[float] = None) -> Optional[dict[str, Any]]:
    """One engine event as a small JSON-ready record; None for events nobody needs to see."""
    now = time.monotonic() if now is None else now
    if event.resource_pre_event is not None:
        meta = event.resource_pre_event.metadata
        if meta.type == "pulumi:pulumi:Stack":
            return None
        started[meta.urn] = now
        return _resource(meta, "started")
    if event.res_outputs_event is not None:
        meta = event.res_outputs_event.metadata
        if meta.type == "pulumi:pulumi:Stack":
            return None
        return {**_resource(meta, "done"), "elapsed_s": round(now - started.get(meta.urn, now), 1)}
    if event.res_op_failed_event is not None:
        return _resource(event.res_op_failed_event.metadata, "failed")
    if event.diagnostic_event is not None and event.diagnostic_event.severity in ("warning", "error", "info"):
        diagnostic = event.diagnostic_event
        return {"event": "diagnostic", "severity": diagnostic.severity, "message": diagnostic.message.strip()}
    if event.summary_event is not None:
        return {
            "event": "summary",
            "changes": dict(event.summary_event.resource_changes or {}),
            "seconds": event.summary_event.duration_seconds,
        }
    return None


def _resource(meta: Any, status: str) -> dict[str, Any]:
    """The fields every resource event shares."""
    return {
        "event": "resource",
        "status": status,
        "op": str(getattr(meta.op, "value", meta.op)),
        "type": meta.type,
        "name": meta.urn.rsplit("::", 1)[-1],
    }


class Progress:
    """Callable for `on_event`: prints NDJSON, or a line per finished resource with its elapsed time."""

    def __init__(self, json_output: bool):
        self.json_output = json_output
        self.started: dict[str, float] = {}
        self.records: list[dict[str, Any]] = []

    def __call__(self, event: Any) -> None:
        record = event_record(event, self.started)
        if record is None:
            return
        self.records.append(record)
        from .output import emit_json_line, plain

        if self.json_output:
            emit_json_line(record)
            return

        if record["event"] == "resource" and record["status"] == "done" and record["op"] != "same":
            plain(f"  {record['op']:>8}  {record['name']}  ({record['type']}, {record['elapsed_s']}s)")
        elif record["event"] == "resource" and record["status"] == "failed":
            plain(f"  FAILED    {record['name']}  ({record['type']})")
        elif record["event"] == "diagnostic" and record["severity"] in ("warning", "error"):
            plain(f"  {record['severity']}: {record['message']}")

    def emit(self, record: dict[str, Any]) -> None:
        if self.json_output:
            from .output import emit_json_line

            emit_json_line(record)
