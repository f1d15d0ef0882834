"""The project's fonts: which file draws which text, what it can draw, and how the files are made.

Every font lives in ``assets/fonts/``: OFL subsets of Noto Sans CJK and Noto Serif CJK, renamed as the
OFL asks (a subset is a Modified Version). Traditional text is drawn with the TC faces and Simplified
text with the SC faces, because 27 of the campaign's characters have different glyph shapes in each.
Every face carries the same common set beyond the data (all of GB2312 and Big5 and the Simplified forms
of Big5, see ``common_characters``), since a name may be typed in the other script.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import importlib.util
import io
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fontTools.ttLib import TTFont

from generators.files import write_atomic
from generators.script import SCRIPTS, Script, to_hans


def shipped(checkout: Path, package: str) -> Path:
    """A folder of files the project ships: where it stands in a checkout of the repository, else where
    the wheel installed it (as the data package ``package``)."""
    if checkout.is_dir():
        return checkout
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{checkout} is missing and {package} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


FONT_DIR = shipped(Path(__file__).resolve().parent.parent / "assets" / "fonts", "quality_month_fonts")

#: The family name the subsets carry instead of "Noto" (a trademark) and "Source" (the OFL Reserved
#: Font Name).
FAMILY = "Quality Month"


@dataclass(frozen=True)
class Face:
    """One subset font file: a style (sans or serif), a weight and a script."""

    style: Literal["sans", "serif"]
    weight: Literal["regular", "bold"]
    script: Script

    @property
    def region(self) -> str:
        return "TC" if self.script == "hant" else "SC"

    @property
    def family(self) -> str:
        return f"{FAMILY} {self.style.capitalize()} {self.region}"

    @property
    def filename(self) -> str:
        return f"QualityMonth{self.style.capitalize()}{self.region}-{self.weight.capitalize()}.otf"

    @property
    def path(self) -> Path:
        return FONT_DIR / self.filename

    @property
    def source_file(self) -> str:
        """The Debian ``fonts-noto-cjk`` collection this face is cut from."""
        return f"Noto{self.style.capitalize()}CJK-{self.weight.capitalize()}.ttc"

    @property
    def source_index(self) -> int:
        """Face index inside the collection: 2 is SC and 3 is TC (0 JP, 1 KR, 4 HK)."""
        return 3 if self.script == "hant" else 2


#: Bold sans for headlines, regular sans for body text, bold serif for formal headlines.
FACES: tuple[Face, ...] = tuple(
    face
    for script in SCRIPTS
    for face in (Face("sans", "bold", script), Face("sans", "regular", script), Face("serif", "bold", script))
)


def face(style: str, weight: str, script: Script) -> Face:
    """The face for a style, weight and script; ``KeyError`` if the project has none."""
    for candidate in FACES:
        if (candidate.style, candidate.weight, candidate.script) == (style, weight, script):
            return candidate
    raise KeyError(f"no {style} {weight} face for script {script!r}")


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.cache
def em_top(face: Face) -> float:
    """How far the top of the ideographic em box lies above the baseline, in ems (0.88 for Noto CJK).

    Lines are placed by it: CJK ink stays inside the em box, while the font's ascender lies well above."""
    with TTFont(face.path, lazy=True) as font:
        return float(font["OS/2"].sTypoAscender / font["head"].unitsPerEm)


def missing_characters(text: str, faces: Iterable[Face] = FACES) -> str:
    """The characters of ``text`` that at least one of ``faces`` cannot draw, each once, in order.

    White space and line breaks are not drawn as glyphs, so they never count as missing.
    """
    cmaps = [_cmap(f.path) for f in faces]
    seen: dict[str, None] = {}
    for char in text:
        if char.isspace() or char in seen:
            continue
        if any(ord(char) not in cmap for cmap in cmaps):
            seen[char] = None
    return "".join(seen)


def digest(faces: Iterable[Face] = FACES) -> str:
    """A digest of the font files, for cache keys: a changed font must re-render what it draws."""
    found = hashlib.sha256()
    for candidate in faces:
        found.update(candidate.filename.encode())
        found.update(candidate.path.read_bytes())
    return found.hexdigest()


# --- building the subsets ------------------------------------------------------------------------


#: The two-byte codes of the common set, as (codec, first code, last code): GB2312 rows 1-3 (punctuation,
#: symbols, numerals and full-width forms), GB2312 rows 16-87 (both levels: 6,763 hanzi) and Big5 levels
#: 1 (A440-C67E: 5,401 hanzi) and 2 (C940-F9D5: 7,652 hanzi).
_GB2312_SYMBOLS = ("gb2312", 0xA1A1, 0xA3FE)
_GB2312_HANZI = ("gb2312", 0xB0A1, 0xF7FE)
_BIG5_HANZI = (("big5", 0xA440, 0xC67E), ("big5", 0xC940, 0xF9D5))


def _decode_range(codec: str, first: int, last: int) -> Iterator[str]:
    """Every character ``codec`` decodes from a two-byte code between ``first`` and ``last``."""
    for code in range(first, last + 1):
        try:
            yield codecs.decode(code.to_bytes(2, "big"), codec)
        except UnicodeDecodeError:
            continue


def common_characters() -> str:
    """The common set every face carries beyond the data's own characters, in both scripts alike.

    ASCII, CJK punctuation and full-width forms; GB2312's punctuation, symbols and numerals (rows 1-3)
    and all its hanzi (rows 16-87, both levels: 6,763); all the hanzi of Big5 (levels 1 and 2: 13,053)
    and their OpenCC ``t2s`` forms, so that Traditional text still draws once converted. Simplified and
    Traditional faces carry the same set, since a name may be typed in the other script. All from
    Python's own codecs.
    """
    chars: set[str] = {chr(c) for c in range(0x20, 0x7F)}
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    # Vertical forms (︐︑︒…, ︵︶…): the print PDF sets a column's punctuation with them.
    chars.update(chr(c) for c in (*range(0xFE10, 0xFE1A), *range(0xFE30, 0xFE50)))
    chars.update("·—…‘’“”•※")
    chars.update(_decode_range(*_GB2312_SYMBOLS))
    chars.update(_decode_range(*_GB2312_HANZI))
    traditional = "".join(char for level in _BIG5_HANZI for char in _decode_range(*level))
    chars.update(traditional)
    # Some 450 t2s forms lie outside the BMP, most of them rare characters Noto CJK does not draw.
    chars.update(c for c in to_hans(traditional) if c <= "\uffff")
    return "".join(sorted(chars))


#: OpenType features kept in the subsets: what horizontal and vertical Chinese layout uses.
LAYOUT_FEATURES = (
    "ccmp", "locl", "liga", "calt", "kern", "mark", "mkmk",
    "vert", "vrt2", "vkrn", "palt", "vpal", "halt", "vhal",
)  # fmt: skip


def build_subset(face: Face, source_dir: Path, text: str, out_dir: Path) -> Path:
    """Cut ``face`` from its Noto collection in ``source_dir`` down to ``text``, renamed; return the file.

    The layout features Chinese text needs (``LAYOUT_FEATURES``: vertical forms, locale forms,
    proportional punctuation, kerning) and the licence strings survive. Alternates for Japanese
    editions, ruby and widths do not (they double the glyph count), nor does hinting, since posters are
    drawn large.
    """
    from fontTools import subset  # noqa: PLC0415 - 0.14 s to import: only `quality-month fonts` cuts fonts

    options = subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.desubroutinize = False
    options.notdef_outline = True
    font = TTFont(
        source_dir / face.source_file, fontNumber=face.source_index, lazy=False, recalcTimestamp=False
    )
    # Variation sequences (cmap format 14) would keep thousands of ideographic variant glyphs that no
    # text of ours selects.
    font["cmap"].tables = [table for table in font["cmap"].tables if table.format != 14]
    _keep_language_systems(font, _LANGUAGE_SYSTEMS[face.script])
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    _rename(font, face)
    out = out_dir / face.filename
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    write_atomic(out, buffer.getvalue())
    return out


#: OpenType language systems kept per script. The others' ``locl`` lookups map some 3,800 glyphs each
#: to Japanese, Korean, Hong Kong or other-script shapes that this project never draws.
_LANGUAGE_SYSTEMS: dict[Script, frozenset[str]] = {
    "hant": frozenset({"ZHT ", "ZHTM"}),
    "hans": frozenset({"ZHS "}),
}


def _keep_language_systems(font: object, keep: frozenset[str]) -> None:
    for tag in ("GSUB", "GPOS"):
        if tag not in font:  # type: ignore[operator]
            continue
        table = font[tag].table  # type: ignore[index]
        for record in table.ScriptList.ScriptRecord:
            script = record.Script
            script.LangSysRecord = [r for r in script.LangSysRecord if r.LangSysTag in keep]
            script.LangSysCount = len(script.LangSysRecord)


def _rename(font: object, face: Face) -> None:
    """Give a subset a name free of "Noto" and "Source", as the OFL asks of a Modified Version."""
    assert isinstance(font, TTFont)
    weight = face.weight.capitalize()
    postscript = f"QualityMonth{face.style.capitalize()}{face.region}-{weight}"
    version = font["name"].getDebugName(5) or "Version 1.000"
    names = {
        1: face.family if weight in ("Regular", "Bold") else f"{face.family} {weight}",
        2: weight,
        3: f"{version.removeprefix('Version ')};{postscript}",
        4: f"{face.family} {weight}",
        6: postscript,
        7: "",
        11: "",
        16: face.family,
        17: weight,
    }
    table = font["name"]
    table.names = [r for r in table.names if r.nameID not in names and r.nameID not in (18, 19)]
    for name_id, value in names.items():
        if value:
            table.setName(value, name_id, 3, 1, 0x409)
            table.setName(value, name_id, 1, 0, 0)
    description = (
        f"{face.family} {weight} is a subset of Noto {face.style.capitalize()} CJK {face.region}, "
        "modified for the quality-month project under the SIL Open Font License 1.1."
    )
    table.setName(description, 10, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    for key in ("FullName", "FamilyName"):
        if hasattr(top, key):
            setattr(top, key, f"{face.family} {weight}" if key == "FullName" else face.family)
    # A fixed modification time keeps the files byte-identical from one build to the next.
    font["head"].modified = font["head"].created


def data_characters(data_dir: Path, script: Script) -> str:
    """Every character of the TOML files under ``data_dir``, as they read in ``script``."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(data_dir.rglob("*.toml")))
    return text if script == "hant" else to_hans(text)


def build_fonts(source_dir: Path, data_dir: Path, out_dir: Path = FONT_DIR) -> list[Path]:
    """Rebuild every face from Debian's ``fonts-noto-cjk`` in ``source_dir``; return the files written.

    Each face carries ``common_characters()`` and the data's characters in its script. Faces are cut in
    parallel, one per core: a face takes up to a minute and a half.
    """
    common = common_characters()
    texts = {script: common + data_characters(data_dir, script) for script in SCRIPTS}
    with ProcessPoolExecutor() as pool:
        jobs = [pool.submit(build_subset, f, source_dir, texts[f.script], out_dir) for f in FACES]
        return [job.result() for job in jobs]
