import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]

#: How far ahead of the server's clock a given moment may be (another machine's clock may run a little fast).
CLOCK_SLACK = dt.timedelta(minutes=5)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
