#!/usr/bin/env python3
"""A dumb PDF reader for the content oracle (tests/oracle): prints what is on each page as JSON.

It shares no code with Quire: PyMuPDF (MuPDF) reads the PDF. It draws no conclusions; the
Rust side (tests/oracle/mod.rs) decides what is body text, a note, a running head.

Usage: read_pdf.py FILE.pdf  ->  JSON on stdout:

{"pages": [{"index": 0, "trim": [x0, y0, x1, y1], "media": [...],
            "spans": [{"font": "...", "size": 11.5, "flags": 0, "y": 123.4,   # baseline (origin y)
                       "bbox": [...], "chars": [[c, x0, y0, x1, y1, origin_y], ...]}, ...],
            "images": [{"xref": 12, "bbox": [...], "w": 800, "h": 600}, ...],
            "rules": [{"rect": [...], "w": 120.0, "h": 0.4}, ...],
            "links": [[x0, y0, x1, y1], ...]}, ...]}   # areas of links within the document

Coordinates are PyMuPDF's: points, origin at the top left of the media box, y downwards.
"""

import json
import math
import re
import sys

import pymupdf


def r2(v):
    return round(float(v), 2)


def rect(r):
    return [r2(r.x0), r2(r.y0), r2(r.x1), r2(r.y1)]


PLACED_FORM = re.compile(
    rb"([-\d.]+) 0 0 ([-\d.]+) ([-\d.]+) ([-\d.]+) cm\s*/([A-Za-z0-9_.]+) Do")


def drawn_forms(doc, page):
    """Vector pictures (SVG drawn as a Form XObject), placed as a PDF places a picture: a
    scaling `cm` into the picture's rectangle, then `Do`. Their size is the form's BBox
    (the drawing's own units)."""
    forms = {}
    for xref, name, invoker, _ in page.get_xobjects():
        if invoker == 0 and doc.xref_get_key(xref, "Subtype")[1] == "/Form":
            # The form's own /BBox (PyMuPDF's bbox is mapped through the form's /Matrix).
            bbox = [float(v) for v in doc.xref_get_key(xref, "BBox")[1].strip("[]").split()]
            forms[name] = (xref, bbox)
    if not forms:
        return []
    height = page.mediabox.height
    out = []
    for m in PLACED_FORM.finditer(page.read_contents()):
        name = m.group(5).decode()
        if name not in forms:
            continue
        w, h, x, y = (float(m.group(i)) for i in range(1, 5))
        xref, bbox = forms[name]
        out.append({
            "xref": xref,
            "bbox": [r2(x), r2(height - (y + h)), r2(x + w), r2(height - y)],
            "w": math.ceil(bbox[2] - bbox[0] - 1e-6),
            "h": math.ceil(bbox[3] - bbox[1] - 1e-6),
        })
    return out


def inside(a, b, tol=0.5):
    return (a[0] >= b[0] - tol and a[1] >= b[1] - tol
            and a[2] <= b[2] + tol and a[3] <= b[3] + tol)


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
        forms = drawn_forms(doc, page)
        # MuPDF reports a transparency group inside a drawing (xref 0) as an image of its
        # own: it is part of the drawing, not a picture.
        images = [im for im in images
                  if im["xref"] != 0 or not any(inside(im["bbox"], f["bbox"]) for f in forms)]
        images.extend(forms)
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
        # Lines of a drawing are not rules of the page (a note separator, a table's rules).
        rules = [r for r in rules if not any(inside(r["rect"], f["bbox"]) for f in forms)]
        pages.append({
            "index": page.number,
            "trim": rect(page.trimbox),
            "media": rect(page.mediabox),
            "spans": spans,
            "images": images,
            "rules": rules,
            # Links within the document (a note's marker leads to its note).
            "links": [rect(l["from"]) for l in page.get_links()
                      if l.get("kind") == pymupdf.LINK_GOTO],
        })
    json.dump({"pages": pages}, sys.stdout, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()
