"""Writes bench/run-all.sh's generated parts of docs/benchmarks.md, between marker comments:

    run-all-docs.py pingpong DOCS RUN1/pingpong.md RUN2/pingpong.md ...
        the ping-pong harness's runs side by side (medians and library / C of each run, and the
        spread of the ratio), between <!-- run-all: pingpong --> and <!-- /run-all: pingpong -->
    run-all-docs.py benchmarkdotnet DOCS REPORT-github.md ...
        BenchmarkDotNet's GitHub-markdown reports, between <!-- run-all: benchmarkdotnet --> and
        <!-- /run-all: benchmarkdotnet -->
"""
import os
import re
import sys


def splice(docs, name, body):
    begin, end = f"<!-- run-all: {name} -->", f"<!-- /run-all: {name} -->"
    text = open(docs, encoding="utf-8").read()
    if begin not in text or end not in text:
        sys.exit(f"{docs} has no '{begin}' ... '{end}' markers: add them where the generated {name} tables belong.")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(docs, "w", encoding="utf-8").write(head + begin + "\n" + body.strip() + "\n" + end + tail)


def pingpong(docs, files):
    rows, notes = {}, []
    for i, path in enumerate(files):
        text = open(path, encoding="utf-8").read()
        lines = text.splitlines()
        notes.append(f"- Run {i + 1}: " + " ".join(l for l in lines[:3] if l.strip()))
        for m in re.finditer(r"^\| ([^|]+?) \| (\d+) \| (\d+) \| ([\d.]+) \|$", text, re.M):
            rows.setdefault(m.group(1), [None] * len(files))[i] = (int(m.group(2)), int(m.group(3)), float(m.group(4)))
    out = ["| measurement | " + " | ".join(f"run {i + 1}: C / library (ns), library / C" for i in range(len(files))) + " | ratio max/min |",
           "|---|" + "---|" * len(files) + "---:|"]
    for name, cells in rows.items():
        ratios = [c[2] for c in cells if c and c[2] > 0]
        spread = f"{max(ratios) / min(ratios):.2f}" if len(ratios) == len(files) else "-"
        out.append(f"| {name} | " + " | ".join(f"{c[0]} / {c[1]}, **{c[2]:.3f}**" if c else "-" for c in cells) + f" | {spread} |")
    splice(docs, "pingpong", "\n".join(out) + "\n\n" + "\n".join(notes))


def benchmarkdotnet(docs, files):
    parts = []
    for path in sorted(files):
        title = os.path.basename(path).replace("-report-github.md", "").split(".")[-1]
        parts.append(f"`{title}`:\n\n" + open(path, encoding="utf-8").read().strip())
    splice(docs, "benchmarkdotnet", "\n\n".join(parts))


if __name__ == "__main__":
    kind, docs, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not files:
        sys.exit(f"{kind}: no input files")
    {"pingpong": pingpong, "benchmarkdotnet": benchmarkdotnet}[kind](docs, files)
