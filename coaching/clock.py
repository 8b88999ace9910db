"""The one clock of the domain: aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def epoch_ms(moment: datetime | None = None) -> int:
    return int((moment or now()).timestamp() * 1000)
