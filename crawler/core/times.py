"""Times as newswatch stores and compares them: ISO 8601 text in UTC, to the second."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def utc_iso(moment: datetime) -> str:
    """UTC ISO 8601 text; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_moment(value: str | None, zone: tzinfo = UTC) -> datetime | None:
    """An ISO 8601 text as an aware datetime (naive ones are in `zone`); None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def utc_text(value: str | None) -> str | None:
    """An ISO 8601 time with any offset (or none: UTC) as UTC text; None when absent or unreadable."""
    moment = parse_moment(value)
    return utc_iso(moment) if moment is not None else None
