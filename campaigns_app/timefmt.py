from datetime import datetime

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, always with microseconds, so clients can sort strings."""
    return moment.strftime(ISO_FORMAT) if moment is not None else None
