"""Benchmark of ``processmining explore``: first view, filter-change latency and memory, beside ``analyze``.

For each size (the bench kit's demo exports in ``bench/data/``, made by ``bench/run.py``'s recipe) it

1. runs ``processmining analyze FILE --profile demo --out DIR --quiet``: wall seconds and peak resident memory;
2. starts ``processmining explore FILE --profile demo --port 0`` and measures the time until the first page
   has answered (the log read and the first view analysed), then the wall time of each request of a review:
   filter changes (a new combination each time, so nothing is answered from the explorer's cache), slider
   moves, the map's mode, a drill-down on a path and on a case; finally the server's peak resident memory.

Examples::

    .venv/bin/python bench/bench_explore.py --sizes 100k
    .venv/bin/python bench/bench_explore.py --sizes 100k,1m --markdown /tmp/explore.md
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ENV, PROFILE, ROOT, _machine, _sample  # noqa: E402  (the kit's samples and machine line)

REVIEW: list[tuple[str, list[tuple[str, str]]]] = [
    ("programme", [("f", "attribute:program=Regionalt investeringsstöd")]),
    ("+ year", [("f", "attribute:program=Regionalt investeringsstöd"), ("f", "started:2024-01-01..2025-01-01")]),
    ("+ not passes", [("f", "attribute:program=Regionalt investeringsstöd"), ("f", "started:2024-01-01..2025-01-01"),
                      ("f", "not:passes:Överklagande inkommit")]),
    ("other programme", [("f", "attribute:program=Exportcheck")]),
    ("follows", [("f", "follows:Komplettering begärd=>Beslut fattat")]),
    ("throughput", [("f", "throughput:..60")]),
    ("top variants", [("f", "top-variants:5")]),
    ("activities slider", [("f", "top-variants:5"), ("act", "70")]),
    ("paths slider", [("f", "top-variants:5"), ("act", "70"), ("paths", "50")]),
    ("waiting map", [("f", "top-variants:5"), ("act", "70"), ("paths", "50"), ("mode", "waiting")]),
    ("path drill-down", [("f", "top-variants:5"), ("path", "Bedömning→Beslut fattat")]),
    ("undo to all cases", []),
]


def _wait_rss_mb(proc: subprocess.Popen[Any]) -> float:
    """Wait for the child and return its peak resident memory (MB), from the kernel's accounting."""
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024


def _get(url: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:  # noqa: S310 - our own server on 127.0.0.1
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - began


def bench(size: str) -> dict[str, Any]:
    path = _sample(size, "csv")
    with tempfile.TemporaryDirectory() as out:
        began = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "processmining", "analyze", str(path), "--profile", str(PROFILE),
                                 "--out", out, "--quiet"], env=ENV, cwd=ROOT)
        analyze_mb = _wait_rss_mb(proc)
        analyze_s = time.perf_counter() - began
    began = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "processmining", "explore", str(path), "--profile", str(PROFILE),
                             "--port", "0"], env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().rstrip("/")
        for _ in range(600):
            try:
                _get(base + "/")
                break
            except OSError:
                time.sleep(0.05)
        first_view = time.perf_counter() - began
        steps = []
        for name, query in REVIEW:
            steps.append((name, _get(f"{base}/?{urllib.parse.urlencode(query)}")))
        case_url = f"{base}/?{urllib.parse.urlencode([('f', 'top-variants:5'), ('case', _a_case(base))])}"
        steps.append(("case timeline", _get(case_url)))
    finally:
        proc.terminate()
    explore_mb = _wait_rss_mb(proc)
    changes = [s for _n, s in steps]
    return {"size": size, "events": _events(path), "analyze_s": analyze_s, "analyze_mb": analyze_mb,
            "first_view_s": first_view, "steps": steps, "median_s": statistics.median(changes),
            "max_s": max(changes), "explore_mb": explore_mb}


def _a_case(base: str) -> str:
    import re

    with urllib.request.urlopen(f"{base}/?f=top-variants%3A5&path=Bed%C3%B6mning%E2%86%92Beslut+fattat",
                                timeout=600) as response:  # noqa: S310
        page = response.read().decode("utf-8")
    found = re.search(r'data-case="([^"]+)"', page)
    assert found, "no case in the path's drill-down"
    import html

    return html.unescape(found.group(1))


def _events(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1


def _report(rows: list[dict[str, Any]]) -> str:
    lines = [f"Machine: {_machine()}", "",
             "| events | analyze (s) | analyze peak (MB) | explore: first view (s) | explore peak (MB) | "
             "peak vs analyze | request median (s) | slowest request (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['events']:,} | {r['analyze_s']:.1f} | {r['analyze_mb']:.0f} | {r['first_view_s']:.1f} | "
                     f"{r['explore_mb']:.0f} | {r['explore_mb'] / r['analyze_mb']:.2f}x | {r['median_s']:.2f} | "
                     f"{r['max_s']:.2f} |")
    for r in rows:
        lines += ["", f"Requests of the review at {r['events']:,} events (seconds, each a new filter combination "
                      "unless it only moves a slider or drills down):", "",
                  "| step | seconds |", "|---|---:|"]
        lines += [f"| {name} | {s:.2f} |" for name, s in r["steps"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k", help="comma-separated: 100k, 1m, 3.5m")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    args = parser.parse_args()
    rows = [bench(size) for size in args.sizes.split(",")]
    text = _report(rows)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
