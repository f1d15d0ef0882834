"""Property tests of the feeds' bytes: whatever the campaign's text (CJK, emoji, astral characters,
combining marks, iCalendar's own special characters), every feed folds into CRLF lines of at most 75
octets that each decode as UTF-8, and unfolding gives back every value exactly."""

from __future__ import annotations

import dataclasses
import functools
import re

import icalendar
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generators.feeds import (
    Feed,
    _categories,
    all_feeds,
    build_feed,
    description,
    location,
    period_description,
)
from generators.loader import load_campaign
from generators.model import Campaign, DateSource, Organizer
from generators.script import LANGUAGE_TAGS, in_script
from generators.selection import ALL
from tests.conftest import TINY

BASE = "https://quality-month.example/"


@functools.cache
def _tiny() -> Campaign:
    return load_campaign(TINY)


#: Any character but CR and the surrogates. TOML reads a CR LF in a multi-line string as LF, and
#: iCalendar's TEXT has a single escape for a line break (``\n``), so a bare CR cannot come back.
ANY = st.characters(exclude_categories=["Cs"], exclude_characters="\r")
CHARACTER = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("質量月活動，。、：；！？「」『』《》（）—…·“”"),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.sampled_from(';,\\:"\n\t =^'),  # iCalendar's escapes and delimiters, and a line break
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    ANY,
)
TEXT = st.text(CHARACTER, min_size=1, max_size=60).filter(lambda t: t.strip() != "")


@st.composite
def campaigns(draw: st.DrawFn) -> Campaign:
    """The tiny campaign with every text a feed shows replaced by random text."""
    base = _tiny()
    organizers = {
        key: Organizer(key, draw(TEXT), draw(TEXT), organizer.kind)
        for key, organizer in base.organizers.items()
    }
    activities = []
    for activity in base.activities:
        date_source = activity.date_source
        if date_source is not None and draw(st.booleans()):
            date_source = DateSource(date_source.confidence, None, draw(TEXT))
        activities.append(
            dataclasses.replace(
                activity,
                title=draw(TEXT),
                text=draw(TEXT),
                place=draw(st.none() | TEXT),
                date_note=draw(st.none() | TEXT) if activity.span.own else None,
                date_source=date_source,
            )
        )
    return dataclasses.replace(
        base,
        name=draw(TEXT),
        title=draw(TEXT),
        document_number=draw(TEXT),
        organizer_kinds={key: draw(TEXT) for key in base.organizer_kinds},
        activity_kinds={key: draw(TEXT) for key in base.activity_kinds},
        organizers=organizers,
        activities=tuple(activities),
    )


def _escaped(value: str) -> str:
    """A TEXT value as RFC 5545 §3.3.11 writes it."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _unescaped(value: str) -> str:
    """A TEXT value as RFC 5545 §3.3.11 reads it."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _text_of(lines: list[str], name: str) -> str:
    """The value of the one unfolded content line ``name:…`` (``name`` with its parameters, if any)."""
    (value,) = [line.removeprefix(f"{name}:") for line in lines if line.startswith(f"{name}:")]
    return _unescaped(value)


def _check_folding(body: bytes) -> list[str]:
    """The bytes as RFC 5545 §3.1 has them (CRLF only, at most 75 octets a line, no character split by
    a fold); the content lines, unfolded."""
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b""), "bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "bare CR"
    physical = body.split(b"\r\n")[:-1]
    for number, line in enumerate(physical, 1):
        assert 0 < len(line) <= 75, (number, len(line), line)
        line.decode("utf-8")  # raises if a fold split a character's octets
    unfolded: list[str] = []
    for line in physical:
        text = line.decode("utf-8")
        if text[0] in " \t":
            unfolded[-1] += text[1:]
        else:
            unfolded.append(text)
    return unfolded


@settings(max_examples=60, deadline=None)
@given(campaign=campaigns())
@example(campaign=dataclasses.replace(_tiny(), name="😀" * 30 + "質" + "é" * 40))
@example(campaign=dataclasses.replace(_tiny(), name="質量;月,\\活動\n第二行"))  # NAME was written unescaped
def test_feeds_fold_and_unfold_to_the_same_text(campaign: Campaign) -> None:
    for feed in all_feeds(campaign):
        body = build_feed(campaign, feed, BASE)
        lines = _check_folding(body)
        script = feed.script
        language = LANGUAGE_TAGS[script]
        title = feed.title(campaign)
        summary = in_script(f"{campaign.title}（{campaign.document_number}）所列活動", script)
        # icalendar reads NAME and X-WR- properties without unescaping them: read them here.
        head = lines[: lines.index("BEGIN:VTIMEZONE")]
        assert _text_of(head, f"NAME;LANGUAGE={language}") == _text_of(head, "X-WR-CALNAME") == title
        assert _text_of(head, "DESCRIPTION") == _text_of(head, "X-WR-CALDESC") == summary
        calendar = icalendar.Calendar.from_ical(body)
        assert str(calendar["DESCRIPTION"]) == summary
        events = calendar.walk("VEVENT")
        activities = feed.activities(campaign)
        assert len(events) == feed.events(campaign)
        if feed.has_period_event:
            period = events.pop()
            assert str(period["SUMMARY"]) == campaign.name_in(script)
            assert str(period["DESCRIPTION"]) == in_script(period_description(campaign, feed, BASE), script)
        for event, activity in zip(events, activities, strict=True):
            assert str(event["UID"]) == f"{activity.id}@{campaign.id}.quality-month"
            expected_summary = activity.title_in(script)
            assert f"SUMMARY:{_escaped(expected_summary)}" in lines
            assert str(event["SUMMARY"]) == expected_summary
            assert str(event["DESCRIPTION"]) == in_script(description(campaign, activity), script)
            place = location(activity)
            if place is not None:
                assert str(event["LOCATION"]) == in_script(place, script)
            else:
                assert "LOCATION" not in event
            assert [str(c) for c in event["CATEGORIES"].cats] == _categories(campaign, activity, script)


@settings(max_examples=100, deadline=None)
@given(title=TEXT, script=st.sampled_from(["hant", "hans"]))
@example(title="質" * 24 + "a", script="hant")  # a fold falls right after a three-octet character
@example(title="a" + "😀" * 20, script="hant")  # and inside a run of four-octet ones
def test_one_summary_folds_and_unfolds(title: str, script: str) -> None:
    base = _tiny()
    activity = dataclasses.replace(base.activities[0], title=title)
    campaign = dataclasses.replace(base, activities=(activity,))
    body = build_feed(campaign, Feed(ALL, script), BASE)  # type: ignore[arg-type]
    lines = _check_folding(body)
    expected = activity.title_in(script)  # type: ignore[arg-type]
    assert f"SUMMARY:{_escaped(expected)}" in lines
    event, _period = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == expected
