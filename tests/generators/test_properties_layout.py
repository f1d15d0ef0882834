"""Property tests of text layout: whatever the text, ``fit`` sets all of it inside its box or refuses it
with its own reason, and a poster of random text is drawn with no ink outside its text boxes, or refused.
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw

from generators import fonts, posters
from generators.loader import load_campaign
from generators.model import Campaign
from generators.posters import FORMATS_BY_ID, Design, render
from generators.posters.engine import background as bare_background
from generators.posters.formats import box_pixels, layout
from generators.posters.styles import DEFAULT_STYLE, STYLES, Style
from generators.script import to_hans
from generators.typeset import CannotFit, MissingGlyph, Setting, TypesetError, _measure, break_points, fit
from tests.conftest import DATA, TINY

BASE = "https://quality-month.example/"


@functools.cache
def _campaign_characters() -> str:
    """Every character the real campaign's data uses, but for ASCII and line ends."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(DATA.rglob("*.toml")))
    return "".join(sorted({c for c in text if ord(c) > 0x7F}))


CAMPAIGN = st.sampled_from(_campaign_characters())
IDEOGRAPH = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)  # many are not in the subsets
PUNCTUATION = st.sampled_from("，。、：；！？「」『』《》（）—…·,.;:!?()[]\"'-%“”‘’")
LATIN = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789gjpqy")
SPACE = st.sampled_from(" \u3000\n \t\r\u00a0\u2003\u2028\u2029\x0b\x0c\x1c\x1f\x85")
ASTRAL = st.one_of(
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
)
ODD = st.one_of(
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining marks
    st.characters(min_codepoint=0x3099, max_codepoint=0x309A),
    st.characters(min_codepoint=0x302A, max_codepoint=0x302F),  # ideographic tone marks (in the fonts)
    st.characters(min_codepoint=0x0000, max_codepoint=0x001F),  # C0 controls
    st.characters(min_codepoint=0x007F, max_codepoint=0x009F),  # DEL and C1 controls
    st.sampled_from("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u3031\u3032〻々"),
)
#: Mostly the campaign's own characters, so that much of what is drawn can be set.
CHARACTER = st.one_of(
    CAMPAIGN, CAMPAIGN, CAMPAIGN, CAMPAIGN, IDEOGRAPH, PUNCTUATION, LATIN, SPACE, ASTRAL, ODD
)
TEXT = st.text(CHARACTER, max_size=40)
#: Text of characters every face of its script draws: layouts, not refusals, are the point of it.
DRAWABLE = st.text(
    st.one_of(CAMPAIGN, CAMPAIGN, LATIN, PUNCTUATION, st.sampled_from("  \u3000\n")), max_size=40
)


def _without_space(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


def _check_refusal(exc: TypesetError, text: str, face: fonts.Face, box: tuple[int, int]) -> None:
    message = str(exc)
    assert message
    if isinstance(exc, MissingGlyph):
        cmap = fonts._cmap(face.path)
        assert exc.missing, message
        for char in exc.missing:
            assert char in text and ord(char) not in cmap and not char.isspace(), (char, message)
            assert char in message
    else:
        assert isinstance(exc, CannotFit)
        if _without_space(text):
            assert f"{box[0]}×{box[1]} px" in message, message
        else:
            assert "no text" in message, message


def _check_setting(
    setting: Setting,
    text: str,
    face: fonts.Face,
    box: tuple[int, int],
    min_size: int,
    max_size: int,
    direction: str,
    max_lines: int | None,
) -> None:
    """The geometry ``fit`` returns: every line's box inside the given box, all the text, in order."""
    script = face.script
    width, height = box
    along, across = (width, height) if direction == "ltr" else (height, width)
    assert setting.direction == direction
    assert min_size <= setting.size <= max(min_size, max_size)
    assert setting.lines and all(setting.lines), setting
    if max_lines is not None:
        assert len(setting.lines) <= max_lines
    assert setting.width <= width and setting.height <= height, (setting, box)
    measure = functools.partial(_measure, face, setting.size, direction=direction, script=script)  # type: ignore[arg-type]
    for n, line in enumerate(setting.lines):
        # Line n takes [0, advance] along and [n * pitch, n * pitch + size] across.
        assert measure(line) <= along, (line, setting, box)
        assert n * setting.line_height + setting.size <= across, (setting, box)
    longest = max(measure(line) for line in setting.lines)
    extent = setting.line_height * (len(setting.lines) - 1) + setting.size
    assert (setting.width, setting.height) == ((longest, extent) if direction == "ltr" else (extent, longest))
    # Nothing lost, nothing added, nothing moved: only white space may differ.
    assert _without_space("".join(setting.lines)) == _without_space(text), (text, setting.lines)
    # Nothing drawn as a box: every character set has a glyph in the face (spaces included).
    cmap = fonts._cmap(face.path)
    for line in setting.lines:
        for char in line:
            assert ord(char) in cmap, (char, line)


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(TEXT, DRAWABLE, DRAWABLE),
    face=st.sampled_from(fonts.FACES),
    box=st.tuples(st.integers(1, 2400), st.integers(1, 2400)),
    min_size=st.integers(1, 160),
    extra=st.integers(0, 400),
    direction=st.sampled_from(["ltr", "ttb"]),
    max_lines=st.none() | st.integers(1, 6),
)
@example(text="質量\r\n月", face=fonts.FACES[0], box=(500, 500), min_size=10, extra=90, direction="ltr",
         max_lines=None)  # fmt: skip
@example(
    text="·\u2028", face=fonts.FACES[0], box=(1, 1), min_size=1, extra=0, direction="ltr", max_lines=None
)
@example(text="質量\n", face=fonts.FACES[0], box=(900, 900), min_size=20, extra=180, direction="ltr",
         max_lines=None)  # fmt: skip
@example(text="質量\t月\n活動", face=fonts.FACES[0], box=(500, 500), min_size=10, extra=90, direction="ltr",
         max_lines=None)  # fmt: skip
def test_fit_sets_all_the_text_inside_its_box_or_refuses(
    text: str,
    face: fonts.Face,
    box: tuple[int, int],
    min_size: int,
    extra: int,
    direction: str,
    max_lines: int | None,
) -> None:
    text = text if face.script == "hant" else to_hans(text)
    max_size = min_size + extra
    try:
        setting = fit(
            text, face, box, min_size=min_size, max_size=max_size, script=face.script,
            direction=direction, max_lines=max_lines,  # type: ignore[arg-type]
        )  # fmt: skip
    except TypesetError as exc:
        event(type(exc).__name__)
        _check_refusal(exc, text, face, box)
        phrases = break_points(text)
        if isinstance(exc, CannotFit) and (len(phrases) == 1 or "".join(text.splitlines()) == text):
            # Refused only if it does not fit: all on one line at the smallest size fits where that does
            # (a slogan's phrases kept apart by an ideographic space, or a list of one item).
            measure = functools.partial(_measure, face, min_size, direction=direction, script=face.script)  # type: ignore[arg-type]
            along, across = box if direction == "ltr" else box[::-1]
            one_line = "\u3000".join("".join(words) for words in phrases)
            assert not (phrases and measure(one_line) <= along and min_size <= across), (text, box, str(exc))
        return
    event(f"set in {'one line' if len(setting.lines) == 1 else 'several lines'}")
    _check_setting(setting, text, face, box, min_size, max_size, direction, max_lines)


# --- posters ---------------------------------------------------------------------------------------


@functools.cache
def _tiny() -> Campaign:
    return load_campaign(TINY)


#: Formats of a modest size (the print formats and 4K draw the same way, only slower).
FORMATS = [
    FORMATS_BY_ID[f]
    for f in ("kiosk-portrait", "kiosk-landscape", "square", "rollup", "banner-h", "banner-v")
]
#: A role's text: mostly drawable and not blank, often short (set as large as its box allows, where
#: glyphs that overhang their em box matter most), sometimes anything.
SHORT = st.text(st.one_of(CAMPAIGN, LATIN, PUNCTUATION), min_size=1, max_size=4)
ROLE_TEXT = st.one_of(*[SHORT] * 4, *[st.builds(str.__add__, st.one_of(CAMPAIGN, LATIN), DRAWABLE)] * 4, TEXT)


@st.composite
def designs(draw: st.DrawFn) -> Design:
    roles = {"headline": draw(ROLE_TEXT)}
    for role in ("kicker", "sub", "body"):
        if draw(st.booleans()):
            roles[role] = draw(ROLE_TEXT)
    items = tuple(draw(st.lists(ROLE_TEXT, max_size=4))) if "body" in roles else ()
    more = draw(st.sampled_from(["等另{n}項", ""])) if items else ""
    design = Design(
        "fuzz", roles, "fuzz", items, more, draw(st.sampled_from(["", "另有活動"])) if items else ""
    )
    # A unit's own lines, drawn as typed, in the footer the layout makes room for.
    return design.signed(draw(st.one_of(st.just(""), ROLE_TEXT)), draw(st.one_of(st.just(""), ROLE_TEXT)))


def _ink_outside_boxes(
    rendered: posters.Rendered, fmt: posters.Format, design: Design, style: Style
) -> tuple[int, int, int, int] | None:
    """Where the poster differs from its bare background outside every role's box, if anywhere."""
    background = bare_background(fmt, style)
    difference = ImageChops.difference(rendered.image.convert("RGB"), background.convert("RGB")).convert("L")
    blank = ImageDraw.Draw(difference)
    for role, box in layout(fmt.shape, frozenset(design.roles)).items():
        x0, y0, x1, y1 = box_pixels(fmt, box)
        blank.rectangle((x0, y0, x1 - 1, y1 - 1), fill=0)
        if role == "qr":  # the QR code sits in its box's bottom-right corner, the size of its square
            side = min(x1 - x0, y1 - y0)
            blank.rectangle((x1 - side, y1 - side, x1 - 1, y1 - 1), fill=0)
    return difference.getbbox()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    design=designs(),
    fmt=st.sampled_from(FORMATS),
    script=st.sampled_from(["hant", "hans"]),
    style=st.sampled_from(STYLES),
)
@example(
    design=Design("fuzz", {"headline": "Quality gjpqy"}),
    fmt=FORMATS_BY_ID["banner-h"],
    script="hant",
    style=DEFAULT_STYLE,
)
@example(
    design=Design("fuzz", {"headline": "·，"}),
    fmt=FORMATS_BY_ID["kiosk-landscape"],
    script="hans",
    style=DEFAULT_STYLE,
)
def test_a_poster_of_random_text_is_drawn_inside_its_boxes_or_refused(
    design: Design, fmt: posters.Format, script: str, style: Style
) -> None:
    def texts(role: str) -> list[str]:
        return [
            t if script == "hant" or role in design.verbatim else to_hans(t)
            for t in (design.body_texts() if role == "body" else [design.roles[role]])
        ]

    try:
        rendered = render(design, fmt, script, BASE, style)
    except TypesetError as exc:
        event(type(exc).__name__)
        message = str(exc)
        if isinstance(exc, MissingGlyph):
            every = "".join(t for role in design.roles for t in texts(role))
            assert exc.missing and all(c in every and c in message for c in exc.missing), message
        else:
            assert isinstance(exc, CannotFit)
            assert any(s in message for s in ("does not fit", "reach outside", "no text to set")), message
        return
    event("drawn")
    assert isinstance(rendered.image, Image.Image) and rendered.image.size == (fmt.width, fmt.height)
    outside = _ink_outside_boxes(rendered, fmt, design, style)
    assert outside is None, f"ink outside the text boxes at {outside}"
    for placed in rendered.placed:
        if placed.setting is not None:  # all of a text is set (the body: one of its shorter forms)
            assert _without_space("".join(placed.setting.lines)) in {
                _without_space(t) for t in texts(placed.role)
            }


@pytest.mark.parametrize("char", ["\u0301", "\x00", "\x7f", "\u200b", "😀", "\U00020000"])
def test_characters_without_a_glyph_are_refused_by_name(char: str) -> None:
    with pytest.raises(MissingGlyph) as caught:
        fit(f"質量{char}月", fonts.FACES[0], (900, 900), min_size=20, max_size=200, script="hant")
    assert caught.value.missing == char and char in str(caught.value)
