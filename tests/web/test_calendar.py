"""The web calendar's pages: the grid, the list, filters, activity pages, both scripts, clean 4xx."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from tests.conftest import Edit
from web.calendar import RENAMED_ORGANIZERS


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
    [("/organizers/china-general-chamber-of-commerce/", "/organizers/china-department-store-association/"),
     ("/organizers/china-general-chamber-of-commerce/list", "/organizers/china-department-store-association/list"),
     ("/hans/organizers/china-general-chamber-of-commerce/",
      "/hans/organizers/china-department-store-association/"),
     ("/hans/organizers/china-general-chamber-of-commerce/list?date=2030-09-03",
      "/hans/organizers/china-department-store-association/list?date=2030-09-03"),
     ("/feeds/organizer-china-general-chamber-of-commerce.ics",
      "/feeds/organizer-china-department-store-association.ics"),
     ("/feeds/organizer-china-general-chamber-of-commerce.hans.ics",
      "/feeds/organizer-china-department-store-association.hans.ics")],
)  # fmt: skip
def test_a_renamed_organizer_moved_permanently(client: FlaskClient, path: str, target: str) -> None:
    # 中國百貨商業協會's id was china-general-chamber-of-commerce, the name of another body.
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == target


def test_the_renamed_organizers_new_page_and_feed_answer(real_client: FlaskClient) -> None:
    for new in RENAMED_ORGANIZERS.values():
        assert real_client.get(f"/organizers/{new}/").status_code == 200
        assert real_client.get(f"/feeds/organizer-{new}.ics").status_code == 200
        assert real_client.get(f"/hans/organizers/{new}/list").status_code == 200
    for old in RENAMED_ORGANIZERS:
        moved = real_client.get(f"/feeds/organizer-{old}.hans.ics", follow_redirects=True)
        assert moved.status_code == 200 and moved.mimetype == "text/calendar"
