"""Time the fast XES reader against pm4py's default reader on the same file.

Each reader runs in a fresh Python process (so peak memory is its own), after its imports, on the
same file, ``--repeat`` times; the best run counts. Printed per reader: events, wall seconds, CPU
seconds, peak resident memory of the process and its memory before the read; then the ratio.

Examples::

    .venv/bin/python bench/bench_xes.py ../shared/event_logs/BPIC15_1.xes.gz
    # a ~520k-event file: BPIC15_1's traces 10 times over, with renamed case ids (not committed)
    .venv/bin/python bench/bench_xes.py ../shared/event_logs/BPIC15_1.xes.gz --make-big /tmp/bpic15_x10.xes.gz
    .venv/bin/python bench/bench_xes.py /tmp/bpic15_x10.xes.gz --repeat 1

Figures measured on the 2-core project machine are in the docstring of processmining/ingest/xes.py.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(reader: str, path: str, repeat: int) -> None:
    """Runs in the child process: import, then time the read; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    if reader == "pm4py":
        import warnings

        warnings.simplefilter("ignore")  # pm4py's "install r4pm" hint
        from processmining._pm4py import pm4py

        module = pm4py()

        def read() -> int:
            return len(module.read_xes(path))  # default variant: lxml iterparse

    else:
        from processmining.ingest.xes import read_xes_table

        def read() -> int:
            return len(read_xes_table(Path(path)).frame)

    before = _peak_mb()
    runs = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        events = read()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    best = min(runs)
    print(json.dumps({"events": events, "seconds": best[0], "cpu": best[1], "peak_mb": _peak_mb(), "base_mb": before}))


def _run(reader: str, path: Path, repeat: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--worker", reader, str(path), "--repeat", str(repeat)]
    env = {**os.environ, "PM4PY_SHOW_PROGRESS_BAR": "False"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def make_big(source: Path, out: Path, copies: int) -> None:
    """Write ``copies`` times the traces of ``source`` (case ids prefixed ``c<copy>-``) to ``out`` (.gz)."""
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as handle:
        text = handle.read()
    first = text.index(b"<trace>")
    end = text.rindex(b"</log>")
    traces = text[first:end].split(b"<trace>")[1:]
    with gzip.open(out, "wb", compresslevel=1) as target:
        target.write(text[:first])
        for copy in range(copies):
            prefix = b'key="concept:name" value="c%d-' % copy
            for trace in traces:
                cut = trace.find(b"<event>")
                cut = len(trace) if cut < 0 else cut
                target.write(b"<trace>" + trace[:cut].replace(b'key="concept:name" value="', prefix) + trace[cut:])
        target.write(b"</log>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader; the best counts (default 3)")
    parser.add_argument("--skip-pm4py", action="store_true", help="time only the fast reader")
    parser.add_argument("--make-big", type=Path, metavar="OUT", help="write a bigger copy of FILE to OUT and stop")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--worker", choices=["fast", "pm4py"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker, str(args.file), args.repeat)
        return
    if args.make_big:
        make_big(args.file, args.make_big, args.copies)
        print(f"wrote {args.make_big} ({args.make_big.stat().st_size / 1e6:.1f} MB)")
        return

    print(
        f"{args.file} ({args.file.stat().st_size / 1e6:.1f} MB on disk), {os.cpu_count()} cores, best of {args.repeat}"
    )
    print(f"{'reader':<8} {'events':>9} {'wall s':>8} {'cpu s':>8} {'events/s':>10} {'peak MB':>8} {'base MB':>8}")
    results = {}
    for reader in ("fast", "pm4py"):
        if reader == "pm4py" and args.skip_pm4py:
            continue
        result = results[reader] = _run(reader, args.file, args.repeat)
        print(
            f"{reader:<8} {result['events']:>9,} {result['seconds']:>8.2f} {result['cpu']:>8.2f} "
            f"{result['events'] / result['seconds']:>10,.0f} {result['peak_mb']:>8.0f} {result['base_mb']:>8.0f}"
        )
    if "pm4py" in results:
        fast, slow = results["fast"], results["pm4py"]
        print(
            f"ratio: {slow['seconds'] / fast['seconds']:.1f}x faster (wall), {slow['cpu'] / fast['cpu']:.1f}x (cpu); "
            f"peak memory {fast['peak_mb'] / slow['peak_mb']:.2f} of pm4py's"
        )


if __name__ == "__main__":
    main()
