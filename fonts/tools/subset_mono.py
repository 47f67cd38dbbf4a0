#!/usr/bin/env python3
"""Builds Quire's monospace family for code, "Quire Mono", from Source Code Pro.

Outputs (in the `fonts/` folder beside this `tools/` folder, unless --out is given):

* `QuireMono-Regular.otf`, `QuireMono-Bold.otf`, `QuireMono-Italic.otf`,
  `QuireMono-BoldItalic.otf`: Adobe's Source Code Pro 2.042 (italics 1.062), CFF outlines,
  without hinting, without the Private Use Area (Powerline symbols) and the five emoji, with
  only the layout features `ccmp locl mark mkmk zero`, renamed "Quire Mono" (the upstream
  licence reserves the name "Source"). Outlines, advances and vertical metrics unchanged.
* `QuireMonoSupplement-Regular.ttf`: 422 characters that Source Code Pro lacks (math
  operators such as ∈ ∉ ∅ ∧ ∨ ⊂ ⊕ ⊢, more arrows, ⌈ ⌉ ⌊ ⌋, ⟨ ⟩, ✔ ✗, ␣, U+FFFD, the
  rarer Cyrillic letters such as Ӛ ...), taken from
  DejaVu Sans Mono 2.37 and scaled onto Source Code Pro's grid (600 units wide,
  x-height and math axis matched), renamed "Quire Mono Supplement" (the Vera and Arev
  licences require a new name). A fallback face: Quire Mono first, then this.

Requirements: `npm pack source-code-pro@2.42.0` (the tarball, or let this script run npm),
`apt-get install fonts-dejavu-core` (2.37), `pip install fonttools` (built with fontTools
4.68.0, Python 3.11); for --scan also `pip install markdown-it-py` (used: 4.3.0).

    python3 fonts/tools/subset_mono.py                  # npm pack in a temporary folder
    python3 fonts/tools/subset_mono.py --scp source-code-pro-2.42.0.tgz
    python3 fonts/tools/subset_mono.py --scan ../shared/corpus-next/rust-lang_nomicon
                                      # also list the characters of the code (fenced and
                                      # indented blocks, inline code spans) of those folders'
                                      # *.md files that no face covers

The inputs are checked against their SHA-256, and the build is deterministic (the head
table's timestamps are kept from the sources), so the outputs are the same bytes every run.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.boundsPen import BoundsPen
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.recordingPen import DecomposingRecordingPen, RecordingPen
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------

SCP_PACKAGE = "source-code-pro@2.42.0"  # npm; Adobe's release 2.042R-u/1.062R-i
# The registry's tarball (npm's dist.shasum d14ccf9b3e79fc9cc17bc153962f40c6fc5f788e).
SCP_TARBALL_SHA256 = "51f898e0712c5f1b3f583b63c9ab7d51daaa9bae1d4c8dc63dc2a4b6a72d7ae4"
# style -> (member of the npm tarball, its SHA-256)
SCP_FACES = {
    "Regular": ("package/OTF/SourceCodePro-Regular.otf",
                "9f9664e2edf6f045c11e774f9bd0be6993971f2544a39061a5ce478b96b051f8"),
    "Bold": ("package/OTF/SourceCodePro-Bold.otf",
             "6f5a4a46a99ad1b92a8675e98f148272c8d2476fc0eb067247dd5eea6a3ad84c"),
    "Italic": ("package/OTF/SourceCodePro-It.otf",
               "6989245c8747ecef5d927f412b49e2cef495053434b635f560f20cc81a1433d1"),
    "BoldItalic": ("package/OTF/SourceCodePro-BoldIt.otf",
                   "a015a5762527946aa99778f5397da14d10b963938d1d6e08153f173fdf29d8ee"),
}

# Debian fonts-dejavu-core 2.37-6 (bookworm).
DEJAVU_SOURCE = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
DEJAVU_SHA256 = "0f5db4f1749979d961019838b160bec74abdf7f9eca69553fe1aa856bbff49a4"

FAMILY = "Quire Mono"
SUPPLEMENT_FAMILY = "Quire Mono Supplement"
STYLE_NAMES = {"Regular": "Regular", "Bold": "Bold", "Italic": "Italic",
               "BoldItalic": "Bold Italic"}

# ---------------------------------------------------------------------------------------
# What is kept
# ---------------------------------------------------------------------------------------

# Source Code Pro: its whole repertoire (Latin incl. Vietnamese and IPA, Greek and Cyrillic
# in the uprights, box drawing, block elements, shapes ...) except these.
DROPPED = [
    (0xE000, 0xF8FF),    # Private Use Area: seven Powerline symbols, not standard
    (0x10000, 0x10FFFF), # five emoji (🎵🎶💩🔒🤖): better left to an emoji fallback
]
# Layout features kept. Source Code Pro has no ligatures at all (no liga, calt, dlig), so
# `->` stays two glyphs with any shaper. Left out: the alternates (aalt, salt, cv01-cv17,
# ss01-ss07), figure and fraction forms (onum, frac, numr, dnom, sups, subs, sinf, ordn),
# case: all off by default; dropping them takes out ~150 unencoded glyphs. `zero` (off by
# default) turns the dotted zero into a slashed one for a book that asks for it.
FEATURES = ["ccmp", "locl", "mark", "mkmk", "zero"]
NAME_IDS = list(range(0, 15))  # the standard names; not the feature names (256 and up)

# The supplement: every character of these blocks that Quire Mono Regular lacks and DejaVu
# Sans Mono has (combining marks, format characters and spaces excepted).
SUPPLEMENT_BLOCKS = [
    (0x0400, 0x04FF),  # Cyrillic: the letters Source Code Pro lacks (Ӛ of the Rustonomicon)
    (0x2010, 0x205E),  # General Punctuation (‑ ‣ ‴ ⁅ ⁆ ...)
    (0x2070, 0x209F),  # Superscripts and Subscripts (⁺ ⁻ ₊ ₋ ...)
    (0x2100, 0x214F),  # Letterlike Symbols (ℂ ℕ ℚ ℝ ℤ ℵ ...)
    (0x2190, 0x21FF),  # Arrows (↦ ↩ ↪ ↵ ⇔ ⇕ ⇄ ...)
    (0x2200, 0x22FF),  # Mathematical Operators (∈ ∉ ∅ ∧ ∨ ∪ ⊂ ⊆ ⊕ ⊢ ⊤ ⊥ ∘ ⋅ ...)
    (0x2308, 0x230B),  # ceiling and floor ⌈ ⌉ ⌊ ⌋
    (0x2318, 0x2318),  # ⌘ (the Command key)
    (0x2325, 0x2325),  # ⌥ (the Option key)
    (0x232B, 0x232B),  # ⌫ (erase to the left)
    (0x23CE, 0x23CE),  # ⏎ (return)
    (0x2400, 0x243F),  # Control Pictures (␣ ␤)
    (0x25A0, 0x25FF),  # Geometric Shapes (◇ ◎ ◯ ...)
    (0x2713, 0x2718),  # check and ballot marks (✔ ✕ ✖ ✗ ✘)
    (0x27C0, 0x27EF),  # Miscellaneous Mathematical Symbols-A (⟂ ⟨ ⟩ ⟪ ⟫ ⟦ ⟧)
    (0x27F0, 0x27FF),  # Supplemental Arrows-A (long arrows ⟵ ⟶ ⟹ ⟼)
    (0xFFFD, 0xFFFD),  # the replacement character (what from_utf8_lossy prints)
]
# DejaVu Sans Mono (2048 units, 1233 wide, x-height 1120) onto Source Code Pro (1000 units,
# 600 wide, x-height 486): one scale for everything, centred in the 600-unit cell; math
# operators raised to Source Code Pro's math axis (the middle of + and =: 330) and arrows
# to the middle of its arrows (252); letters, brackets and other symbols sit on the
# baseline as drawn.
SCALE = 0.436
ADVANCE = 600
MATH_RANGES = [(0x2200, 0x22FF), (0x27C0, 0x27EF), (0x2980, 0x2AFF)]
ARROW_RANGES = [(0x2190, 0x21FF), (0x27F0, 0x27FF), (0x2900, 0x297F)]

# ---------------------------------------------------------------------------------------
# Character groups checked (and listed in MONO-FONT-NOTES.md)
# ---------------------------------------------------------------------------------------


def chars(a: int, b: int) -> str:
    """The assigned, visible characters from a to b (no controls, no combining marks)."""
    return "".join(chr(u) for u in range(a, b + 1)
                   if unicodedata.category(chr(u)) not in ("Cn", "Cc", "Mn", "Me"))


# What the build must cover (it fails otherwise), for every style through the fallback
# order style -> Regular -> supplement.
REQUIRED = {
    "ASCII": chars(0x20, 0x7E),
    "Latin-1 Supplement": chars(0xA0, 0xFF),
    "Latin Extended-A": chars(0x100, 0x17F),
    "punctuation … – — ‘ ’ “ ”": "…–—‘’“”",
    "arrows ← → ↑ ↓ ⇒": "←→↑↓⇒",
    "Box Drawing": chars(0x2500, 0x257F),
    "Block Elements": chars(0x2580, 0x259F),
    "math ≤ ≥ ≠ ∞ ×": "≤≥≠∞×",
    "Greek (monotonic)": "".join(c for c in chars(0x386, 0x3CE)
                                 if unicodedata.name(c).startswith("GREEK")),
}
# What is reported.
REPORTED = {
    "General Punctuation (common)": "‐‑‒–—―‖‘’‚‛“”„†‡•‣…‰′″‹›‼⁄",
    "Arrows (common)": "←↑→↓↔↕↖↗↘↙↦↩↪↵⇐⇑⇒⇓⇔⇕",
    "Math (common)": "−±×÷≤≥≠≈≡∞∀∃∄∈∉∋∅∧∨¬∩∪⊂⊃⊆⊇∑∏√∂∇∘∙⋅⊕⊗⊥⊤⊢⊨⌈⌉⌊⌋⟨⟩∣∥∗≪≫∼≅∝∫∴∵",
    "Cyrillic (0400-04FF)": chars(0x400, 0x4FF),
    "Symbols €™№°℃ℓ": "€™№°℃℉ℓ℮",
    "Geometric Shapes (common)": "■□▪▫▬▲△▶▷►▼▽◀◁◄◆◇○◎●◯",
    "Check marks": "✓✔✗✘",
    "Super- and subscript digits": "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ₀₁₂₃₄₅₆₇₈₉",
    "Letterlike ℕℤℚℝℂ": "ℕℤℚℝℂ",
    "Control Pictures ␀␉␊␍␣": "␀␉␊␍␣",
    "U+FFFD": "\ufffd",
}


def in_ranges(u: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= u <= b for a, b in ranges)


# ---------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(tmp: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found: give the tarball with --scp (npm pack " + SCP_PACKAGE + ")")
    out = subprocess.run([npm, "pack", SCP_PACKAGE, "--silent"], cwd=tmp, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return tmp / out


def read_scp(tarball: Path, verify: bool) -> dict[str, bytes]:
    data = tarball.read_bytes()
    if verify and sha256(data) != SCP_TARBALL_SHA256:
        sys.exit(f"{tarball}: SHA-256 {sha256(data)}, expected {SCP_TARBALL_SHA256}")
    faces = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for style, (member, digest) in SCP_FACES.items():
            raw = tar.extractfile(member).read()
            if verify and sha256(raw) != digest:
                sys.exit(f"{member}: SHA-256 {sha256(raw)}, expected {digest}")
            faces[style] = raw
    return faces


def set_name(font: TTFont, name_id: int, text: str) -> None:
    """Sets a name in every record that has it (and in the Windows English one)."""
    table = font["name"]
    for rec in [r for r in table.names if r.nameID == name_id]:
        table.setName(text, name_id, rec.platformID, rec.platEncID, rec.langID)
    if table.getName(name_id, 3, 1, 0x409) is None:
        table.setName(text, name_id, 3, 1, 0x409)


def subset_options(features: list[str]) -> subset.Options:
    opts = subset.Options()
    opts.layout_features = features
    opts.hinting = False  # PDF embedding and shaping only: no hinting needed (~20 % smaller)
    opts.name_IDs = NAME_IDS
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.recalc_timestamp = False
    opts.drop_tables += ["DSIG"]
    return opts


def build_face(style: str, raw: bytes, out: Path) -> Path:
    font = TTFont(io.BytesIO(raw))
    unicodes = [u for u in font.getBestCmap() if not in_ranges(u, DROPPED)]
    sub = subset.Subsetter(subset_options(FEATURES))
    sub.populate(unicodes=unicodes)
    sub.subset(font)

    version = font["name"].getDebugName(5).split(";")[0]  # "Version 2.042"
    ps = f"QuireMono-{style}"
    full = FAMILY if style == "Regular" else f"{FAMILY} {STYLE_NAMES[style]}"
    for name_id, text in [
        (1, FAMILY), (2, STYLE_NAMES[style]), (4, full), (6, ps),
        (3, f"{version.split()[-1]};QUIRE;{ps}"),
        (5, f"{version}; Quire subset (fonts/tools/subset_mono.py)"),
        (10, "Quire Mono: Adobe's Source Code Pro (designed by Paul D. Hunt), subset and "
             "renamed for Quire's code type (no hinting, fewer features)."),
    ]:
        set_name(font, name_id, text)
    cff = font["CFF "].cff
    cff.fontNames = [ps]
    top = cff.topDictIndex[0]
    top.FamilyName = FAMILY
    top.FullName = full
    top.Weight = "Bold" if "Bold" in style else "Regular"  # upstream says "Extra-light"
    font.recalcTimestamp = False
    path = out / f"{ps}.otf"
    font.save(path)
    return path


def glyph_bounds(font: TTFont, ch: str) -> tuple[float, float, float, float]:
    glyphs = font.getGlyphSet()
    pen = BoundsPen(glyphs)
    glyphs[font.getBestCmap()[ord(ch)]].draw(pen)
    return pen.bounds


def build_supplement(regular: Path, out: Path, verify: bool) -> Path:
    raw = Path(DEJAVU_SOURCE).read_bytes()
    if verify and sha256(raw) != DEJAVU_SHA256:
        sys.exit(f"{DEJAVU_SOURCE}: SHA-256 {sha256(raw)}, expected {DEJAVU_SHA256} "
                 "(Debian fonts-dejavu-core 2.37-6)")
    src = TTFont(io.BytesIO(raw))
    src_cmap = src.getBestCmap()
    src_glyphs = src.getGlyphSet()
    src_adv = src["hmtx"][src_cmap[ord("0")]][0]
    mono = TTFont(regular)
    have = mono.getBestCmap()

    wanted = sorted(
        u for a, b in SUPPLEMENT_BLOCKS for u in range(a, b + 1)
        if u in src_cmap and u not in have
        and unicodedata.category(chr(u)) not in ("Mn", "Me", "Cf", "Zs", "Cc", "Cn"))

    def centre_y(font: TTFont, ch: str) -> float:
        b = glyph_bounds(font, ch)
        return (b[1] + b[3]) / 2

    dy_math = round(centre_y(mono, "+") - SCALE * centre_y(src, "+"))
    dy_arrow = round(centre_y(mono, "→") - SCALE * centre_y(src, "→"))
    dx = round((ADVANCE - SCALE * src_adv) / 2)

    order = [".notdef"]
    glyphs = {}
    cmap = {}
    # .notdef: Quire Mono's own box, redrawn as TrueType (cubic to quadratic, the contour
    # direction reversed as TrueType wants it).
    pen = TTGlyphPen(None)
    mono.getGlyphSet()[mono.getGlyphOrder()[0]].draw(
        Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyphs[".notdef"] = pen.glyph()
    for u in wanted:
        ch = chr(u)
        cat = unicodedata.category(ch)
        if cat.startswith("L") or cat in ("Ps", "Pe"):
            dy = 0
        elif in_ranges(u, MATH_RANGES):
            dy = dy_math
        elif in_ranges(u, ARROW_RANGES):
            dy = dy_arrow
        else:
            dy = 0
        name = f"uni{u:04X}"
        pen = TTGlyphPen(None)
        outline = DecomposingRecordingPen(src_glyphs)  # components become contours
        src_glyphs[src_cmap[u]].draw(outline)
        outline.replay(TransformPen(pen, (SCALE, 0, 0, SCALE, dx, dy)))
        glyphs[name] = pen.glyph()
        order.append(name)
        cmap[u] = name

    m = mono
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    glyf = fb.font["glyf"]
    fb.setupHorizontalMetrics({g: (ADVANCE, getattr(glyf[g], "xMin", 0)) for g in order})
    fb.setupHorizontalHeader(ascent=m["hhea"].ascent, descent=m["hhea"].descent,
                             lineGap=m["hhea"].lineGap)
    os2 = m["OS/2"]
    fb.setupOS2(
        version=4, achVendID="    ", usWeightClass=400, fsType=0, fsSelection=0x40,
        sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
        sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent,
        usWinDescent=os2.usWinDescent, sxHeight=os2.sxHeight, sCapHeight=os2.sCapHeight,
        xAvgCharWidth=ADVANCE, panose=_mono_panose(),
        ulCodePageRange1=0, ulCodePageRange2=0)
    copyright_ = ("Copyright (c) 2003 by Bitstream, Inc. All Rights Reserved. Bitstream Vera "
                  "is a trademark of Bitstream, Inc. DejaVu changes are in public domain. "
                  "Glyphs imported from Arev fonts are (c) 2006 Tavmjong Bah.")
    fb.setupNameTable({
        "copyright": copyright_,
        "familyName": SUPPLEMENT_FAMILY,
        "styleName": "Regular",
        "uniqueFontIdentifier": "2.37;QUIRE;QuireMonoSupplement-Regular",
        "fullName": SUPPLEMENT_FAMILY,
        "version": "Version 2.37; Quire (fonts/tools/subset_mono.py)",
        "psName": "QuireMonoSupplement-Regular",
        "manufacturer": "DejaVu fonts team",
        "description": "Symbols missing from Quire Mono (Source Code Pro), from DejaVu Sans "
                       "Mono 2.37, scaled to Quire Mono's 600-unit cell and x-height.",
        "vendorURL": "https://dejavu-fonts.github.io/",
        "licenseDescription": "Bitstream Vera Fonts licence and Arev Fonts licence (DejaVu "
                              "changes: public domain): see QuireMonoSupplement-LICENSE.txt",
    }, mac=False)
    fb.setupPost(keepGlyphNames=False, isFixedPitch=1,
                 underlinePosition=m["post"].underlinePosition,
                 underlineThickness=m["post"].underlineThickness)
    fb.setupMaxp()
    font = fb.font
    font["head"].created = src["head"].created
    font["head"].modified = src["head"].modified
    font["head"].fontRevision = 2.37
    font.recalcTimestamp = False
    font["OS/2"].recalcUnicodeRanges(font)
    font["OS/2"].recalcCodePageRanges(font)
    path = out / "QuireMonoSupplement-Regular.ttf"
    font.save(path)
    return path


def _mono_panose():
    from fontTools.ttLib.tables.O_S_2f_2 import Panose
    p = Panose()
    p.bFamilyType = 2       # Latin text
    p.bProportion = 9       # monospaced
    return p


# ---------------------------------------------------------------------------------------
# Checking
# ---------------------------------------------------------------------------------------


def check(path: Path) -> list[str]:
    """Reloads the font, decompiles every table, draws every glyph; returns problems:
    advances other than 0 and 600, ligature features."""
    font = TTFont(path)
    font.ensureDecompiled()
    problems = []
    glyphs = font.getGlyphSet()
    hmtx = font["hmtx"]
    for name in font.getGlyphOrder():
        glyphs[name].draw(RecordingPen())
        if hmtx[name][0] not in (0, ADVANCE):
            problems.append(f"{name} advance {hmtx[name][0]}")
    if "GSUB" in font:
        tags = {fr.FeatureTag for fr in font["GSUB"].table.FeatureList.FeatureRecord}
        if tags & {"liga", "clig", "calt", "dlig", "rlig"}:
            problems.append(f"ligature features {sorted(tags)}")
    return problems


def shaping_check(path: Path) -> str:
    """With HarfBuzz's hb-shape (if installed): `->` and friends stay one glyph a character."""
    hb = shutil.which("hb-shape")
    if hb is None:
        return "hb-shape not installed: shaping not checked"
    bad = []
    for text in ["->", "=>", "!=", "<=", ">=", "::", "==", "www", "fi", "ffi", "0x10", "/*"]:
        out = subprocess.run([hb, "--no-positions", "--no-clusters", f"--text={text}", str(path)],
                             capture_output=True, text=True, check=True).stdout.strip()
        if out.count("|") + 1 != len(text):
            bad.append(f"{text!r} -> {out}")
    return "shaping: no ligatures" if not bad else "shaping: LIGATURES " + "; ".join(bad)


def describe(path: Path) -> str:
    font = TTFont(path, lazy=True)
    data = path.read_bytes()
    outline = "CFF" if "CFF " in font else "TrueType glyf"
    return (f"{path.name}: {len(data):,} bytes, {font['maxp'].numGlyphs:,} glyphs, "
            f"{len(font.getBestCmap()):,} code points, {outline}, "
            f"unitsPerEm {font['head'].unitsPerEm}, sha256 {sha256(data)}")


def code_characters(folders: list[Path]) -> dict[str, set[str]]:
    """Every character inside code of the folders' Markdown: fenced and indented code
    blocks and inline code spans, as CommonMark parses them (markdown-it-py). Maps each
    character to the files it occurs in."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        sys.exit("--scan needs markdown-it-py: pip install markdown-it-py")
    md = MarkdownIt("commonmark")
    found: dict[str, set[str]] = {}

    def walk(tokens, name):
        for t in tokens:
            if t.type in ("fence", "code_block", "code_inline"):
                for c in t.content:
                    found.setdefault(c, set()).add(name)
            if t.children:
                walk(t.children, name)

    for folder in folders:
        for path in sorted(folder.rglob("*.md")):
            walk(md.parse(path.read_text(encoding="utf-8")), path.name)
    return found


def coverage(faces: dict[str, Path], supplement: Path | None, text: str) -> dict[str, str]:
    """For each style: the characters of `text` that neither the style's face, nor the
    Regular, nor the supplement maps (the fallback order of a family in Quire)."""
    cmaps = {s: set(TTFont(p, lazy=True).getBestCmap()) for s, p in faces.items()}
    supp = set(TTFont(supplement, lazy=True).getBestCmap()) if supplement else set()
    out = {}
    for style, cmap in cmaps.items():
        miss = [c for c in text if ord(c) not in cmap | cmaps["Regular"] | supp
                and not c.isspace()]
        out[style] = "".join(sorted(set(miss)))
    return out


def main() -> None:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scp", type=Path, help="the npm tarball of " + SCP_PACKAGE
                    + " (default: run npm pack in a temporary folder)")
    ap.add_argument("--out", type=Path, default=here.parent)
    ap.add_argument("--scan", nargs="*", type=Path, default=[],
                    help="folders whose *.md code characters are checked")
    ap.add_argument("--no-supplement", action="store_true")
    ap.add_argument("--no-verify", action="store_true",
                    help="do not check the inputs' SHA-256 (other versions)")
    args = ap.parse_args()
    verify = not args.no_verify

    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.scp or npm_pack(Path(tmp))
        faces_raw = read_scp(tarball, verify)
    faces = {style: build_face(style, raw, args.out) for style, raw in faces_raw.items()}
    supplement = None if args.no_supplement else build_supplement(
        faces["Regular"], args.out, verify)

    failed = False
    for path in list(faces.values()) + ([supplement] if supplement else []):
        print(describe(path))
        problems = check(path)
        if problems:
            failed = True
            print("  PROBLEMS:", "; ".join(problems[:20]))
        print("  " + shaping_check(path))

    print("coverage (style face, then Regular, then the supplement):")
    for group, text in list(REQUIRED.items()) + list(REPORTED.items()):
        miss = coverage(faces, supplement, text)
        line = "; ".join(f"{s}: {m}" for s, m in miss.items() if m)
        print(f"  {group} ({len(text)}): {'all' if not line else 'missing ' + line}")
        if group in REQUIRED and line:
            failed = True
    if args.scan:
        found = code_characters(args.scan)
        text = "".join(found)
        print(f"code characters in {', '.join(map(str, args.scan))}: {len(found)} distinct")
        for style, miss in coverage(faces, supplement, text).items():
            where = {c: sorted(found[c])[:3] for c in miss}
            print(f"  {style}: missing "
                  + (", ".join(f"{c} U+{ord(c):04X} {where[c]}" for c in miss) or "none"))
    if failed:
        sys.exit("check failed")


if __name__ == "__main__":
    main()
