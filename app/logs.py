"""Log records of bounded size: input from a request is clipped, never copied whole.

Every logger of the app comes from `get_logger`, whose filter bounds each record's message
and traceback, whatever a call passes it. The app puts the same filter on the libraries'
loggers that repeat input: uvicorn's (the access log has the request line) and the
database clients' (their debug logs have each query's parameters).
"""

from __future__ import annotations

import logging
import traceback

MAX_LOGGED_CHARS = 2000
LIBRARY_LOGGERS = ("uvicorn.error", "uvicorn.access", "tortoise.db_client", "aiosqlite")


def clip(value: object, limit: int = MAX_LOGGED_CHARS) -> str:
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


class ClipLongRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if len(message) > MAX_LOGGED_CHARS:
            record.msg, record.args = clip(message), ()
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set: each frame and the exception's own
            # message (which may quote input) are clipped.
            lines = traceback.format_exception(*record.exc_info)
            record.exc_text = "\n".join(clip(line.rstrip("\n")) for line in lines)
        return True


def bound(*names: str) -> None:
    """Put the clipping filter on these loggers (once)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ClipLongRecords) for f in logger.filters):
            logger.addFilter(ClipLongRecords())


def get_logger(name: str) -> logging.Logger:
    bound(name)
    return logging.getLogger(name)
