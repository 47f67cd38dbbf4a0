#!/usr/bin/env python3
"""A dumb PDF reader for the content oracle (tests/oracle): prints what is on each page as JSON.

It shares no code with Quire: PyMuPDF (MuPDF) reads the PDF. It draws no conclusions; the
Rust side (tests/oracle/mod.rs) decides what is body text, a note, a running head.

Usage: read_pdf.py FILE.pdf  ->  JSON on stdout:

{"pages": [{"index": 0, "trim": [x0, y0, x1, y1], "media": [...],
            "spans": [{"font": "...", "size": 11.5, "flags": 0, "y": 123.4,   # baseline (origin y)
                       "bbox": [...], "chars": [[c, x0, y0, x1, y1, origin_y], ...]}, ...],
            "images": [{"xref": 12, "bbox": [...], "w": 800, "h": 600}, ...],
            "rules": [{"rect": [...], "w": 120.0, "h": 0.4}, ...]}, ...]}

Coordinates are PyMuPDF's: points, origin at the top left of the media box, y downwards.
"""

import json
import sys

import pymupdf


def r2(v):
    return round(float(v), 2)


def rect(r):
    return [r2(r.x0), r2(r.y0), r2(r.x1), r2(r.y1)]


def main():
    doc = pymupdf.open(sys.argv[1])
    pages = []
    for page in doc:
        spans = []
        # No ligature splitting or whitespace normalisation beyond MuPDF's own: the Rust side
        # groups characters into lines and words by position.
        flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP * 0
        raw = page.get_text("rawdict", flags=flags)
        for block in raw.get("blocks", []):
            if block.get("type") != 0:
                continue
            for line in block.get("lines", []):
                for span in line.get("spans", []):
                    chars = [
                        [ch["c"], r2(ch["bbox"][0]), r2(ch["bbox"][1]), r2(ch["bbox"][2]),
                         r2(ch["bbox"][3]), r2(ch["origin"][1])]
                        for ch in span.get("chars", [])
                    ]
                    if not chars:
                        continue
                    spans.append({
                        "font": span.get("font", ""),
                        "size": r2(span.get("size", 0)),
                        "flags": span.get("flags", 0),
                        "y": r2(span["origin"][1]),
                        "bbox": [r2(v) for v in span["bbox"]],
                        "chars": chars,
                    })
        images = []
        for info in page.get_image_info(xrefs=True):
            images.append({
                "xref": info.get("xref", 0),
                "bbox": [r2(v) for v in info["bbox"]],
                "w": info.get("width", 0),
                "h": info.get("height", 0),
            })
        rules = []
        for d in page.get_drawings():
            r = d.get("rect")
            if r is None:
                continue
            w, h = r.width, r.height
            # Stroked lines have a zero-height rect: count the stroke width as their height.
            if d.get("type") in ("s", "fs") and d.get("width"):
                if h < 0.01:
                    h = d["width"]
                elif w < 0.01:
                    w = d["width"]
            if min(w, h) <= 3.0:
                rules.append({"rect": rect(r), "w": r2(w), "h": r2(h)})
        pages.append({
            "index": page.number,
            "trim": rect(page.trimbox),
            "media": rect(page.mediabox),
            "spans": spans,
            "images": images,
            "rules": rules,
        })
    json.dump({"pages": pages}, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
