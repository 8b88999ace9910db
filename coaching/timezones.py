"""Local wall-clock time in, UTC out (and back): each viewer works in their own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone name in old data falls back to UTC, never a 500
        return ZoneInfo("UTC")


def local_to_utc(day: date, at: time, zone_name: str) -> datetime:
    return datetime.combine(day, at, tzinfo=zone(zone_name)).astimezone(UTC)


def exists_locally(day: date, at: time, zone_name: str) -> bool:
    """False for a wall-clock time the clocks skip (02:30 on a spring-forward night), which
    `local_to_utc` would silently move by the size of the jump."""
    local = datetime.combine(day, at, tzinfo=zone(zone_name))
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def to_local(moment: datetime, zone_name: str) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(zone_name))
