"""JSON logs with the request id."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_STD = set(vars(logging.makeLogRecord({})))
_encode = json.JSONEncoder(default=str).encode  # one encoder, not one per line (json.dumps with options)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        fields = vars(record)
        # the `extra=` fields: a set difference in C instead of a test per standard attribute
        out.update({k: fields[k] for k in fields.keys() - _STD if k not in out})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return _encode(out)


def configure(level: str = "INFO") -> None:
    # The JSON lines carry none of the caller's file, line, thread or process: skip computing them
    # for every record (the logging HOWTO's "Optimization"; one request line per autosave).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").setLevel("WARNING")  # our middleware logs requests
