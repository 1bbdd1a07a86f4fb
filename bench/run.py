"""Benchmark kit: `processmining analyze` against a plain pm4py script, side by side, at several sizes.

For each size the demo simulator writes a clean export (CSV, and XES for the import comparison) into
``bench/data/`` (kept between runs, not committed). Then, each in a fresh Python process so that peak
memory is its own:

1. ``ours``: ``processmining analyze FILE --profile demo --out DIR --quiet`` end to end (what a user
   waits for, imports included), wall seconds and peak resident memory;
2. ``stages``: the same work through the library with each stage timed (read, validate, every
   analysis, every renderer);
3. ``pm4py``: the plain pm4py script doing the equivalent work (read_csv, format_dataframe, DFG,
   performance DFG, variants, inductive miner, handover networks per unit and per resource, case
   durations, a small Excel sheet, one SVG), imports included;
4. ``xes``: our XES reader against pm4py's default reader (lxml iterparse) on the same file.

It prints a table with the ratios and, with ``--markdown FILE``, writes the same as Markdown (that is
how ``docs/benchmarks.md`` is made). Examples::

    .venv/bin/python bench/run.py --sizes 100k                       # a quick look (about a minute)
    .venv/bin/python bench/run.py --sizes 100k,1m,3.5m --xes-sizes 100k,1m --markdown docs/benchmarks.md
    .venv/bin/python bench/run.py --sizes 1m --skip-pm4py --skip-xes  # our side only
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
EVENTS_PER_CASE = 9.46  # the simulator's mean (28,391 events in 3,000 cases)
SIZES = {"100k": 100_000, "1m": 1_100_000, "3.5m": 3_500_000}
ENV = {**os.environ, "PM4PY_SHOW_PROGRESS_BAR": "False", "PROCESSMINING_PSEUDONYM_KEY":
       os.environ.get("PROCESSMINING_PSEUDONYM_KEY", "benchmark-key-not-secret-0123456789")}


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _pss_mb(pids: list[int]) -> float:
    """The processes' proportional set size together, in MB: each shared page counted once over all of them
    (a chart worker's libraries and a forked dot are not counted twice, as summed RSS would)."""
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except OSError:
            continue
    return total / 1024


class Run(NamedTuple):
    """One child process's figures."""

    wall: float  #: seconds
    rss_mb: float  #: the child's peak resident memory
    stdout: str
    pss_mb: float  #: peak PSS of the child and all its processes, sampled every 50 ms
    cpu: float  #: user + system seconds of the child and of the processes it waited for (chart worker, dot)


def _run(args: list[str]) -> Run:
    """Run a child process and measure it (see :class:`Run`)."""
    began = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _pss_mb(_tree(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out: list[str] = []
    err: list[str] = []
    readers = [threading.Thread(target=lambda s=stream, b=buf: b.append(s.read()), daemon=True)
               for stream, buf in ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    done.set()
    sampler.join()
    for reader in readers:
        reader.join()
    stdout, stderr = "".join(out), "".join(err)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench: {' '.join(args[:4])} ... failed:\n{stderr[-2000:]}")
    return Run(wall, usage.ru_maxrss / 1024, stdout, peak[0], usage.ru_utime + usage.ru_stime)


def _summarise(runs: list[Run]) -> dict[str, Any]:
    """Several runs of one command: the fastest one's figures (the others are the machine's noise: on this
    kind of shared 2-core virtual machine the same run varies by 10-50 % from minute to minute), with every
    wall time kept and the highest memory of all."""
    best = min(runs, key=lambda r: r.wall)
    return {"wall": best.wall, "peak_mb": max(r.rss_mb for r in runs), "pss_mb": max(r.pss_mb for r in runs),
            "stdout": best.stdout, "walls": [round(r.wall, 2) for r in runs], "cpu": best.cpu,
            "cpus": [round(r.cpu, 2) for r in runs]}


#: What the demo exports are made by: a kept file is used again only while these are unchanged.
SIMULATOR = ("processmining/simulate/__init__.py", "processmining/simulate/process.py",
             "processmining/simulate/writers.py", "processmining/simulate/split.py", "processmining/cli/sample.py")


def _recipe(cases: int) -> dict[str, Any]:
    """How a sample file is made: the command's arguments and the SHA-256 of the simulator's source."""
    digest = hashlib.sha256()
    for name in SIMULATOR:
        digest.update((ROOT / name).read_bytes())
    return {"cases": cases, "seed": 1, "clean": True, "simulator_sha256": digest.hexdigest()}


def _sample(size: str, fmt: str) -> Path:
    """The demo export of ``size`` events in ``bench/data/``: made once, and again whenever the simulator has
    changed since (its recipe is kept beside it in ``<file>.json``), so that a run measures what the
    simulator of this commit writes."""
    events = SIZES[size]
    cases = round(events / EVENTS_PER_CASE)
    path = DATA / f"demo_{size}.{fmt}"
    recipe_path = path.with_name(path.name + ".json")
    recipe = _recipe(cases)
    try:
        kept = json.loads(recipe_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    if not path.exists() or kept != recipe:
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"bench: writing {path.name} ({cases:,} cases) ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "processmining", "sample", "--cases", str(cases), "--seed", "1",
                        "--clean", "--out", str(path)], check=True, env=ENV, cwd=ROOT, capture_output=True)
        recipe_path.write_text(json.dumps(recipe, indent=1), encoding="utf-8")
    return path


# ---- the child processes ----------------------------------------------------------------------------------
def _stages(path: str, out: str) -> None:
    """Our library, stage by stage (prints one JSON line)."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    from processmining.analysis import AnalysisOptions, analyze_log
    from processmining.ingest import sha256_of, sniff
    from processmining.ingest.options import ReadOptions
    from processmining.ingest.profiles import resolve_profile
    from processmining.ingest.tables import read_csv_table
    from processmining.ingest.validation import table_to_log
    from processmining.reports import write_reports

    times["import"] = time.perf_counter() - t
    t = time.perf_counter()
    prof = resolve_profile(PROFILE)
    assert prof is not None  # a path always gives a profile
    sniffed = sniff(Path(path), declared=None)
    raw = read_csv_table(Path(path), sniffed, delimiter=prof.delimiter, encoding=prof.encoding)
    times["read"] = time.perf_counter() - t
    t = time.perf_counter()
    log = table_to_log(raw.frame, path=path, sha256=sha256_of(Path(path)), fmt=sniffed.format,
                       rows_read=raw.rows_read, row_numbers=raw.row_numbers, reader_rejects=raw.rejects,
                       notes=raw.notes, excel_epoch=raw.excel_epoch, options=ReadOptions(profile=prof))
    del raw
    times["validate"] = time.perf_counter() - t
    analysis = analyze_log(log, AnalysisOptions())
    write_reports(analysis, out)
    times.update(analysis.timings)
    print(json.dumps({"events": log.n_events, "times": times}))


def _pm4py(path: str, out: str) -> None:
    """The plain pm4py script a data scientist would write for the same questions (prints one JSON line)."""
    import warnings

    warnings.simplefilter("ignore")
    times: dict[str, float] = {}
    t = time.perf_counter()
    import pandas as pd
    import pm4py

    times["import"] = time.perf_counter() - t

    def stage(name: str, began: float) -> float:
        now = time.perf_counter()
        times[name] = now - began
        return now

    t = time.perf_counter()
    df = pd.read_csv(path, sep=";", encoding="utf-8-sig", decimal=",", keep_default_na=False, na_values=[""])
    t = stage("read_csv", t)
    df = df.rename(columns={"Handläggare": "org:resource", "Enhet": "org:group"})
    df = pm4py.format_dataframe(df, case_id="Diarienummer", activity_key="Aktivitet", timestamp_key="Tidpunkt",
                                timest_format="%Y-%m-%d %H:%M:%S")
    t = stage("format_dataframe", t)
    dfg, starts, ends = pm4py.discover_dfg(df)
    t = stage("dfg", t)
    pm4py.discover_performance_dfg(df)
    t = stage("performance_dfg", t)
    variants = pm4py.get_variants(df)
    t = stage("variants", t)
    pm4py.discover_petri_net_inductive(df)
    t = stage("inductive_miner", t)
    pm4py.discover_handover_of_work_network(df)
    unit = df.drop(columns=["org:resource"]).rename(columns={"org:group": "org:resource"})
    pm4py.discover_handover_of_work_network(unit)
    t = stage("handover_networks", t)
    durations = pm4py.get_all_case_durations(df)
    t = stage("case_durations", t)
    edges = pd.DataFrame([(a, b, c) for (a, b), c in dfg.items()], columns=["from", "to", "count"])
    edges.sort_values("count", ascending=False).to_excel(Path(out) / "edges.xlsx", index=False)
    t = stage("excel", t)
    pm4py.save_vis_dfg(dfg, starts, ends, str(Path(out) / "dfg.svg"))
    stage("svg", t)
    print(json.dumps({"events": len(df), "variants": len(variants), "cases": len(durations), "times": times}))


def _xes(reader: str, path: str) -> None:
    t = time.perf_counter()
    if reader == "pm4py":
        import warnings

        warnings.simplefilter("ignore")
        import pm4py

        imported = time.perf_counter()
        events = len(pm4py.read_xes(path))
    else:
        from processmining.ingest.xes import read_xes_table

        imported = time.perf_counter()
        events = len(read_xes_table(Path(path)).frame)
    print(json.dumps({"events": events, "import": imported - t, "read": time.perf_counter() - imported}))


# ---- the driver ----------------------------------------------------------------------------------------------
def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}")


def _input(path: Path) -> tuple[str, int, str]:
    """A benchmark input as the report names it: file name, size in bytes, SHA-256."""
    from processmining.ingest import sha256_of

    return path.name, path.stat().st_size, sha256_of(path)


def _bench_size(size: str, *, pm4py_side: bool, xes_side: bool, repeat: int) -> dict[str, Any]:
    csv_path = _sample(size, "csv")
    row: dict[str, Any] = {"size": size, "inputs": [_input(csv_path)]}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ours_args = [sys.executable, "-m", "processmining", "analyze", str(csv_path), "--profile", str(PROFILE),
                     "--out", str(out / "ours"), "--quiet"]
        pm4py_args = [sys.executable, __file__, "_pm4py", str(csv_path), str(out / "pm4py")]
        (out / "pm4py").mkdir()
        ours_runs, pm4py_runs = [], []
        for _ in range(repeat):  # interleaved: both sides see the same minutes of the machine
            ours_runs.append(_run(ours_args))
            if pm4py_side:
                pm4py_runs.append(_run(pm4py_args))
        row["ours"] = _summarise(ours_runs)
        if pm4py_side:
            best = _summarise(pm4py_runs)
            row["pm4py"] = {**best, **json.loads(best["stdout"].strip().splitlines()[-1])}
            row["ratios"] = [round(p.wall / o.wall, 2) for o, p in zip(ours_runs, pm4py_runs, strict=True)]
        stages = _run([sys.executable, __file__, "_stages", str(csv_path), str(out / "stages")])
        row["stages"] = json.loads(stages.stdout.strip().splitlines()[-1])
    if xes_side:
        xes_path = _sample(size, "xes")
        row["inputs"].append(_input(xes_path))
        reads: dict[str, list[dict[str, Any]]] = {"ours": [], "pm4py": []}
        for _ in range(repeat):  # interleaved like the runs above; the fastest read of each counts
            for reader in ("ours", "pm4py"):
                run = _run([sys.executable, __file__, "_xes", reader, str(xes_path)])
                reads[reader].append({"wall": run.wall, "peak_mb": run.rss_mb,
                                      **json.loads(run.stdout.strip().splitlines()[-1])})
        for reader, runs in reads.items():
            row[f"xes_{reader}"] = {**min(runs, key=lambda r: r["read"]), "peak_mb": max(r["peak_mb"] for r in runs),
                                    "reads": [round(r["read"], 2) for r in runs]}
    row["events"] = row["stages"]["events"]
    return row


def _report(rows: list[dict[str, Any]], repeat: int) -> str:
    lines = [f"Machine: {_machine()}.", f"Run: {time.strftime('%Y-%m-%d %H:%M')}; `analyze` and the pm4py script "
             f"each the fastest of {repeat} runs in a fresh process, imports included, the two interleaved (all runs' "
             "seconds, and the ratio of each pair of runs made one after the other, in the last columns).",
             "Inputs (made by `processmining sample --clean --seed 1`): " + "; ".join(
                 f"{name} {size / 2**20:,.1f} MB, SHA-256 {digest[:16]}" for r in rows for name, size, digest in
                 r["inputs"]) + ".", ""]
    lines += ["| size | events | analyze (s) | RSS MB | PSS MB | pm4py script (s) | RSS MB | PSS MB | speed-up | "
              "analyze runs | pm4py runs | speed-up per pair |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for r in rows:
        o, p = r["ours"], r.get("pm4py")
        lines.append(
            f"| {r['size']} | {r['events']:,} | {o['wall']:.1f} | {o['peak_mb']:,.0f} | {o['pss_mb']:,.0f} | "
            + (f"{p['wall']:.1f} | {p['peak_mb']:,.0f} | {p['pss_mb']:,.0f} | {p['wall'] / o['wall']:.1f}x"
               if p else "- | - | - | -")
            + f" | {', '.join(map(str, o['walls']))} | {', '.join(map(str, p['walls'])) if p else '-'} | "
            + (", ".join(f"{x}x" for x in r["ratios"]) if p else "-") + " |")
    lines += ["", "CPU time of the same runs (user + system seconds of all their processes; the fastest run's, and "
              "every run's): on these cores no run can be shorter than its CPU time divided by the cores it can "
              f"use ({os.cpu_count()}), the \"floor\":", "",
              "| size | analyze (s) | its CPU (s) | floor (s) | pm4py script (s) | its CPU (s) | "
              "analyze CPU, all runs | pm4py CPU, all runs |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in rows:
        o, p = r["ours"], r.get("pm4py")
        lines.append(f"| {r['size']} | {o['wall']:.1f} | {o['cpu']:.1f} | {o['cpu'] / (os.cpu_count() or 1):.1f} | "
                     + (f"{p['wall']:.1f} | {p['cpu']:.1f}" if p else "- | -")
                     + f" | {', '.join(map(str, o['cpus']))} | {', '.join(map(str, p['cpus'])) if p else '-'} |")
    lines += ["", "Scaling of `analyze` (µs per event; \"added\": the extra time per extra event from the size "
              "before, which is what stays flat when the time grows linearly; \"library\": read, validate and "
              "the analyses, from the stage timings):", "",
              "| size | events | end to end | added | library |", "|---|---:|---:|---:|---:|"]
    before = None
    for r in rows:
        t = r["stages"]["times"]
        library = sum(t.get(k, 0.0) for k in ("read", "validate", "bottlenecks", "discovery", "handovers",
                                              "candidates"))
        added = ("-" if before is None else
                 f"{(r['ours']['wall'] - before['ours']['wall']) / (r['events'] - before['events']) * 1e6:.2f}")
        lines.append(f"| {r['size']} | {r['events']:,} | {r['ours']['wall'] / r['events'] * 1e6:.2f} | {added} | "
                     f"{library / r['events'] * 1e6:.2f} |")
        before = r
    lines += ["", "Our stages (seconds):", "", "| size | " + " | ".join(rows[0]["stages"]["times"]) + " |",
              "|---|" + "---:|" * len(rows[0]["stages"]["times"])]
    for r in rows:
        lines.append(f"| {r['size']} | " + " | ".join(f"{v:.2f}" for v in r["stages"]["times"].values()) + " |")
    if any("pm4py" in r for r in rows):
        first = next(r for r in rows if "pm4py" in r)
        names = list(first["pm4py"]["times"])
        lines += ["", "pm4py script stages (seconds):", "", "| size | " + " | ".join(names) + " |",
                  "|---|" + "---:|" * len(names)]
        for r in rows:
            if "pm4py" in r:
                lines.append(f"| {r['size']} | " + " | ".join(f"{r['pm4py']['times'][n]:.2f}" for n in names) + " |")
    if any("xes_ours" in r for r in rows):
        lines += ["", f"XES import (read only, after imports; the fastest of {repeat} reads each, interleaved):", "",
                  "| size | events | ours (s) | peak MB | pm4py default (s) | peak MB | speed-up | our reads | "
                  "pm4py reads |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---|"]
        for r in rows:
            if "xes_ours" in r:
                o, p = r["xes_ours"], r["xes_pm4py"]
                lines.append(f"| {r['size']} | {o['events']:,} | {o['read']:.2f} | {o['peak_mb']:,.0f} | "
                             f"{p['read']:.2f} | {p['peak_mb']:,.0f} | {p['read'] / o['read']:.1f}x | "
                             f"{', '.join(map(str, o['reads']))} | {', '.join(map(str, p['reads']))} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        sys.path.insert(0, str(ROOT))
        {"_stages": lambda: _stages(*sys.argv[2:4]), "_pm4py": lambda: _pm4py(*sys.argv[2:4]),
         "_xes": lambda: _xes(*sys.argv[2:4])}[sys.argv[1]]()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--skip-pm4py", action="store_true", help="leave out the pm4py script")
    parser.add_argument("--skip-xes", action="store_true", help="leave out the XES import comparison")
    parser.add_argument("--xes-sizes", help="sizes for the XES comparison (default: --sizes); pm4py's default "
                        "reader needs minutes and several GB at 3.5M events")
    parser.add_argument("--markdown", type=Path, help="also write the tables to this Markdown file")
    parser.add_argument("--repeat", type=int, default=3, help="runs of analyze and of the pm4py script per size, "
                        "and reads of each XES reader; the fastest counts (default 3)")
    args = parser.parse_args()
    # Byte-code for our modules, as an installed tool has it (pip compiles site-packages; an editable install
    # under PYTHONDONTWRITEBYTECODE would otherwise compile our modules in every run, ~0.15 s).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "processmining")], check=True,
                   capture_output=True)
    rows = []
    for size in args.sizes.split(","):
        if size not in SIZES:
            parser.error(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
        print(f"bench: {size} ...", file=sys.stderr, flush=True)
        xes_sizes = (args.xes_sizes or args.sizes).split(",")
        rows.append(_bench_size(size, pm4py_side=not args.skip_pm4py, xes_side=not args.skip_xes and size in xes_sizes,
                                repeat=args.repeat))
    text = _report(rows, args.repeat)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
