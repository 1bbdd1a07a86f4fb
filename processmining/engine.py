"""Run the core analyses in process or on Dask, with identical results: :func:`run_core`.

The core figures (:class:`CoreFigures`) are the edge table (:func:`~processmining.analyses.edges.edge_table`),
the variant counts, the case throughput table, the activity counts and the unit/resource handover edges.

- ``engine="local"`` calls the library functions on the whole log in this process.
- ``engine="dask"`` partitions the events by case id (a case lies wholly in one partition: a fixed hash
  of the case id modulo N, so the same log always gives the same partitions), computes per-partition
  partial results on ``dask.distributed`` workers and merges them *exactly*: both engines return the
  same tables, the same row order and the same floats, bit for bit.

How the merge stays exact:

- Counts (events, cases, edge and handover counts, variants) add: a case is never split, so "cases per
  edge" of different partitions are disjoint and add too.
- Case rows are put back in log order by the global position of each case's first event.
- Edges: each partition computes the waits of its transitions (elementwise, so identical to the whole
  log's); the driver puts these rows back in log order (by the global position of their first event),
  which rebuilds exactly the frame the local engine aggregates, and runs the same code on it
  (:func:`~processmining.analyses.edges.edge_stats`). Merging per-partition statistics would not be
  exact: medians and p90 could come from merged samples, but a mean or total depends on the order of
  additions, and pandas 3 even sums the same group differently depending on the rest of the frame
  (``ufunc.reduceat`` when the rows happen to be sorted by group, compensated summation otherwise). Adding
  per-partition sums, or aggregating each edge's rows on their own, differed in the last bit on 2-10 % of
  the edges of the shared logs.
- Handover edges carry only figures that do not depend on the order of rows (counts, distinct cases,
  medians), so they are shuffled by edge: every edge's rows go to one reducer on a worker, which
  aggregates them with the group-by of :mod:`processmining.analyses.handovers`.

Resource ids are people: resource-level handovers are included only for a pseudonymised log or with
``allow_names=True`` (the rule of :func:`~processmining.analyses.handovers.handover_graph`). The handover
tables here are *unsuppressed* totals: anything published from them must go through the k-anonymity rule
of ``handover_graph`` (``min_group``).

Example::

    figures = run_core(read_log("sepsis.csv"), engine="dask", scheduler="tcp://10.0.0.5:8786")
    figures.edges.head()   # the same frame as edge_table(log)
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .analyses.edges import edge_stats, edge_table, transition_waits
from .calendar import WorkCalendar
from .errors import ConfigError
from .log import ACTIVITY, GROUP, RESOURCE, EventLog, Source

__all__ = [
    "ACTIVITY_COUNT_COLUMNS",
    "CASE_COLUMNS",
    "DEFAULT_CONNECT_TIMEOUT",
    "ENGINES",
    "HANDOVER_COLUMNS",
    "QUIET_SCHEDULER",
    "CoreFigures",
    "Engine",
    "run_core",
    "run_core_on_dataset",
]

Engine = Literal["local", "dask"]
ENGINES: tuple[str, ...] = ("local", "dask")
#: Seconds to wait for a Dask scheduler (and for it to have a worker) before giving up.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Workers of the temporary cluster started when no scheduler address is given.
LOCAL_WORKERS = 2
#: Even without its dashboard a Dask scheduler serves health and metrics over HTTP, by default on port
#: 8787 (a second cluster on the machine then warns and moves): a free port on the loopback instead.
QUIET_SCHEDULER: dict[str, Any] = {"dashboard_address": "127.0.0.1:0"}

CASE_COLUMNS = ("start", "end", "events", "throughput")
ACTIVITY_COUNT_COLUMNS = ("activity", "events", "cases")
#: Handover edges: only figures that merge exactly (see the module docstring); handover_graph has the means.
HANDOVER_COLUMNS = ("source", "target", "handovers", "cases", "median_delay_days", "median_delay_workdays")
_LEVEL_COLUMN = {"unit": GROUP, "resource": RESOURCE}
_POS = "_pos"  # global position (in log.events) of a transition's first event / a case's first event


@dataclass(frozen=True, slots=True)
class CoreFigures:
    """The core figures of one log, the same whichever engine computed them.

    Attributes:
        engine: ``"local"`` or ``"dask"``.
        partitions: number of case partitions the figures were computed from (1 for local).
        edges: exactly :func:`~processmining.analyses.edges.edge_table` (``EDGE_COLUMNS``, its order).
        variants: exactly ``log.variant_counts()``: cases per variant (tuple of activities), most first.
        cases: one row per case (index: case id, log order): ``start``, ``end`` (first and last event
            time), ``events``, ``throughput`` (Timedelta), as in ``log.case_table()``.
        activities: ``activity``, ``events``, ``cases``; most events first, ties by name (the process
            map's activity order).
        unit_handovers: handover edges between units (``org:group``): :data:`HANDOVER_COLUMNS`, most
            handovers first, ties by names; ``None`` when the log has no units. Unsuppressed: apply
            k-anonymity (``handover_graph``) before publishing.
        resource_handovers: the same between case officers (``org:resource``); ``None`` when the log has
            no resources or they are real names and ``allow_names`` was not given.
    """

    engine: str
    partitions: int
    edges: pd.DataFrame
    variants: pd.Series
    cases: pd.DataFrame
    activities: pd.DataFrame
    unit_handovers: pd.DataFrame | None = None
    resource_handovers: pd.DataFrame | None = None

    def handovers(self, level: str) -> pd.DataFrame | None:
        """The handover table of ``level`` (``"unit"`` or ``"resource"``)."""
        if level not in _LEVEL_COLUMN:
            raise ConfigError(f"unknown handover level {level!r}; choose one of: {', '.join(_LEVEL_COLUMN)}")
        return self.unit_handovers if level == "unit" else self.resource_handovers


def run_core(
    log: EventLog,
    *,
    engine: Engine | str = "local",
    scheduler: str | None = None,
    calendar: WorkCalendar | None = None,
    partitions: int | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    allow_names: bool = False,
) -> CoreFigures:
    """Compute the core figures of ``log`` in process or on a Dask cluster; both give identical results.

    Args:
        log: the event log.
        engine: ``"local"`` (in-process pandas) or ``"dask"`` (``dask.distributed``, log partitioned
            by case id).
        scheduler: address of a running Dask scheduler (``tcp://HOST:8786``); its workers need this
            package installed at the same version. ``None`` with ``engine="dask"``: start a temporary
            local cluster of 2 worker processes and close it afterwards.
        calendar: working calendar of the ``*_workdays`` figures (default: Swedish, 08-17).
        partitions: number of case partitions for the Dask engine (default: the cluster's worker
            threads). Any number gives the same figures.
        connect_timeout: seconds to wait for the scheduler and for at least one of its workers.
        allow_names: include resource-level handovers although resource ids are not pseudonymised.

    Raises:
        ConfigError: an unknown engine, ``scheduler`` without ``engine="dask"``, a partition count below
            1, or a scheduler that cannot be reached or has no workers within ``connect_timeout``.
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise ConfigError("--scheduler is only used with --engine dask; add --engine dask or leave out --scheduler")
    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, int | np.integer)
                                   or partitions < 1):
        raise ConfigError(f"partitions must be a whole number of at least 1, not {partitions!r}")
    calendar = calendar or WorkCalendar()
    levels = _levels(log, allow_names=allow_names)
    if engine == "local":
        return _run_local(log, calendar=calendar, levels=levels)
    with _dask_client(scheduler, connect_timeout) as client:
        n = int(partitions) if partitions is not None else max(1, sum(client.nthreads().values()))
        return _run_dask(client, log, calendar=calendar, levels=levels, n=n)


def _levels(log: EventLog, *, allow_names: bool) -> tuple[str, ...]:
    levels = []
    if log.has(GROUP):
        levels.append("unit")
    if log.has(RESOURCE) and (log.source.pseudonymised or allow_names):
        levels.append("resource")
    return tuple(levels)


# ---- the local engine: the library functions on the whole log -----------------------------------------
def _run_local(log: EventLog, *, calendar: WorkCalendar, levels: tuple[str, ...]) -> CoreFigures:
    # The activity table and the unsuppressed handover edges come from the discovery and handover modules
    # (the process map's activity table; handover_graph before its k-anonymity step): one definition of each
    # figure. tests/test_engine.py guards it.
    from .analyses.discovery import activity_figures
    from .analyses.handovers import unsuppressed_edges

    activities = activity_figures(log, calendar)[list(ACTIVITY_COUNT_COLUMNS)]
    handovers = {level: _finish_handovers(unsuppressed_edges(log, level, calendar).reset_index()) for level in levels}
    return CoreFigures(
        engine="local",
        partitions=1,
        edges=edge_table(log, calendar),
        variants=log.variant_counts().copy(),
        cases=log.case_table()[list(CASE_COLUMNS)].copy(),
        activities=activities.reset_index(drop=True),
        unit_handovers=handovers.get("unit"),
        resource_handovers=handovers.get("resource"),
    )


def _finish_handovers(table: pd.DataFrame) -> pd.DataFrame:
    """Handover edges in handover_graph's order (most handovers first, ties by names), fixed dtypes."""
    if table.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in HANDOVER_COLUMNS}).astype(
            {"source": object, "target": object, "handovers": "int64", "cases": "int64"})
    table = table.astype({"handovers": "int64", "cases": "int64"})
    table = table.sort_values(["handovers", "source", "target"], ascending=[False, True, True], kind="stable")
    return table.reset_index(drop=True)[list(HANDOVER_COLUMNS)]


# ---- the Dask engine ---------------------------------------------------------------------------------
@contextmanager
def _dask_client(scheduler: str | None, timeout: float) -> Iterator[Any]:
    """A ``distributed.Client`` on ``scheduler``, or on a temporary local cluster of 2 worker processes."""
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ConfigError("the dask engine needs dask.distributed: pip install 'distributed>=2024.1'") from exc
    dist: Any = distributed  # distributed is untyped
    Client, LocalCluster = dist.Client, dist.LocalCluster
    if scheduler is None:
        with (
            LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                         scheduler_kwargs=QUIET_SCHEDULER, silence_logs=logging.ERROR) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    try:
        # Probe first: a Client whose constructor failed prints tracebacks from its __del__ at exit.
        _probe(scheduler, timeout)
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{scheduler!r} is not a Dask scheduler address ({_one_line(exc)}); write it as tcp://HOST:8786"
        ) from exc
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({_one_line(exc)}); check the "
            "address (tcp://HOST:8786) and that `dask scheduler` runs there, or leave out --scheduler to use a "
            "local cluster"
        ) from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError) as exc:
            raise ConfigError(
                f"the Dask scheduler at {scheduler} has no workers (none joined within {timeout:g} s); start "
                f"some with `dask worker {scheduler}`"
            ) from exc
        yield client


def _probe(address: str, timeout: float) -> None:
    """Open and close one connection to ``address``; raises OSError (unreachable) or ValueError (bad address)."""
    from distributed.comm import core as comm_core

    connect: Any = comm_core.connect  # distributed is untyped

    async def knock() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    # In a thread of its own, so that it also works where the caller already runs an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, knock()).result()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


@dataclass(frozen=True, slots=True)
class _Slice:
    """The events of the cases of one partition, in log order, and their positions in ``log.events``."""

    events: pd.DataFrame
    positions: np.ndarray


@dataclass(frozen=True, slots=True)
class _Partial:
    """What one partition contributes."""

    cases: pd.DataFrame              # CASE_COLUMNS + _POS, index: case id
    variants: dict[tuple[str, ...], int]
    activities: pd.DataFrame         # index: activity; events, cases
    transitions: pd.DataFrame        # _POS, case, source, target, wait_days, wait_workdays
    handovers: dict[str, tuple[pd.DataFrame, ...]]  # per level, per shuffle bucket: _POS, case, source, target,
    #                                                 days, workdays


def _split(log: EventLog, n: int) -> list[_Slice]:
    """Partition the events by a fixed hash of the case id modulo ``n`` (empty partitions left out)."""
    ev = log.events
    ids = np.asarray(log.case_ids(), dtype=object)
    # pandas' hash_array uses a fixed key: the same case always lands in the same partition.
    case_part = (pd.util.hash_array(ids) % np.uint64(n)).astype(np.int64)
    event_part = case_part[log.case_codes()]
    order = np.argsort(event_part, kind="stable")  # grouped by partition, log order within each
    bounds = np.cumsum(np.bincount(event_part, minlength=n))[:-1]
    return [_Slice(events=ev.take(idx).reset_index(drop=True), positions=idx)
            for idx in np.split(order, bounds) if len(idx)]


def _bucket_of(first: pd.Series, second: pd.Series, buckets: int) -> np.ndarray:
    """Shuffle bucket of each (first, second) name pair: the same pair gets the same bucket everywhere."""
    out = np.zeros(len(first), dtype=np.int64)
    for values in (first, second):
        codes, uniques = pd.factorize(values)  # hash the few distinct names, not every row
        hashed = (pd.util.hash_array(np.asarray(uniques, dtype=object)) % np.uint64(buckets)).astype(np.int64)
        out += hashed[codes]
    return out % buckets


def _buckets(frame: pd.DataFrame, keys: np.ndarray, buckets: int) -> tuple[pd.DataFrame, ...]:
    order = np.argsort(keys, kind="stable")
    bounds = np.cumsum(np.bincount(keys, minlength=buckets))[:-1]
    return tuple(frame.take(idx).reset_index(drop=True) for idx in np.split(order, bounds))


def _partial(piece: _Slice, *, source: Source, calendar: WorkCalendar, levels: tuple[str, ...],
             buckets: int) -> _Partial:
    """Runs on a worker: the partial results of one partition (whole cases, in log order)."""
    log = EventLog(events=piece.events, source=source)
    ev = log.events
    codes = log.case_codes()
    tr = transition_waits(log, calendar)
    src = np.flatnonzero(codes[:-1] == codes[1:]) if len(codes) > 1 else np.zeros(0, dtype=np.int64)
    if len(src) != len(tr):  # pragma: no cover - guards the coupling to log.transitions()
        raise RuntimeError("log.transitions() no longer has one row per consecutive event pair")
    tr_pos = piece.positions[src]

    transitions = tr[["case", "source", "target", "wait_days", "wait_workdays"]].assign(**{_POS: tr_pos})

    handovers: dict[str, tuple[pd.DataFrame, ...]] = {}
    wait_days = tr["wait_days"].to_numpy(dtype="float64")
    wait_work = np.asarray(tr["wait_workdays"], dtype="float64")
    for level in levels:
        # The definition of processmining.analyses.handovers._compute: consecutive events of a case with
        # known, different nodes; node names are str() of the column's values.
        node_codes, uniques = pd.factorize(ev[_LEVEL_COLUMN[level]], sort=False)
        names = np.array([str(u) for u in uniques], dtype=object)
        a, b = node_codes[src], node_codes[src + 1]
        cross = (a >= 0) & (b >= 0) & (a != b)
        frame = pd.DataFrame({
            _POS: tr_pos[cross], "case": tr["case"].to_numpy()[cross],
            "source": names[a[cross]], "target": names[b[cross]],
            "days": wait_days[cross], "workdays": wait_work[cross],
        })
        handovers[level] = _buckets(frame, _bucket_of(frame["source"], frame["target"], buckets), buckets)

    first = np.r_[0, np.flatnonzero(np.diff(codes)) + 1] if len(codes) else np.zeros(0, dtype=np.int64)
    cases = log.case_table()[list(CASE_COLUMNS)].assign(**{_POS: piece.positions[first]})
    activities = (pd.DataFrame({"activity": ev[ACTIVITY].to_numpy(), "case": codes})
                  .groupby("activity", sort=True).agg(events=("case", "size"), cases=("case", "nunique")))
    variants = {tuple(k): int(v) for k, v in log.case_variants().value_counts(sort=False).items()}
    return _Partial(cases=cases, variants=variants, activities=activities, transitions=transitions,
                    handovers=handovers)


def _handover_bucket(partial: _Partial, level: str, bucket: int) -> pd.DataFrame:
    return partial.handovers[level][bucket]


def _driver_parts(partial: _Partial) -> tuple[pd.DataFrame, dict[tuple[str, ...], int], pd.DataFrame,
                                               pd.DataFrame]:
    """What the driver merges itself: case rows, variant counts, activity counts, transitions."""
    return partial.cases, partial.variants, partial.activities, partial.transitions


def _in_log_order(parts: Sequence[pd.DataFrame]) -> pd.DataFrame | None:
    """Rows from several partitions back in log order (by ``_POS``); ``None`` when there are none."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame.sort_values(_POS, kind="stable").reset_index(drop=True)


def _reduce_handovers(*parts: pd.DataFrame) -> pd.DataFrame | None:
    """Runs on a worker: the handover edges of one bucket (the group-by of handovers._compute)."""
    frame = _in_log_order(parts)
    if frame is None:
        return None
    table = frame.groupby(["source", "target"], sort=True).agg(
        handovers=("days", "size"), cases=("case", "nunique"), median_delay_days=("days", "median"),
        median_delay_workdays=("workdays", "median"),
    )
    return table.reset_index()


def _run_dask(client: Any, log: EventLog, *, calendar: WorkCalendar, levels: tuple[str, ...],
              n: int) -> CoreFigures:
    pieces = _split(log, n)
    # hash=False: no tokenising of large frames; pure=False: never reuse results of an earlier run.
    scattered = client.scatter(pieces, hash=False)
    partials = client.map(_partial, scattered, source=log.source, calendar=calendar, levels=levels, buckets=n,
                          pure=False)
    # Handover shuffle: bucket j of every partial is taken out on the worker that holds that partial (so
    # only the bucket travels) and reduced on a worker.
    handover_futures = {
        level: [
            client.submit(_reduce_handovers,
                          *[client.submit(_handover_bucket, p, level, j, pure=False) for p in partials], pure=False)
            for j in range(n)
        ]
        for level in levels
    }
    parts = client.gather(client.map(_driver_parts, partials, pure=False))
    handover_rows = {level: client.gather(futures) for level, futures in handover_futures.items()}

    transitions = _in_log_order([p[3] for p in parts])  # the local engine's frame, row for row
    handovers = {}
    for level, rows in handover_rows.items():
        tables = [t for t in rows if t is not None]
        handovers[level] = _finish_handovers(pd.concat(tables, ignore_index=True) if tables else pd.DataFrame())
    return CoreFigures(
        engine="dask",
        partitions=n,
        edges=edge_stats(transitions if transitions is not None else pd.DataFrame()),
        variants=_merge_variants([p[1] for p in parts]),
        cases=_merge_cases([p[0] for p in parts], log),
        activities=_merge_activities([p[2] for p in parts]),
        unit_handovers=handovers.get("unit"),
        resource_handovers=handovers.get("resource"),
    )


def _merge_variants(parts: Sequence[dict[tuple[str, ...], int]]) -> pd.Series:
    """Variant counts added over partitions, in ``EventLog.variant_counts``'s order."""
    total: Counter[tuple[str, ...]] = Counter()
    for part in parts:
        total.update(part)
    order = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.Series(
        [c for _, c in order], index=pd.Index([v for v, _ in order], tupleize_cols=False, dtype=object),
        name="cases", dtype="int64",
    )


def _merge_cases(parts: Sequence[pd.DataFrame], log: EventLog) -> pd.DataFrame:
    if not parts:
        return log.case_table()[list(CASE_COLUMNS)].copy()  # an empty log: nothing was partitioned
    table = pd.concat(parts) if len(parts) > 1 else parts[0]
    # pandas 3 infers a str dtype for a concatenated index of text; the log's case ids are object.
    table.index = table.index.astype(parts[0].index.dtype)
    return table.sort_values(_POS, kind="stable").drop(columns=_POS)


def _merge_activities(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({"activity": pd.Series(dtype=object), "events": pd.Series(dtype="int64"),
                             "cases": pd.Series(dtype="int64")})
    # Cases per activity add: a case lies wholly in one partition.
    table = pd.concat(parts).groupby(level=0, sort=True).sum().reset_index(names="activity")
    table = table.sort_values(["events", "activity"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["activity"] = table["activity"].astype(object)
    return table[list(ACTIVITY_COUNT_COLUMNS)].astype({"events": "int64", "cases": "int64"})



# ---- the Dask engine on a partitioned dataset: the workers read the data -------------------------------------
def run_core_on_dataset(
    path: str | Path,
    *,
    scheduler: str | None = None,
    calendar: WorkCalendar | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    allow_names: bool = False,
    buckets: int | None = None,
) -> CoreFigures:
    """The core figures of a dataset written by ``processmining partition``, computed where the data is.

    Each worker reads its own partitions (:func:`~processmining.ingest.dataset.read_dataset` with
    ``partition=``; ``path`` must be reachable from every worker under the same name: a shared disk) and
    computes what adds up: case rows, variant counts, activity counts. Each edge's waits (and each handover
    edge's delays) are shuffled by a hash of (source, target) to one reducer on a worker, which computes the
    edge's figures from all of its waits, so counts, distinct cases, medians, p90 and maxima are exact. Only
    these aggregates reach the driver: no step gathers the event or transition table in one process.

    Means and totals are sums over an edge's waits in another order than the local engine's: they may
    differ from it by floating-point reassociation (relative 1e-9 at most; ``tests/test_dataset_engine.py``).

    Args:
        path: the dataset folder.
        scheduler, calendar, connect_timeout, allow_names: as for :func:`run_core`.
        buckets: reducers of the shuffle (default: the dataset's partition count).

    Raises:
        ConfigError: as :func:`run_core`; UnreadableFileError: not a dataset.
    """
    from .ingest.dataset import read_manifest

    root = str(Path(path).resolve())
    manifest = read_manifest(root)
    n = int(manifest["partitioning"]["partitions"])
    wanted = [p["partition"] for p in manifest["partitions"] if p["events"]]
    calendar = calendar or WorkCalendar()
    levels = _dataset_levels(manifest["sources"], allow_names=allow_names)
    k = int(buckets) if buckets is not None else n
    with _dask_client(scheduler, connect_timeout) as client:
        partials = client.map(_read_partial, wanted, path=root, calendar=calendar, levels=levels, buckets=k,
                              pure=False)
        edge_futures = [client.submit(_reduce_edges, *[client.submit(_edge_bucket, p, j, pure=False)
                                                       for p in partials], pure=False) for j in range(k)]
        handover_futures = {
            level: [client.submit(_reduce_handover_bucket,
                                  *[client.submit(_handover_bucket, p, level, j, pure=False) for p in partials],
                                  pure=False) for j in range(k)]
            for level in levels
        }
        parts = client.gather(client.map(_dataset_driver_parts, partials, pure=False))
        edge_tables = [t for t in client.gather(edge_futures) if t is not None]
        handover_rows = {level: client.gather(futures) for level, futures in handover_futures.items()}
    edges = (pd.concat(edge_tables, ignore_index=True) if edge_tables else edge_stats(pd.DataFrame()))
    edges = edges.sort_values(["count", "source", "target"], ascending=[False, True, True], kind="stable")
    handovers = {}
    for level, rows in handover_rows.items():
        tables = [t for t in rows if t is not None]
        handovers[level] = _finish_handovers(pd.concat(tables, ignore_index=True) if tables else pd.DataFrame())
    case_parts = [p[0] for p in parts]
    cases = pd.concat(case_parts) if len(case_parts) > 1 else case_parts[0]
    cases.index = cases.index.astype(case_parts[0].index.dtype)  # pandas 3 infers str for joined text
    return CoreFigures(
        engine="dask",
        partitions=len(wanted),
        edges=edges.reset_index(drop=True),
        variants=_merge_variants([p[1] for p in parts]),
        cases=cases.sort_index(kind="stable"),  # a log is sorted by case id: its case table too
        activities=_merge_activities([p[2] for p in parts]),
        unit_handovers=handovers.get("unit"),
        resource_handovers=handovers.get("resource"),
    )


def _dataset_levels(sources: Sequence[dict[str, Any]], *, allow_names: bool) -> tuple[str, ...]:
    """:func:`_levels` from the manifest: a level where some export has values in its column."""
    filled = {c for s in sources for c in s["filled_columns"]}
    levels = []
    if GROUP in filled:
        levels.append("unit")
    if RESOURCE in filled and (all(s["pseudonymised"] for s in sources) or allow_names):
        levels.append("resource")
    return tuple(levels)


@dataclass(frozen=True, slots=True)
class _DatasetPartial:
    """What one partition of a dataset contributes (held on the worker that read it)."""

    cases: pd.DataFrame              # CASE_COLUMNS, index: case id
    variants: dict[tuple[str, ...], int]
    activities: pd.DataFrame         # index: activity; events, cases
    edges: tuple[pd.DataFrame, ...]  # per shuffle bucket: case, source, target, wait_days, wait_workdays
    handovers: dict[str, tuple[pd.DataFrame, ...]]  # per level, per bucket: case, source, target, days, workdays


def _read_partial(partition: int, *, path: str, calendar: WorkCalendar, levels: tuple[str, ...],
                  buckets: int) -> _DatasetPartial:
    """Runs on a worker: read one partition of the dataset and compute its partial results."""
    from .ingest.dataset import read_dataset

    log = read_dataset(path, partition=partition)
    ev = log.events
    codes = log.case_codes()
    tr = transition_waits(log, calendar)
    src = np.flatnonzero(codes[:-1] == codes[1:]) if len(codes) > 1 else np.zeros(0, dtype=np.int64)
    edges = tr[["case", "source", "target", "wait_days", "wait_workdays"]].reset_index(drop=True)
    handovers: dict[str, tuple[pd.DataFrame, ...]] = {}
    wait_days = tr["wait_days"].to_numpy(dtype="float64")
    wait_work = np.asarray(tr["wait_workdays"], dtype="float64")
    for level in levels:
        node_codes, uniques = pd.factorize(ev[_LEVEL_COLUMN[level]], sort=False)  # as in _partial
        names = np.array([str(u) for u in uniques], dtype=object)
        a, b = node_codes[src], node_codes[src + 1]
        cross = (a >= 0) & (b >= 0) & (a != b)
        frame = pd.DataFrame({"case": tr["case"].to_numpy()[cross], "source": names[a[cross]],
                              "target": names[b[cross]], "days": wait_days[cross], "workdays": wait_work[cross]})
        handovers[level] = _buckets(frame, _bucket_of(frame["source"], frame["target"], buckets), buckets)
    activities = (pd.DataFrame({"activity": ev[ACTIVITY].to_numpy(), "case": codes})
                  .groupby("activity", sort=True).agg(events=("case", "size"), cases=("case", "nunique")))
    variants = {tuple(k): int(v) for k, v in log.case_variants().value_counts(sort=False).items()}
    return _DatasetPartial(cases=log.case_table()[list(CASE_COLUMNS)].copy(), variants=variants,
                           activities=activities,
                           edges=_buckets(edges, _bucket_of(edges["source"], edges["target"], buckets), buckets),
                           handovers=handovers)


def _edge_bucket(partial: _DatasetPartial, bucket: int) -> pd.DataFrame:
    return partial.edges[bucket]


def _reduce_edges(*parts: pd.DataFrame) -> pd.DataFrame | None:
    """Runs on a worker: every wait of the edges of one bucket, from all partitions -> their edge rows."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return None
    return edge_stats(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])


def _reduce_handover_bucket(*parts: pd.DataFrame) -> pd.DataFrame | None:
    """Runs on a worker: handover edges of one bucket (only order-free figures: counts, distinct cases,
    medians), as :func:`_reduce_handovers` without the log positions."""
    frames = [p for p in parts if len(p)]
    if not frames:
        return None
    frame = pd.concat(frames, ignore_index=True)
    return frame.groupby(["source", "target"], sort=True).agg(
        handovers=("days", "size"), cases=("case", "nunique"), median_delay_days=("days", "median"),
        median_delay_workdays=("workdays", "median"),
    ).reset_index()


def _dataset_driver_parts(partial: _DatasetPartial) -> tuple[pd.DataFrame, dict[tuple[str, ...], int],
                                                             pd.DataFrame]:
    """What travels to the driver: case rows, variant counts, activity counts."""
    return partial.cases, partial.variants, partial.activities
