"""The cap on the event streams one process holds, and the answer past it (503 with ``Retry-After``):
the threaded streams' (web/kiosk.py) and the event loop's (web/streams.py)."""

from __future__ import annotations

import random
import threading

#: ``Retry-After`` of a refused stream: a number of seconds from this range, so that the screens refused
#: together do not all come back together.
RETRY_AFTER = (15, 45)


def refusal(limit: int) -> tuple[str, dict[str, str]]:
    """The text and headers of the 503 that refuses a stream past the cap of ``limit``."""
    text = f"this server holds {limit} event streams, its most: poll the programme, and try again later\n"
    return text, {"Retry-After": str(random.randint(*RETRY_AFTER)), "Cache-Control": "no-store"}


class Streams:
    """The event streams this process holds on threads, at most ``limit`` (``THREAD_STREAMS``): a
    stream holds its thread for up to an hour, and pages and heartbeats need threads too. In production
    the streams are held by ``quality-month streams`` on an event loop (web/streams.py); these are
    ``serve``'s, and the web workers' for a proxy that does not send the streams there."""

    def __init__(self, limit: int) -> None:
        self.limit, self.count = limit, 0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.count -= 1
