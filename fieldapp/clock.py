"""The one source of the current time, so that tests can move it, and Vietnam's time zone."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

#: Asia/Ho_Chi_Minh (UTC+7): dates people write and see are Vietnam's.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def today_in_vietnam() -> date:
    return utcnow().astimezone(VIETNAM).date()
