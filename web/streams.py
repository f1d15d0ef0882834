"""The kiosks' event streams on an event loop: ``quality-month streams``, a process of its own beside the
web workers, that holds every screen's stream (``GET /kiosk/<screen>/events``) without a thread each.

One aiohttp server holds the open streams. Four times a second one thread of it works out the programme
version of every screen that has a stream open, through the web app's own code (the fleet as the
database has it now, the day, the posters, the reload counts: :func:`web.kiosk.cached_programme`), and
the loop writes the new version to the streams of the screens whose version changed. A stream costs a
socket and a few kilobytes, not a thread: the web workers' threads are left to pages and heartbeats,
which are never queued behind streams. A comment every 15 s keeps proxies from closing a stream (and
lets the page see that it is alive); a stream ends within the hour and the page reconnects.

Past ``STREAM_LIMIT`` open streams a new one is answered 503 with ``Retry-After`` (jittered); the page
then polls its programme and tries the stream again later. The reverse proxy sends the streams' path
here and everything else to the web workers (docs/deploy.md); ``quality-month serve`` keeps its own
threaded streams (web/kiosk.py), with a cap of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import resource
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from aiohttp import web as aioweb
from aiohttp.log import server_logger
from flask import Flask
from werkzeug.exceptions import HTTPException

from web.context import now
from web.kiosk import cached_programme, fleet, state
from web.slots import refusal

#: How often the versions of the screens with open streams are worked out again, in seconds (the data
#: itself is checked for a change every LIVE_CHECK_SECONDS, web/live.py).
CHECK_SECONDS = 0.25
#: A comment on each stream after this long without an event, in seconds.
KEEPALIVE_SECONDS = 15.0
#: The open streams one process holds, by default (``STREAM_LIMIT``).
DEFAULT_LIMIT = 16000


@dataclass(eq=False)
class Subscriber:
    """One open stream: the version it is to write next, and the event that wakes it."""

    screen: str
    pending: str | None = None
    removed: bool = False
    woken: asyncio.Event = field(default_factory=asyncio.Event)


class Hub:
    """Every open stream of this process, by screen, and each screen's version as last worked out.

    ``versions_of`` runs in a thread of its own (it reads the database and may build a programme):
    given screen ids, it gives each one's version, or None for a screen that is not in the fleet."""

    def __init__(self, versions_of: Callable[[list[str]], dict[str, str | None]], limit: int) -> None:
        self.versions_of, self.limit = versions_of, limit
        self.subscribers: dict[str, set[Subscriber]] = {}
        self.versions: dict[str, str | None] = {}
        self.count = 0
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="versions")

    async def _work_out(self, screens: list[str]) -> dict[str, str | None]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, self.versions_of, screens)

    async def version(self, screen: str) -> str | None:
        """The screen's version now (as last worked out, when it has streams open)."""
        if screen in self.subscribers and screen in self.versions:
            return self.versions[screen]
        return (await self._work_out([screen]))[screen]

    def join(self, screen: str, version: str | None) -> Subscriber:
        subscriber = Subscriber(screen)
        self.subscribers.setdefault(screen, set()).add(subscriber)
        self.versions.setdefault(screen, version)
        self.count += 1
        return subscriber

    def leave(self, subscriber: Subscriber) -> None:
        found = self.subscribers.get(subscriber.screen)
        if found is not None and subscriber in found:
            found.discard(subscriber)
            self.count -= 1
            if not found:
                del self.subscribers[subscriber.screen]
                self.versions.pop(subscriber.screen, None)

    async def check(self) -> int:
        """Work the versions out again; wake the streams of each screen whose version changed. How many
        streams were woken."""
        screens = list(self.subscribers)
        if not screens:
            return 0
        fresh = await self._work_out(screens)
        woken = 0
        for screen, version in fresh.items():
            if screen not in self.subscribers or self.versions.get(screen) == version:
                continue
            self.versions[screen] = version
            for subscriber in self.subscribers[screen]:
                subscriber.pending, subscriber.removed = version, version is None
                subscriber.woken.set()
                woken += 1
        return woken

    async def run(self, every: float = CHECK_SECONDS) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a check that fails (the database away) is tried again; streams stay
                server_logger.exception("the streams' versions could not be worked out")
            await asyncio.sleep(every)

    def close(self) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)


def versions_from(app: Flask) -> Callable[[list[str]], dict[str, str | None]]:
    """The web app's own answer to "which version does each of these screens play now"."""

    def versions_of(screens: list[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(screens)
        with app.app_context():
            try:
                current = fleet()
            except HTTPException:  # the site has no fleet: no screen is in it
                return found
            moment = now()
            for screen_id in screens:
                with contextlib.suppress(KeyError):
                    found[screen_id] = cached_programme(current.screen(screen_id), moment)["version"]
        return found

    return versions_of


HUB = aioweb.AppKey("hub", Hub)


def _limit_seconds(request: aioweb.Request) -> float:
    value = request.query.get("limit", "3600")
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # also refuses nan and inf
        raise aioweb.HTTPBadRequest(text=f"limit {value!r} is not a number of seconds from 0 to 3600\n")
    return seconds


async def events(request: aioweb.Request) -> aioweb.StreamResponse:
    hub = request.app[HUB]
    screen = request.match_info["screen"]
    seconds = _limit_seconds(request)
    if hub.count >= hub.limit:
        text, headers = refusal(hub.limit)
        return aioweb.Response(status=503, text=text, headers=headers)
    version = await hub.version(screen)
    if version is None:
        raise aioweb.HTTPNotFound(text=f"there is no screen {screen!r}: /screens.json lists them\n")
    subscriber = hub.join(screen, version)
    try:
        response = aioweb.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
        })  # fmt: skip
        await response.prepare(request)
        await response.write(f"retry: 2000\n\nevent: version\ndata: {version}\n\n".encode())
        loop = asyncio.get_running_loop()
        ends = loop.time() + seconds
        while (left := ends - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(subscriber.woken.wait(), min(KEEPALIVE_SECONDS, left))
            if subscriber.removed:
                break  # the screen left the fleet: the page's next request says so
            if subscriber.woken.is_set():
                subscriber.woken.clear()
                await response.write(f"event: version\ndata: {subscriber.pending}\n\n".encode())
            elif ends - loop.time() > 0:
                await response.write(b": keep-alive\n\n")
        return response
    finally:
        hub.leave(subscriber)


async def healthz(request: aioweb.Request) -> aioweb.Response:
    hub = request.app[HUB]
    return aioweb.json_response({"status": "ok", "streams": hub.count, "limit": hub.limit})


def open_files_for(limit: int) -> int:
    """Raise this process's open-file limit towards what ``limit`` streams need; the streams it can
    hold (a few files are kept for everything else)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limit + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return limit if soft == resource.RLIM_INFINITY else max(0, min(limit, soft - 256))


def stream_app(hub: Hub, every: float = CHECK_SECONDS) -> aioweb.Application:
    application = aioweb.Application()
    application[HUB] = hub
    application.router.add_get("/kiosk/{screen}/events", events)
    application.router.add_get("/healthz", healthz)

    async def checking(application: aioweb.Application):  # type: ignore[no-untyped-def]
        task = asyncio.create_task(hub.run(every))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        hub.close()

    application.cleanup_ctx.append(checking)
    return application


def serve_streams(app: Flask, host: str, port: int, limit: int | None = None) -> None:
    """Serve the streams of ``app``'s screens on ``host:port`` until SIGTERM or SIGINT."""
    wanted = int(limit if limit is not None else app.config.get("STREAM_LIMIT") or DEFAULT_LIMIT)
    hub = Hub(versions_from(app), open_files_for(wanted))
    # One process asks for the reload counts and the data at each check: they may be as fresh as that.
    app.extensions["live"].every = min(app.extensions["live"].every, CHECK_SECONDS)
    with app.app_context():
        state().reloads_max_age = CHECK_SECONDS
    loop = _new_loop()
    app.logger.info("event streams on %s:%s, at most %s (%s)", host, port, hub.limit, type(loop).__module__)
    aioweb.run_app(stream_app(hub), host=host, port=port, print=None, access_log=None,
                shutdown_timeout=5, backlog=4096, loop=loop)  # fmt: skip


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed (Linux and macOS: it writes to ten thousand sockets in
    a third of the time), else asyncio's own."""
    if importlib.util.find_spec("uvloop") is not None:
        import uvloop  # noqa: PLC0415 (optional: not on Windows)

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()
