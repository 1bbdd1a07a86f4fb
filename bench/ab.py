"""Benchmark kit, A/B: the same ``processmining analyze`` run from two source trees, in interleaved pairs.

A change that should not cost speed (a rebuild of the house, a new writer) is measured here: tree A (e.g. a
checkout of the commit before, ``git worktree add /tmp/before <commit>``) and tree B (this one) analyse the
same sample of the bench kit, alternately A, B, A, B, ..., each in a fresh process with its own imports, and
the pairs' ratios are printed (B / A: below 1 is faster). On this kind of shared 2-core machine single runs vary
by 10-50 % from minute to minute; the pairs and their median are what can be compared. Example::

    git worktree add /tmp/before 041b9a4
    .venv/bin/python bench/ab.py /tmp/before . --size 1m --pairs 4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as kit  # noqa: E402  (the bench kit beside this file: its samples and its measured child processes)


def _analyze(tree: Path, sample: Path, out: Path) -> kit.Run:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); sys.argv = sys.argv[1:]; sys.argv[0] = 'processmining'; "
            "from processmining.cli import main; main()")
    return kit._run([sys.executable, "-c", code, str(tree.resolve()), "analyze", str(sample), "--profile",
                     str(kit.PROFILE), "--out", str(out), "--quiet"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="source tree A (the reference, e.g. the commit before)")
    parser.add_argument("b", type=Path, help="source tree B (the change)")
    parser.add_argument("--size", default="1m", choices=sorted(kit.SIZES), help="sample size (default 1m)")
    parser.add_argument("--pairs", type=int, default=4, help="interleaved pairs (default 4)")
    args = parser.parse_args()
    sample = kit._sample(args.size, "csv")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        _analyze(args.b, sample, Path(work) / "warm")  # the file in the page cache for both
        for i in range(args.pairs):
            a = _analyze(args.a, sample, Path(work) / f"a{i}")
            b = _analyze(args.b, sample, Path(work) / f"b{i}")
            rows.append((a, b))
            print(f"pair {i + 1}: A {a.wall:.2f} s ({a.cpu:.1f} CPU s, {a.pss_mb:.0f} MB)   "
                  f"B {b.wall:.2f} s ({b.cpu:.1f} CPU s, {b.pss_mb:.0f} MB)   B/A {b.wall / a.wall:.3f}", flush=True)
    ratios = [b.wall / a.wall for a, b in rows]
    cpu = [b.cpu / a.cpu for a, b in rows]
    print(f"{args.size} ({sample.name}): median B/A wall {statistics.median(ratios):.3f} "
          f"(pairs {', '.join(f'{r:.3f}' for r in ratios)}), CPU {statistics.median(cpu):.3f}; fastest A "
          f"{min(a.wall for a, _ in rows):.2f} s, fastest B {min(b.wall for _, b in rows):.2f} s; peak PSS A "
          f"{max(a.pss_mb for a, _ in rows):.0f} MB, B {max(b.pss_mb for _, b in rows):.0f} MB")


if __name__ == "__main__":
    main()
