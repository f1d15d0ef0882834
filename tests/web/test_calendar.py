"""The web calendar's pages: the grid, the list, filters, activity pages, both scripts, clean 4xx."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import icalendar
import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image, ImageDraw

from tests.conftest import Edit, revised
from web import create_app


class Page(HTMLParser):
    """Collects what the tests look at: the html lang, links, and the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def body(self) -> str:
        return " ".join(self.text)


def page(client: FlaskClient, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def test_month_grid(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    parsed = Page(html)
    assert parsed.lang == "zh-Hant"
    assert "2030年9月" in parsed.body
    cell = re.search(r'<td class="day in-campaign" data-date="2030-09-03">(.*?)</td>', html, re.S)
    assert cell and "/activities/quality-conference" in cell.group(1)
    for day in ("2030-09-10", "2030-09-14"):
        cell = re.search(rf'data-date="{day}">(.*?)</td>', html, re.S)
        assert cell and "/activities/quality-week" in cell.group(1)
    assert "/activities/quality-week" not in re.search(
        r'data-date="2030-09-15">(.*?)</td>', html, re.S
    ).group(1)  # type: ignore[union-attr]
    # The undated activity is listed once, below the grid, not on every day.
    assert html.count("/activities/benchmark-exchange") == 1
    assert "/list?date=2030-09-03" in parsed.links


def test_list_and_day(client: FlaskClient) -> None:
    body = page(client, "/list").body
    assert "9月3日" in body and "質量大會" in body and "質量標桿交流" in body
    day = page(client, "/list?date=2030-09-12")
    assert "質量宣傳周" in day.body and "質量大會" not in day.body and "質量標桿交流" in day.body


def test_filters(client: FlaskClient) -> None:
    miit = page(client, "/organizers/miit/")
    assert "質量標桿交流" in miit.body and "質量大會" not in miit.body
    assert "/feeds/organizer-miit.ics" in " ".join(miit.links)
    week = page(client, "/kinds/week/list")
    assert "質量宣傳周" in week.body and "質量標桿交流" not in week.body
    assert page(client, "/organizer-kinds/department/").lang == "zh-Hant"
    redirect = client.get("/filter?to=kinds/week/")
    assert redirect.status_code == 303 and redirect.headers["Location"] == "/kinds/week/"
    assert client.get("/hans/filter?to=").headers["Location"] == "/hans/"
    # The filter offers the cuts that have feeds: no organizer kind that no organizer of an activity has.
    home = client.get("/").get_data(as_text=True)
    assert 'value="organizer-kinds/department/"' in home and "organizer-kinds/association/" not in home


def test_subscribe_panel(client: FlaskClient) -> None:
    html = client.get("/kinds/week/", base_url="https://qm.example").get_data(as_text=True)
    links = Page(html).links
    assert "webcal://qm.example/feeds/kind-week.ics" in links
    assert "https://qm.example/feeds/kind-week.ics" in links
    google = next(link for link in links if link.startswith("https://calendar.google.com/"))
    assert google.endswith("cid=webcal%3A%2F%2Fqm.example%2Ffeeds%2Fkind-week.ics")
    outlook = next(link for link in links if link.startswith("https://outlook.live.com/"))
    assert "url=https%3A%2F%2Fqm.example%2Ffeeds%2Fkind-week.ics" in outlook
    assert '<svg role="img" aria-labelledby="qr-title"' in html
    assert '<title id="qr-title">以手機掃描訂閱</title>' in html


def qr_text(html: str) -> str:
    """What the page's inline QR code says: its SVG path (one ``M x,y H x2 V y2 H x z`` square per dark
    module, as qrcode's SvgPathImage writes it) drawn with Pillow, then read by zxing-cpp."""
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S)
    assert svg, "no inline SVG"
    box = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.group(0))
    assert box
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", svg.group(0))
    assert squares
    scale = 40  # pixels per unit of the viewBox (a module is 0.8 units: 32 pixels)
    image = Image.new("L", (round(float(box.group(1)) * scale), round(float(box.group(2)) * scale)), 255)
    draw = ImageDraw.Draw(image)
    for x, y, x2, y2 in squares:
        corners = [round(float(v) * scale) for v in (x, y, x2, y2)]
        draw.rectangle((corners[0], corners[1], corners[2] - 1, corners[3] - 1), fill=0)
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1, "no QR code could be read"
    return str(found[0].text)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/", "https://qm.example/subscribe"), ("/list", "https://qm.example/subscribe"),
     ("/hans/kinds/week/list", "https://qm.example/hans/kinds/week/subscribe"),
     ("/organizers/miit/", "https://qm.example/organizers/miit/subscribe"),
     ("/activities/quality-week", "https://qm.example/subscribe")],
)  # fmt: skip
def test_the_qr_code_opens_the_subscribe_page(client: FlaskClient, path: str, expected: str) -> None:
    """Not the bare .ics (iOS imports a copy of that): the page where a phone chooses how to subscribe."""
    html = client.get(path, base_url="https://qm.example").get_data(as_text=True)
    assert qr_text(html) == expected
    assert expected.removeprefix("https://qm.example") in Page(html).links  # and it is linked: it exports


@pytest.mark.parametrize(
    ("path", "feed", "lang", "words"),
    [("/subscribe", "calendar.ics", "zh-Hant", ["訂閱網址", "複製網址", "代理"]),
     ("/hans/subscribe", "calendar.hans.ics", "zh-Hans", ["订阅网址", "复制网址", "代理"]),
     ("/kinds/week/subscribe", "feeds/kind-week.ics", "zh-Hant", ["主題周"]),
     ("/hans/organizers/miit/subscribe", "feeds/organizer-miit.hans.ics", "zh-Hans", ["工业和信息化部"])],
)  # fmt: skip
def test_subscribe_page(client: FlaskClient, path: str, feed: str, lang: str, words: list[str]) -> None:
    response = client.get(path, base_url="https://qm.example")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parsed = Page(html)
    assert parsed.lang == lang
    url = f"https://qm.example/{feed}"
    encoded = url.replace(":", "%3A").replace("/", "%2F")
    assert f"webcal://qm.example/{feed}" in parsed.links
    assert (
        f"https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2F{encoded.split('%2F%2F', 1)[1]}"
        in parsed.links
    )
    for host in ("outlook.live.com", "outlook.office.com"):
        link = next(
            link for link in parsed.links if link.startswith(f"https://{host}/calendar/0/addfromweb?")
        )
        assert f"url={encoded}&name=" in link, host
    # Webcal and Outlook come before Google (which needs a proxy in mainland China).
    order = [
        next(i for i, link in enumerate(parsed.links) if link.startswith(p))
        for p in (
            "webcal:",
            "https://outlook.live.com",
            "https://outlook.office.com",
            "https://calendar.google.com",
        )
    ]
    assert order == sorted(order)
    # The URL to copy: a read-only field (selectable without JavaScript) and the copy button.
    assert re.search(rf'<input id="feed-url" type="text" readonly value="{re.escape(url)}">', html)
    assert '<button type="button" class="copy" data-copy="feed-url"' in html
    for word in words:
        assert word in parsed.body, word
    assert "<svg" not in html  # the page is what the QR code opens: it shows none itself


def test_unknown_subscribe_pages_are_404(client: FlaskClient) -> None:
    assert client.get("/organizers/nobody/subscribe").status_code == 404
    assert client.get("/hans/kinds/party/subscribe").status_code == 404


def test_one_activity_as_ics(client: FlaskClient) -> None:
    response = client.get("/activities/quality-conference.ics", base_url="https://qm.example")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="quality-conference.ics"'
    body = response.get_data()
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    assert str(events[0]["UID"]) == "quality-conference@2030.quality-month"
    assert b"X-WR-CALNAME" not in body and b"\r\nNAME" not in body and "NAME" not in calendar
    # The very event of the feeds: the same UID, SEQUENCE and the rest.
    feed = icalendar.Calendar.from_ical(client.get("/calendar.ics", base_url="https://qm.example").get_data())
    same = next(e for e in feed.walk("VEVENT") if e["UID"] == events[0]["UID"])
    assert same.to_ical() == events[0].to_ical()
    assert events[0]["SEQUENCE"] == same["SEQUENCE"]
    # Validators, as the feeds have them: Last-Modified the activity's own, not the newest of the campaign.
    assert response.last_modified == events[0]["LAST-MODIFIED"].dt
    again = client.get("/activities/quality-conference.ics", base_url="https://qm.example",
                       headers={"If-None-Match": response.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304
    hans = icalendar.Calendar.from_ical(client.get("/hans/activities/quality-conference.ics").get_data())
    assert str(hans.walk("VEVENT")[0]["SUMMARY"]) == "质量大会"


def test_an_undated_activity_has_no_ics(client: FlaskClient) -> None:
    response = client.get("/activities/benchmark-exchange.ics")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert "no date of its own" in message and "campaign period" in message
    assert client.get("/activities/nothing.ics").status_code == 404
    parsed = page(client, "/activities/benchmark-exchange")
    assert not any(link.endswith(".ics") and "/activities/" in link for link in parsed.links)
    assert not any(
        link.startswith("https://calendar.google.com/calendar/render?action=") for link in parsed.links
    )
    assert "通知未給它自己的日期" in parsed.body


def test_activity_page(client: FlaskClient) -> None:
    parsed = page(client, "/activities/quality-week")
    assert "開展質量宣傳周活動。" in parsed.body
    assert "https://example.org/week" in parsed.links
    assert "可信度" in parsed.body and "附件1第1項" in parsed.body.replace(" ", "")
    assert "/organizers/samr/" in parsed.links
    assert any(
        link.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
        for link in parsed.links
    )
    assert "/activities/quality-week.ics" in parsed.links
    assert "/hans/activities/quality-week.ics" in page(client, "/hans/activities/quality-week").links


def test_simplified_pages(client: FlaskClient) -> None:
    parsed = page(client, "/hans/activities/quality-week")
    assert parsed.lang == "zh-Hans"
    assert "开展质量宣传周活动。" in parsed.body and "質量" not in parsed.body.replace("繁體中文", "")
    assert "/activities/quality-week" in parsed.links  # the switch back to Traditional
    grid = page(client, "/hans/")
    assert "/hans/activities/quality-conference" in grid.links
    # The same template rendered first in one script must not freeze its text for the other.
    assert "月曆" in page(client, "/").body and "月历" in page(client, "/hans/").body


@pytest.mark.parametrize(
    "path", ["/organizers/nobody/", "/kinds/party/list", "/organizer-kinds/guild/", "/activities/nothing",
             "/hans/activities/nothing", "/nowhere", "/organizers/"],
)  # fmt: skip
def test_unknown_things_are_helpful_404s(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and 'href="/' in html


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/list?date=2030-13-01", "is not a date"), ("/list?date=2030-10-02", "outside the campaign period"),
     ("/filter?to=../../etc", "is not a filter"), ("/hans/list?date=%FF", "is not a date")],
)  # fmt: skip
def test_malformed_queries_are_400(client: FlaskClient, path: str, reason: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_user_text_is_escaped(edit: Edit) -> None:
    from tests.conftest import revised
    from web import create_app

    folder = edit("activities.toml", 'place = "北京"', 'place = "<script>alert(1)</script>"')
    client = create_app({"TESTING": True, "DATA_DIR": revised(folder)}).test_client()
    html = client.get("/activities/quality-conference").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_list_of_one_day_shows_that_day_only(edit: Edit) -> None:
    from tests.conftest import revised
    from web import create_app

    # The week made to run the whole month, as the real 金融知識普及月 does.
    folder = edit(
        "activities.toml", "start = 2030-09-10\nend = 2030-09-14", "start = 2030-09-01\nend = 2030-09-30"
    )
    client = create_app({"TESTING": True, "DATA_DIR": revised(folder)}).test_client()
    html = client.get("/list?date=2030-09-03").get_data(as_text=True)
    assert re.findall(r'<section class="day-list" id="d-[\d-]+" data-date="([\d-]+)">', html) == [
        "2030-09-03"
    ]
    # The month-long week is listed once, not under each day.
    assert html.count("/activities/quality-week") == 1
    whole = client.get("/list").get_data(as_text=True)
    assert whole.count("/activities/quality-week") == 1
    assert "/activities/quality-conference" in whole


@pytest.mark.parametrize(
    ("path", "target"),
    [("/organizers/state-admin/", "/organizers/samr/"),
     ("/organizers/state-admin/list", "/organizers/samr/list"),
     ("/organizers/state-admin/subscribe", "/organizers/samr/subscribe"),
     ("/hans/organizers/state-admin/", "/hans/organizers/samr/"),
     ("/hans/organizers/state-admin/list?date=2030-09-03", "/hans/organizers/samr/list?date=2030-09-03"),
     ("/feeds/organizer-state-admin.ics", "/feeds/organizer-samr.ics"),
     ("/feeds/organizer-state-admin.hans.ics", "/feeds/organizer-samr.hans.ics")],
)  # fmt: skip
def test_a_renamed_organizer_moved_permanently(edit: Edit, path: str, target: str) -> None:
    """An organizer id that was corrected (``[renamed]`` of organizers.toml): its old pages and feeds
    answer 301 to the new id's, the query kept."""
    folder = edit(
        "organizers.toml",
        '[[organizer]]\nid = "samr"',
        '[renamed]\nstate-admin = "samr"\n\n[[organizer]]\nid = "samr"',
    )
    client = create_app({"TESTING": True, "DATA_DIR": folder, "DATABASE_URL": "sqlite://"}).test_client()
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == target
    assert client.get(target).status_code == 200


def test_the_real_renamed_organizers_move_to_pages_and_feeds_that_answer(real_client: FlaskClient) -> None:
    renamed = real_client.application.extensions["campaign"].renamed_organizers
    assert renamed  # 中國百貨商業協會's id was once china-general-chamber-of-commerce, another body's name
    for old, new in renamed.items():
        assert real_client.get(f"/organizers/{old}/").headers["Location"] == f"/organizers/{new}/"
        moved = real_client.get(f"/feeds/organizer-{old}.hans.ics", follow_redirects=True)
        assert moved.status_code == 200 and moved.mimetype == "text/calendar"


def test_the_panel_says_what_a_subscription_holds(client: FlaskClient) -> None:
    """Before anyone subscribes: how many dated events the feed has and how many activities its period's
    event names; the complete feed offered with the count of undated activities; and a cut with no
    dated activity says so."""
    home = client.get("/").get_data(as_text=True)
    assert '<p class="holds">2 項有具體日期的活動各為一個事件；其餘 1 項在整個活動期間進行' in home
    assert 'href="webcal://localhost/feeds/complete.ics"' in home
    assert "訂閱全部活動</a>（含 1 項沒有具體日期、整個月都顯示的活動" in home
    miit = client.get("/organizers/miit/").get_data(as_text=True)  # runs the undated exchange alone
    assert 'class="holds no-dated"' in miit and "這裡沒有具體日期的活動" in miit
    assert "feeds/complete.ics" not in miit
    samr = client.get("/hans/organizers/samr/subscribe").get_data(as_text=True)
    assert '<p class="holds">2 项有具体日期的活动各为一个事件' in samr


def test_an_activitys_ics_is_as_new_as_the_activity(edit: Edit) -> None:
    """Its Last-Modified is the activity's own, not the newest change of the campaign."""
    folder = revised(edit("activities.toml", 'title = "質量宣傳周"', 'title = "質量宣傳週"'),
                     dt.datetime(2030, 8, 30, 8, 0, tzinfo=dt.UTC))  # fmt: skip
    client = create_app({"TESTING": True, "DATA_DIR": folder, "DATABASE_URL": "sqlite://"}).test_client()
    conference = client.get("/activities/quality-conference.ics")
    assert conference.last_modified == dt.datetime(2030, 8, 20, 1, 0, tzinfo=dt.UTC)
    assert client.get("/calendar.ics").last_modified == dt.datetime(2030, 8, 30, 8, 0, tzinfo=dt.UTC)
