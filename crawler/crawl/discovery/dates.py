"""Dates in listings and crawl windows: parsing what feeds and pages state, comparing against since/until."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateparser

# How far ahead of our clock a listing date may be and still be believed (clock skew, a local time labelled
# UTC). Further ahead it is no date at all: clamped to "now" it would look newer than the stored date at every
# crawl and refetch the article forever; kept, it would make a stale feed look fresh until that day.
FUTURE_TOLERANCE = timedelta(days=1)

# Liputan6 states its times in Western Indonesia Time; a naive Liputan6 date means this zone.
WIB = timezone(timedelta(hours=7), "WIB")


def parse_date(value: str | None) -> datetime | None:
    """A listing's date string (RFC 822, ISO 8601, '2022-01-07') as a datetime; None when unparseable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dateparser.parse(value)
    except (ValueError, OverflowError):
        return None


def parse_day(value: str | date | None) -> date | None:
    """A `since`/`until` argument ('2022-01-01') as a date; raises ValueError naming the bad value."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from exc


def day_of(moment: datetime, zone: timezone = UTC) -> date:
    """The calendar day of a moment; naive moments are taken as already local to `zone`."""
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone).date()


def in_window(moment: datetime | None, since: date | None, until: date | None, zone: timezone = UTC) -> bool:
    """Whether a listing date falls in [since, until] (whole days, both ends included). Unknown dates pass."""
    if moment is None:
        return True
    day = day_of(moment, zone)
    return not ((since and day < since) or (until and day > until))


def before(moment: datetime | None, since: date | None, zone: timezone = UTC) -> bool:
    """Whether a listing date is strictly before the window's first day (a reason to stop paging)."""
    return moment is not None and since is not None and day_of(moment, zone) < since


def days(since: date, until: date) -> list[date]:
    """Every day from until back to since: newest first, the order a monitor wants results in."""
    count = (until - since).days
    return [until - timedelta(days=n) for n in range(count + 1)]


def trusted(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """A listing date as far as it can be believed: a date up to FUTURE_TOLERANCE ahead of `now` becomes
    `now`, one further ahead becomes None (undated). Naive moments are compared as UTC."""
    if moment is None:
        return None
    now = now or datetime.now(UTC)
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if aware <= now:
        return moment
    if aware - now <= FUTURE_TOLERANCE:
        return now if moment.tzinfo is not None else now.astimezone(UTC).replace(tzinfo=None)
    return None
