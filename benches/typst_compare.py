#!/usr/bin/env python3
"""Quire and Typst side by side, in one run on this machine.

Typesets Pride and Prejudice (or any plain-prose book of the corpus) to PDF with Quire and
with the Typst compiler (PyPI `typst`, `pip install typst`) at the same settings: 5.5 x 8.5 in,
EB Garamond 11.5/14.5 pt from fonts/, justified and hyphenated, a page break before each
chapter, the same margins. Runs alternate, N times each (default 7); the medians of wall
time, CPU time and peak memory are printed, with the ratios. Then Quire's whole build
(EPUB, PDF and cover), again into the same folder and as a first build into an empty one
(which renders the EPUB's cover picture that later builds reuse); its time and memory at
1x, 2x and 4x the book's length and at 7x (about 850,000 words, a Bible's length); then
`quire watch` on a copy of the book, timing its rebuilds after one-word edits of the
middle chapter.

    python3 benches/typst_compare.py [BOOK] [--runs N]

Quire runs as a process (`target/release/quire`, startup included). Typst runs in a Python
process: its figure is the `typst.compile()` call alone (Python's start and import are left
out, which favours Typst); its memory is that process's peak, minus the peak of the same
process that only imports typst.
"""

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUIRE = os.path.join(REPO, "target", "release", "quire")


def chapters(book):
    """The chapter files of a book, in order, from book.toml."""
    with open(os.path.join(book, "book.toml"), "rb") as f:
        config = tomllib.load(f)
    contents = config.get("contents", {})
    files = contents.get("front", []) + contents.get("chapters", []) + contents.get("back", [])
    return config, [os.path.join(book, f) for f in files]


TYPST_SPECIAL = re.compile(r"([\\#$*_`<>@\[\]~=/+-])")


def inline(text):
    """Markdown emphasis to Typst, everything else escaped."""
    out = []
    pos = 0
    for m in re.finditer(r"\*\*(.+?)\*\*|\*(.+?)\*|_(.+?)_", text):
        out.append(TYPST_SPECIAL.sub(r"\\\1", text[pos:m.start()]))
        if m.group(1):
            out.append("#strong[" + TYPST_SPECIAL.sub(r"\\\1", m.group(1)) + "]")
        else:
            out.append("#emph[" + TYPST_SPECIAL.sub(r"\\\1", m.group(2) or m.group(3)) + "]")
        pos = m.end()
    out.append(TYPST_SPECIAL.sub(r"\\\1", text[pos:]))
    return "".join(out)


def to_typst(book, copies=1):
    """The book as one Typst document (headings, paragraphs, emphasis, scene breaks)."""
    config, files = chapters(book)
    lang = config.get("book", {}).get("language", "en").split("-")[0]
    parts = [
        '#set page(width: 5.5in, height: 8.5in, margin: (inside: 0.875in, outside: 0.625in, top: 0.8in, bottom: 0.9in))',
        # Lines 14.5 pt apart, baseline to baseline: each line 11.5 pt tall, 3 pt between.
        f'#set text(font: "EB Garamond 12", size: 11.5pt, lang: "{lang}", hyphenate: true, top-edge: 11.5pt, bottom-edge: 0pt)',
        "#set par(justify: true, leading: 3pt, first-line-indent: 1em, spacing: 3pt)",
        "#show heading: it => { pagebreak(weak: true); v(1in); align(center, text(size: 16pt, it.body)); v(0.5in) }",
    ]
    for _ in range(copies):
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for block in re.split(r"\n\s*\n", text):
                block = block.strip()
                if not block:
                    continue
                if block.startswith("#"):
                    title = block.lstrip("#").strip()
                    parts.append("= " + inline(title))
                elif block in ("***", "* * *", "---"):
                    parts.append("#align(center)[\\* \\* \\*]")
                else:
                    parts.append(inline(" ".join(block.split())))
    return "\n\n".join(parts) + "\n"


def measure(command, env=None):
    """Wall seconds, CPU seconds and peak memory (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def peak_mb(command):
    """Peak resident memory of a command, by /usr/bin/time -f %M (KB)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    return int(proc.stderr.strip().splitlines()[-1]) / 1024


TYPST_RUNNER = """
import sys, time, typst
src, out, fonts = sys.argv[1:4]
start = time.perf_counter()
typst.compile(src, output=out, font_paths=[fonts])
print(time.perf_counter() - start)
"""


def scaled_copy(book, copies, into):
    """The book with its chapters repeated `copies` times (chapter files copied under new
    names, [contents] listing them again)."""
    config, files = chapters(book)
    shutil.copytree(book, into)
    if copies == 1:
        return into
    names = [os.path.basename(f) for f in config["contents"].get("chapters", [])]
    listed = []
    for k in range(copies):
        for name in names:
            new = f"x{k}-{name}"
            shutil.copy(os.path.join(book, name), os.path.join(into, new))
            listed.append(new)
    toml = open(os.path.join(book, "book.toml"), encoding="utf-8").read()
    toml = re.sub(r"chapters\s*=\s*\[[^\]]*\]", "chapters = [" + ", ".join(f'"{n}"' for n in listed) + "]", toml, count=1)
    with open(os.path.join(into, "book.toml"), "w", encoding="utf-8") as f:
        f.write(toml)
    return into


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("book", nargs="?", default=os.path.join(REPO, "..", "shared", "corpus", "jane-austen_pride-and-prejudice"))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not os.path.exists(QUIRE):
        sys.exit("build Quire first: cargo build --release")
    try:
        import typst  # noqa: F401
        have_typst = True
    except ImportError:
        have_typst = False
        print("*** SKIP the Typst side: pip install typst ***")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    work = tempfile.mkdtemp(prefix="quire-bench-")
    book = os.path.abspath(args.book)
    src = os.path.join(work, "book.typ")
    with open(src, "w", encoding="utf-8") as f:
        f.write(to_typst(book))
    runner = os.path.join(work, "runner.py")
    with open(runner, "w") as f:
        f.write(TYPST_RUNNER)
    fonts = os.path.join(REPO, "fonts")
    quire_pdf = [QUIRE, "build", book, "--out", os.path.join(work, "q"), "--format", "pdf"]
    quire_all = [QUIRE, "build", book, "--out", os.path.join(work, "a")]
    typst_cmd = [sys.executable, runner, src, os.path.join(work, "t.pdf"), fonts]
    # A first build into an empty folder also renders the EPUB's cover picture, which later
    # builds take from out/.quire-cache: both are timed.
    fresh = os.path.join(work, "fresh")
    quire_fresh = [QUIRE, "build", book, "--out", fresh]
    q_wall, q_cpu, t_wall, t_cpu, a_wall, f_wall = [], [], [], [], [], []
    for _ in range(args.runs):
        w, c, _ = measure(quire_pdf, env)
        q_wall.append(w)
        q_cpu.append(c)
        if have_typst:
            w, c, proc = measure(typst_cmd, env)
            t_wall.append(float(proc.stdout.strip()))
            t_cpu.append(c)
        w, _, _ = measure(quire_all, env)
        a_wall.append(w)
        shutil.rmtree(fresh, ignore_errors=True)
        w, _, _ = measure(quire_fresh, env)
        f_wall.append(w)
    med = statistics.median
    q_mem = peak_mb(quire_pdf)
    print(f"book: {os.path.basename(book)}; {args.runs} runs each, alternating; medians")
    print(f"  quire  PDF        {med(q_wall):6.3f} s wall  {med(q_cpu):6.3f} s CPU  {q_mem:6.0f} MB")
    if have_typst:
        t_mem = peak_mb(typst_cmd) - peak_mb([sys.executable, "-c", "import typst"])
        pages = subprocess.run(["pdfinfo", os.path.join(work, "t.pdf")], capture_output=True, text=True).stdout
        pages = re.search(r"Pages:\s+(\d+)", pages)
        print(f"  typst  PDF        {med(t_wall):6.3f} s wall  {med(t_cpu):6.3f} s CPU  {t_mem:6.0f} MB  ({pages.group(1) if pages else '?'} pages)")
        print(f"  quire is {med(t_wall) / med(q_wall):.1f}x faster (wall), target 10x")
    print(f"  quire  EPUB+PDF+cover {med(a_wall):6.3f} s wall (target under 0.15 s)")
    print(f"  quire  EPUB+PDF+cover {med(f_wall):6.3f} s wall, first build into an empty folder")
    print("length scaling (quire, whole build):")
    for copies in (1, 2, 4, 7):
        copy = scaled_copy(book, copies, os.path.join(work, f"x{copies}"))
        cmd = [QUIRE, "build", copy, "--out", os.path.join(work, f"o{copies}")]
        walls = [measure(cmd, env)[0] for _ in range(max(3, args.runs // 2))]
        target = "  (long book: target under 1.5 s and 250 MB)" if copies == 7 else ""
        print(f"  {copies}x  {med(walls):6.3f} s wall  {peak_mb(cmd):6.0f} MB{target}")
    watch_edits(book, work, env)
    shutil.rmtree(work, ignore_errors=True)


def watch_edits(book, work, env, edits=7):
    """`quire watch` on a copy of the book: the medians of its rebuild times after one-word
    edits of the middle chapter (the whole build, and the pages' layout alone)."""
    copy = os.path.join(work, "watched")
    shutil.copytree(book, copy)
    _, files = chapters(copy)
    middle = files[len(files) // 2]
    proc = subprocess.Popen([QUIRE, "watch", copy, "--out", os.path.join(work, "w")],
                            stderr=subprocess.PIPE, text=True, env=env)
    lines = []

    def next_rebuild():
        while True:
            line = proc.stderr.readline()
            if not line:
                return None
            if line.startswith("watch: rebuilt") or line.startswith("watch: build failed"):
                return line

    first = next_rebuild()
    for n in range(edits):
        time.sleep(0.5)
        with open(middle, encoding="utf-8") as f:
            text = f.read()
        with open(middle, "w", encoding="utf-8") as f:
            f.write(text.replace(" the ", f" the{' very' if n % 2 == 0 else ''} ", 1) if n % 2 == 0
                    else text.replace(" the very ", " the ", 1))
        line = next_rebuild()
        if line:
            lines.append(line)
    proc.terminate()
    proc.wait()
    whole = [float(m.group(1)) for m in (re.search(r"in ([0-9.]+) s", l) for l in lines) if m]
    pages = [float(m.group(1)) for m in (re.search(r"laid out in ([0-9]+) ms", l) for l in lines) if m]
    print(f"quire watch, {len(lines)} one-word edits of {os.path.basename(middle)} (first build: {first.strip() if first else '?'})")
    if whole:
        print(f"  rebuild (EPUB+PDF+cover written)  {statistics.median(whole):6.3f} s wall")
    if pages:
        print(f"  pages laid out again              {statistics.median(pages) / 1000:6.3f} s wall (target under 0.050 s)")


if __name__ == "__main__":
    main()
