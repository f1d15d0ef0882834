"""The kiosks' event streams on an event loop (web/streams.py), and the cap of the threaded ones
(web/kiosk.py): a stream gets its screen's version and every change of it; past the cap a new stream is
refused with 503 and ``Retry-After``, and a slot given back is taken again. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from flask import Flask

from web import create_app, streams
from web.fleetstore import FleetStore
from web.state import State, close_engine

MOMENT = dt.datetime(2030, 9, 2, 10, 0, tzinfo=dt.UTC)
EAST = 'id = "hq-lobby-east"\nname = "總局大樓東大堂"\nlocation = "一樓東大堂入口"\nformat = "kiosk-portrait"\nscript = "hant"\nprogramme = "daytime"'


@pytest.fixture
def live_app(tiny_fleet: Path, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True, "DATA_DIR": tiny_fleet, "POSTER_DIR": str(tmp_path / "posters"),
        "DATABASE_URL": database_url, "LIVE_CHECK_SECONDS": 0, "CLOCK": lambda: MOMENT,
    })  # fmt: skip
    yield app
    close_engine(database_url)


def move_east_to_the_evening(database_url: str) -> None:
    """What the console saves: hq-lobby-east on the evening programme."""
    store = FleetStore(State(database_url))
    latest = store.latest()
    assert latest is not None and EAST in latest.document
    changed = latest.document.replace(EAST, EAST.replace('"daytime"', '"evening"'))
    store.save(changed, "ann", "evening", latest.number, MOMENT)


async def versions(response: aiohttp.ClientResponse) -> AsyncIterator[str]:
    """The versions a stream announces, and "keep-alive" for each of its comments."""
    event = None
    async for raw in response.content:
        line = raw.decode().strip()
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "version":
            yield line.split(":", 1)[1].strip()
        elif line.startswith(": keep-alive"):
            yield "keep-alive"


def run(app: Flask, limit: int, body: Any) -> None:
    """``body(client)`` against the stream server of ``app``, its versions checked every 50 ms."""

    async def main() -> None:
        hub = streams.Hub(streams.versions_from(app), limit)
        async with TestClient(TestServer(streams.stream_app(hub, every=0.05))) as client:
            await asyncio.wait_for(body(client), 30)

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(lambda: asyncio.run(main())).result()


def test_a_stream_has_its_version_then_each_change(live_app: Flask, database_url: str) -> None:
    programme = live_app.test_client().get("/kiosk/hq-lobby-east/programme.json").get_json()

    async def body(client: TestClient[Any, Any]) -> None:
        async with client.get("/kiosk/hq-lobby-east/events?limit=60") as response:
            assert response.status == 200 and response.headers["Content-Type"] == "text/event-stream"
            announced = versions(response)
            assert await anext(announced) == programme["version"]
            health = await (await client.get("/healthz")).json()
            assert health["streams"] == 1
            move_east_to_the_evening(database_url)
            changed = await anext(announced)
        # The version the stream announced is the one the page then fetches.
        again = live_app.test_client().get("/kiosk/hq-lobby-east/programme.json").get_json()
        assert changed != programme["version"] and changed == again["version"]

    run(live_app, 10, body)


def test_past_the_cap_a_stream_is_refused_with_retry_after(live_app: Flask) -> None:
    async def body(client: TestClient[Any, Any]) -> None:
        first = await client.get("/kiosk/hq-lobby-east/events?limit=60")
        assert first.status == 200
        await anext(versions(first))
        refused = await client.get("/kiosk/service-hall/events")
        assert refused.status == 503
        assert 15 <= int(refused.headers["Retry-After"]) <= 45
        assert "poll the programme" in await refused.text()
        first.close()  # the slot is given back once the server sees the stream end
        for _ in range(100):
            if (await (await client.get("/healthz")).json())["streams"] == 0:
                break
            await asyncio.sleep(0.05)
        async with client.get("/kiosk/service-hall/events?limit=60") as again:
            assert again.status == 200

    run(live_app, 1, body)


def test_keep_alives_an_unknown_screen_and_a_bad_limit(
    live_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "KEEPALIVE_SECONDS", 0.1)

    async def body(client: TestClient[Any, Any]) -> None:
        async with client.get("/kiosk/hq-lobby-east/events?limit=5") as response:
            announced = versions(response)
            await anext(announced)
            assert await anext(announced) == "keep-alive"
        missing = await client.get("/kiosk/nowhere/events")
        assert missing.status == 404 and "nowhere" in await missing.text()
        for limit in ("x", "-1", "nan", "3601"):
            bad = await client.get(f"/kiosk/hq-lobby-east/events?limit={limit}")
            assert bad.status == 400, limit
        ended = await client.get("/kiosk/hq-lobby-east/events?limit=0.2")  # the stream's own end
        assert ended.status == 200 and (await ended.read()).count(b"event: version") == 1

    run(live_app, 10, body)


def test_the_threaded_streams_have_a_cap_and_give_their_slot_back(tiny_fleet: Path, tmp_path: Path) -> None:
    app = create_app({
        "TESTING": True, "DATA_DIR": tiny_fleet, "THREAD_STREAMS": 1,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'state.sqlite'}", "CLOCK": lambda: MOMENT,
    })  # fmt: skip
    client = app.test_client()
    first = client.get("/kiosk/hq-lobby-east/events?limit=30", buffered=False)
    assert first.status_code == 200
    refused = client.get("/kiosk/hq-lobby-east/events")
    assert refused.status_code == 503 and 15 <= int(refused.headers["Retry-After"]) <= 45
    assert client.get("/kiosk/hq-lobby-east/programme.json").status_code == 200  # pages still answer
    first.close()
    again = client.get("/kiosk/hq-lobby-east/events?limit=30", buffered=False)
    assert again.status_code == 200
    again.close()
