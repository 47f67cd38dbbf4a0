#!/usr/bin/env python3
"""Builds Quire's serif (Ming/Song) CJK fallback fonts from Debian's font packages.

Outputs (in the `fonts/` folder beside this `tools/` folder, unless --out is given):

* `NotoSerifCJKtc-Regular-subset.otf`: Noto Serif CJK TC Regular (Debian `fonts-noto-cjk`),
  cut down to the common Han characters of Simplified, Traditional and Japanese text plus
  CJK punctuation, fullwidth forms, kana and bopomofo; hinting dropped.
* `HanaMinB-ExtB-subset.ttf`: the few characters of the built-in set (the corpus's
  Extension-B ideographs) that Noto lacks, from HanaMin B (Debian `fonts-hanazono`),
  a Mincho design; renamed "Quire ExtB Supplement".

Requirements: `apt-get install fonts-noto-cjk fonts-hanazono` and `pip install fonttools`
(built and checked with fontTools 4.68.0).

    python3 fonts/tools/subset_cjk.py                       # build both fonts, then check them
    python3 fonts/tools/subset_cjk.py --scan ../shared/corpus manuscript
                                                            # also keep every ideograph found
                                                            # in those folders' *.md files
    python3 fonts/tools/subset_cjk.py --region SC           # Simplified-Chinese glyph forms

The character set is defined without outside data: GB 2312 (6,763 hanzi), Big5 level 1
(5,401 frequently used hanzi) and JIS X 0208 (6,355 kanji) are read from Python's own
codecs, and the corpus's characters outside those sets are listed in CORPUS_EXTRA below.
--scan reports any ideograph of the scanned Markdown that is not yet in the set (add it to
CORPUS_EXTRA so the build stays reproducible without the corpus). The build is
deterministic: the head table's timestamps are kept from the source font.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import unicodedata
from pathlib import Path

from fontTools import subset
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTCollection, TTFont

# Debian fonts-noto-cjk 1:20220127+repack1-1 (Noto Serif CJK 2.001).
NOTO_SOURCE = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
# Debian fonts-hanazono 20170904-2.1 (HanaMin B, Extension B and later ideographs).
HANAMIN_B_SOURCE = "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"

MAIN_NAME = "NotoSerifCJK{region}-Regular-subset.otf"
SUPPLEMENT_NAME = "HanaMinB-ExtB-subset.ttf"
SUPPLEMENT_FAMILY = "Quire ExtB Supplement"

# Ideographs of the books under ../shared/corpus and manuscript/ (The Art of War,
# Lionel Giles's translation) that are in none of GB 2312, Big5 level 1 and JIS X 0208.
# 63 of the corpus's 1,557 distinct ideographs; --scan finds any new ones.
CORPUS_EXTRA = (
    "㪷㮣仼偪剗劌卽呯嚭埶壍媮媿宼巿幷懀懟敺旣檇珣皡皥矉碫碬筭縠纊纍缻罃羗蘙蠆觕詡諴趫轀"
    "轒邲醎鍇閫閽闉隟靑顚鬬鬭鱄鶡麤鼂"
    "\U00023f88\U00025632\U00026bbc\U00027b08\U000281e0\U00028ef6"  # Extension B
)

# Non-Han code points kept: CJK punctuation and symbols, kana, bopomofo, vertical and
# compatibility forms, halfwidth and fullwidth forms.
KEPT_RANGES = [
    (0x3000, 0x303F),  # CJK Symbols and Punctuation: 、。「」『』【】〈〉《》〔〕〜 々 〇 ...
    (0x3040, 0x309F),  # Hiragana
    (0x30A0, 0x30FF),  # Katakana (incl. ・ ー)
    (0x3100, 0x312F),  # Bopomofo (zhuyin)
    (0xFE10, 0xFE1F),  # Vertical Forms
    (0xFE30, 0xFE4F),  # CJK Compatibility Forms
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms: ！（），：；？ ...
]
# General punctuation as CJK text uses it (the book's Latin face usually has these first).
KEPT_PUNCTUATION = "·—―‘’“”‥…‧※"

# Layout features kept. Left out: locl (it pulls in the other regions' glyph forms),
# aalt/fwid/hwid/pwid/hist/ruby (alternates), the jamo features (Hangul is not kept),
# liga/dlig/calt (Latin and kana ligatures) and kern/vkrn: Source Han's kern pairs are
# kana and punctuation pairs meant to go with palt (proportional spacing), and shapers
# apply kern by default, which would kern kana set at full width. halt/palt/vhal/vpal
# (off by default) stay for a typesetter that wants proportional CJK punctuation.
FEATURES = ["ccmp", "mark", "halt", "palt", "vert", "vrt2", "vhal", "vpal"]

# Unicode's Ideographic property, as far as fonts cover it.
IDEOGRAPHIC = [
    (0x3006, 0x3007), (0x3021, 0x3029), (0x3038, 0x303A), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F), (0x30000, 0x323AF),
]


def is_ideograph(ch: str) -> bool:
    o = ord(ch)
    return any(a <= o <= b for a, b in IDEOGRAPHIC)


def double_byte(codec: str, leads: range, trails: list[int]) -> set[str]:
    """Every ideograph that the double-byte codes leads x trails decode to in `codec`."""
    out = set()
    for hi in leads:
        for lo in trails:
            try:
                ch = bytes([hi, lo]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and is_ideograph(ch):
                out.add(ch)
    return out


def gb2312_hanzi() -> set[str]:
    """GB 2312 levels 1 and 2: rows 16-87, 6,763 hanzi (Simplified Chinese)."""
    return double_byte("gb2312", range(0xB0, 0xF8), list(range(0xA1, 0xFF)))


def big5_level1() -> set[str]:
    """Big5 frequently used hanzi (A440-C67E), 5,401 (Traditional Chinese)."""
    trails = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    chars = set()
    for hi in range(0xA4, 0xC7):
        for lo in trails:
            if (hi, lo) > (0xC6, 0x7E):
                continue
            chars |= double_byte("big5", range(hi, hi + 1), [lo])
    return chars


def big5_level2() -> set[str]:
    """Big5 less frequently used hanzi (C940-F9D5), 7,652 (not kept by default)."""
    trails = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    return double_byte("big5", range(0xC9, 0xFA), trails)


def jis_x0208_kanji() -> set[str]:
    """JIS X 0208 levels 1 and 2 (rows 16-84), 6,355 kanji (Japanese)."""
    return double_byte("euc_jp", range(0xB0, 0xF5), list(range(0xA1, 0xFF)))


def scan(folders: list[Path]) -> set[str]:
    found = set()
    for folder in folders:
        for md in sorted(folder.rglob("*.md")):
            found |= {c for c in md.read_text(encoding="utf-8") if is_ideograph(c)}
    return found


def character_set(scanned: set[str], big5_all: bool) -> tuple[set[str], dict[str, int]]:
    gb, b5, jis = gb2312_hanzi(), big5_level1(), jis_x0208_kanji()
    if big5_all:
        b5 |= big5_level2()
    extra = set(CORPUS_EXTRA)
    others = {chr(u) for a, b in KEPT_RANGES for u in range(a, b + 1)
              if unicodedata.category(chr(u)) != "Cn"} | set(KEPT_PUNCTUATION)
    han = gb | b5 | jis | extra | scanned
    counts = {
        "GB 2312": len(gb), "Big5 level 1" + (" and 2" if big5_all else ""): len(b5), "JIS X 0208": len(jis),
        "corpus extra": len(extra), "scanned, not yet listed": len(scanned - gb - b5 - jis - extra),
        "Han total": len(han), "non-Han code points": len(others),
    }
    return han | others, counts


def open_face(path: str, region: str | None) -> TTFont:
    if not path.endswith((".ttc", ".otc")):
        return TTFont(path)
    names = [f["name"].getDebugName(4) for f in TTCollection(path, lazy=True).fonts]
    for i, name in enumerate(names):
        if name.endswith(" " + region):
            return TTFont(path, fontNumber=i)
    sys.exit(f"no face for region {region} in {path}: {names}")


def set_name(font: TTFont, name_id: int, text: str) -> None:
    """Sets a name in every platform/language record that has it (and Windows English)."""
    table = font["name"]
    for rec in [r for r in table.names if r.nameID == name_id]:
        table.setName(text, name_id, rec.platformID, rec.platEncID, rec.langID)
    if table.getName(name_id, 3, 1, 0x409) is None:
        table.setName(text, name_id, 3, 1, 0x409)


def subset_font(font: TTFont, unicodes: set[int], features: list[str]) -> None:
    opts = subset.Options()
    opts.layout_features = features
    opts.hinting = False  # PDF embedding and shaping only: no hinting needed (saves ~16 %)
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.recalc_timestamp = False
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=sorted(unicodes))
    sub.subset(font)


def build_main(region: str, chars: set[str], out: Path) -> Path:
    font = open_face(NOTO_SOURCE, region)
    have = font.getBestCmap()
    unicodes = {ord(c) for c in chars if ord(c) in have}
    subset_font(font, unicodes, FEATURES)
    version = font["name"].getDebugName(5)
    set_name(font, 3, font["name"].getDebugName(3) + ";Quire-subset")
    set_name(font, 5, version + "; Quire subset (fonts/tools/subset_cjk.py)")
    font.recalcTimestamp = False
    path = out / MAIN_NAME.format(region=region.lower())
    font.save(path)
    return path


def build_supplement(chars: set[str], main: Path, out: Path) -> Path | None:
    main_cmap = TTFont(main, lazy=True).getBestCmap()
    font = TTFont(HANAMIN_B_SOURCE)
    have = font.getBestCmap()
    wanted = {ord(c) for c in chars if is_ideograph(c) and ord(c) not in main_cmap}
    unicodes = wanted & set(have)
    if not unicodes:
        return None
    subset_font(font, unicodes, [])
    # A modified version: renamed, so that it is clear of the OFL reserved names too
    # (it is used under the Hanazono Font License, which allows modification).
    ps = SUPPLEMENT_FAMILY.replace(" ", "")
    for name_id, text in [(1, SUPPLEMENT_FAMILY), (2, "Regular"), (4, SUPPLEMENT_FAMILY),
                          (3, f"{ps}-Regular;subset of HanaMinB 2017-09-04"), (6, f"{ps}-Regular"),
                          (10, "Subset of HanaMinB (GlyphWiki Project) for Quire: the Extension-B "
                               "ideographs Noto Serif CJK lacks."),
                          (13, "Hanazono Font License (or SIL Open Font License 1.1): see "
                               "HanaMinB-LICENSE.txt")]:
        set_name(font, name_id, text)
    font.recalcTimestamp = False
    path = out / SUPPLEMENT_NAME
    font.save(path)
    return path


def check(path: Path, chars: set[str]) -> set[str]:
    """Reloads the font, decompiles every table, draws every glyph, and returns the wanted
    characters it does not map to a non-empty glyph (ideographic spaces excepted)."""
    font = TTFont(path)
    font.ensureDecompiled()
    cmap = font.getBestCmap()
    order = font.getGlyphOrder()
    gid = {name: i for i, name in enumerate(order)}
    glyphs = font.getGlyphSet()
    empty = set()
    for name in order:
        pen = RecordingPen()
        glyphs[name].draw(pen)
        if not pen.value:
            empty.add(name)
    bad = set()
    for ch in chars:
        g = cmap.get(ord(ch))
        if g is None or gid[g] == 0 or (g in empty and not ch.isspace()
                                                  and ord(ch) != 0xFFA0):
            bad.add(ch)
    return bad


def describe(path: Path) -> str:
    font = TTFont(path, lazy=True)
    data = path.read_bytes()
    outline = "CFF (CID-keyed)" if "CFF " in font else "TrueType glyf"
    return (f"{path.name}: {len(data):,} bytes, {font['maxp'].numGlyphs:,} glyphs, "
            f"{len(font.getBestCmap()):,} code points, {outline}, "
            f"unitsPerEm {font['head'].unitsPerEm}, vmtx {'vmtx' in font}, "
            f"sha256 {hashlib.sha256(data).hexdigest()}")


def main() -> None:
    here = Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", default="TC", choices=["TC", "SC", "HK", "JP", "KR"],
                    help="which Noto Serif CJK face's glyph forms (default TC, the corpus's)")
    ap.add_argument("--scan", nargs="*", type=Path, default=[],
                    help="folders whose *.md ideographs are kept too")
    ap.add_argument("--out", type=Path, default=here.parent)
    ap.add_argument("--big5-all", action="store_true",
                    help="keep Big5 level 2 too (7,652 rarer hanzi; about 5.7 MB instead of 3.6)")
    ap.add_argument("--no-supplement", action="store_true")
    args = ap.parse_args()

    scanned = scan(args.scan)
    chars, counts = character_set(scanned, args.big5_all)
    for k, v in counts.items():
        print(f"{k}: {v:,}")
    unlisted = sorted(scanned - set(CORPUS_EXTRA) - gb2312_hanzi() - big5_level1()
                      - jis_x0208_kanji())
    if unlisted:
        print("add to CORPUS_EXTRA:", "".join(unlisted))

    main_path = build_main(args.region, chars, args.out)
    print(describe(main_path))
    han = {c for c in chars if is_ideograph(c)}
    missing = check(main_path, chars)
    if missing - han:
        print("non-Han characters missing:", "".join(sorted(missing - han)))
    print(f"not in {main_path.name}: {len(missing)}: " + "".join(sorted(missing)))
    if not args.no_supplement:
        supp = build_supplement(chars, main_path, args.out)
        if supp:
            print(describe(supp))
            missing = check(supp, missing & han)
            print(f"ideographs in neither font: {len(missing)}: " + "".join(sorted(missing)))
    if scanned:
        covered = TTFont(main_path, lazy=True).getBestCmap()
        print(f"scanned ideographs: {len(scanned):,}, in {main_path.name}: "
              f"{sum(1 for c in scanned if ord(c) in covered):,}")
    if missing & han:
        sys.exit(f"{len(missing & han)} ideographs of the set are in no output font")


if __name__ == "__main__":
    main()
