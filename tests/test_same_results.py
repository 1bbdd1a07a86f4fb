"""Results that speed work must not change.

For every shared log with published figures, and for the demo log, a compact fingerprint of the
summary-level figures of :func:`processmining.analysis.analyze_log` (edge counts and median waits,
variant counts, throughput, the top bottleneck, the top candidate, handover totals) is compared with
plain pandas computations on the event frame, never with numbers written down here. Then the fast,
code-based paths of the library are compared, exactly, with the straightforward name-based computations
they replaced (same groups, same rows, same floating-point results), and the fast timestamp, duplicate
and masking paths of ingest with pandas' own functions.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from processmining.analyses import bottlenecks, discovery, edges, rework, units
from processmining.analysis import Analysis, analyze_log
from processmining.ingest import read_log, timestamps
from processmining.ingest.privacy import count_masked, mask_and_count, mask_personal_numbers
from processmining.ingest.timestamps import parse_timestamps
from processmining.ingest.validation import _duplicate_rows
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, START, TIMESTAMP, EventLog, _variant_codes
from tests.support import PUBLISHED, ROOT, shared_log

DEMO = "demo.csv"
LOGS = [*PUBLISHED, DEMO]
TZ = "Europe/Stockholm"


@cache
def analysed(name: str) -> tuple[EventLog, Analysis]:
    log = _read(name)
    return log, analyze_log(log)


def _read(name: str) -> EventLog:
    if name == DEMO:
        return read_log(ROOT / "event_logs" / DEMO, profile=ROOT / "event_logs" / "profiles" / "demo.toml")
    return read_log(shared_log(name))


# ---- the fingerprint and its independent counterpart -------------------------------------------------------
def fingerprint(analysis: Analysis) -> dict[str, Any]:
    """The summary-level figures of one run, in plain Python types."""
    e = analysis.dfg.edges
    throughput = analysis.bottlenecks.cases["throughput_days"].to_numpy(dtype="float64")
    top = analysis.bottlenecks.edges.iloc[0] if len(analysis.bottlenecks.edges) else None
    h = analysis.handovers
    return {
        "edges": {(s, t): int(c) for s, t, c in zip(e["source"], e["target"], e["count"], strict=True)},
        "median_wait_days": dict(zip(zip(e["source"], e["target"], strict=True), e["median_wait_days"], strict=True)),
        "variants": {v: int(c) for v, c in analysis.log.variant_counts().items()},
        "throughput_days": (float(np.median(throughput)), float(np.mean(throughput)),
                            float(np.quantile(throughput, 0.9))),
        "top_bottleneck": None if top is None else (top["source"], top["target"], float(top["score"])),
        "handovers": None if h is None else (h.level, int(h.counts["handovers"]), int(h.counts["transitions"])),
    }


def independent(log: EventLog, analysis: Analysis) -> dict[str, Any]:
    """The same figures from the event frame with plain pandas (group-by, shift, sorting by name)."""
    ev = log.events
    same = (ev[CASE] == ev[CASE].shift(-1)).to_numpy()
    begin = ev[START].where(ev[START].notna(), ev[TIMESTAMP]) if START in ev.columns else ev[TIMESTAMP]
    pairs = pd.DataFrame({
        "source": ev[ACTIVITY].to_numpy()[same],
        "target": ev[ACTIVITY].shift(-1).to_numpy()[same],
        "days": ((begin.shift(-1) - ev[TIMESTAMP]).dt.total_seconds() / 86_400).to_numpy()[same],
        "source_time": ev[TIMESTAMP][same].reset_index(drop=True),
        "target_time": begin.shift(-1)[same].reset_index(drop=True),
    })
    by_edge = pairs.groupby(["source", "target"])
    counts, medians = by_edge.size(), by_edge["days"].median()

    variants = ev.groupby(CASE, sort=False)[ACTIVITY].agg(tuple).value_counts()
    first = ev.groupby(CASE)[TIMESTAMP].min()
    if START in ev.columns:
        first = np.minimum(first, ev.groupby(CASE)[START].min().fillna(first))
    days = ((ev.groupby(CASE)[TIMESTAMP].max() - first).dt.total_seconds() / 86_400).to_numpy(dtype="float64")

    # The top bottleneck as the module docstring defines it, with the calendar's per-row arithmetic.
    work = analysis.calendar.working_days(pairs["source_time"], pairs["target_time"])
    excess = np.clip(work - np.nanmedian(work), 0, None)
    scored = pd.DataFrame({"source": pairs["source"], "target": pairs["target"], "excess": excess, "work": work})
    per_edge = scored.groupby(["source", "target"]).agg(score=("excess", "sum"), total=("work", "sum"),
                                                       count=("excess", "size")).reset_index()
    per_edge = per_edge.sort_values(["score", "total", "count", "source", "target"],
                                    ascending=[False, False, False, True, True], kind="stable")
    top = per_edge.iloc[0] if len(per_edge) else None

    h = analysis.handovers
    handovers = None
    if h is not None:
        nodes = ev[GROUP if h.level == "unit" else RESOURCE]
        nxt = nodes.shift(-1)
        known = same & nodes.notna().to_numpy() & nxt.notna().to_numpy()
        handovers = (h.level, int((known & (nodes != nxt).to_numpy()).sum()), int(same.sum()))
    return {
        "edges": {k: int(v) for k, v in counts.items()},
        "median_wait_days": dict(medians.items()),
        "variants": {v: int(c) for v, c in variants.items()},
        "throughput_days": (float(np.median(days)), float(np.mean(days)), float(np.quantile(days, 0.9))),
        "top_bottleneck": None if top is None else (top["source"], top["target"], float(top["score"])),
        "handovers": handovers,
    }


@pytest.mark.parametrize("name", LOGS)
def test_fingerprint_equals_an_independent_pandas_computation(name: str) -> None:
    log, analysis = analysed(name)
    ours, theirs = fingerprint(analysis), independent(log, analysis)
    assert ours["edges"] == theirs["edges"]
    assert ours["variants"] == theirs["variants"]
    assert ours["median_wait_days"].keys() == theirs["median_wait_days"].keys()
    for edge, median in theirs["median_wait_days"].items():
        assert ours["median_wait_days"][edge] == pytest.approx(median, rel=1e-12, abs=1e-12), edge
    assert ours["throughput_days"] == pytest.approx(theirs["throughput_days"], rel=1e-12, abs=1e-12)
    assert ours["handovers"] == theirs["handovers"]
    if theirs["top_bottleneck"] is None:
        assert ours["top_bottleneck"] is None
    else:
        assert ours["top_bottleneck"][:2] == theirs["top_bottleneck"][:2]
        assert ours["top_bottleneck"][2] == pytest.approx(theirs["top_bottleneck"][2], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("name", LOGS)
def test_counts_are_the_published_ones_and_the_summary_agrees(name: str) -> None:
    log, analysis = analysed(name)
    if name in PUBLISHED:
        assert (log.n_cases, log.n_events, len(log.activities), log.n_variants) == PUBLISHED[name]
    assert analysis.variants.n_variants == log.n_variants == len(log.variant_counts())
    assert log.activities == sorted(log.events[ACTIVITY].unique().tolist())
    assert log.n_cases == log.events[CASE].nunique()
    ranking = analysis.variants.table
    assert ranking["cases"].tolist() == sorted(ranking["cases"].tolist(), reverse=True)
    assert int(ranking["cases"].sum()) == log.n_cases


@pytest.mark.parametrize("name", LOGS)
def test_top_candidate_is_the_best_ranked_activity(name: str) -> None:
    log, analysis = analysed(name)
    report = analysis.candidates
    assert report is not None
    if not report.candidates:
        return
    best = report.candidates[0]
    assert best.rank == 1 and best.activity in log.activities
    assert best.score == max(c.score for c in report.candidates)
    row = report.table.set_index("activity").loc[best.activity]
    assert int(row["events"]) == int((log.events[ACTIVITY] == best.activity).sum())
    assert int(row["cases"]) == log.events.loc[log.events[ACTIVITY] == best.activity, CASE].nunique()


# ---- fast paths against the straightforward computations they replaced --------------------------------------
@pytest.mark.parametrize("name", LOGS)
def test_code_based_tables_equal_the_name_based_ones_exactly(name: str) -> None:
    log, analysis = analysed(name)
    calendar = analysis.calendar
    tr = edges.transition_waits(log, calendar)
    pd.testing.assert_frame_equal(edges.edge_table(log, calendar), edges._grouped_edge_stats(tr), check_exact=True)
    pd.testing.assert_frame_equal(edges.edge_stats(tr), edges._grouped_edge_stats(tr), check_exact=True)
    pd.testing.assert_frame_equal(bottlenecks.activity_table(log, calendar),
                                  bottlenecks._activity_table_by_name(log, calendar), check_exact=True)
    pd.testing.assert_frame_equal(discovery.activity_figures(log, calendar),
                                  discovery._activity_table_by_name(log, calendar), check_exact=True)
    fast, slow = rework._repeats(log), rework._repeats_by_name(log)
    pd.testing.assert_frame_equal(fast[0], slow[0], check_exact=True)
    assert fast[1] == slow[1]
    # Working days from the per-event clock equal the calendar's per-row arithmetic, bit for bit.
    np.testing.assert_array_equal(tr["wait_workdays"].to_numpy(),
                                  calendar.working_days(tr["source_time"], tr["target_time"]))
    # Variants from the hashed codes equal one tuple per case.
    codes, variants = _variant_codes(log)
    per_case = log.events.groupby(CASE, sort=True)[ACTIVITY].agg(tuple)
    assert [variants[c] for c in codes] == per_case.loc[log.case_ids()].tolist()


@pytest.mark.parametrize("name", LOGS)
@pytest.mark.parametrize("cells", [units.PRESENCE_CELLS, 0])  # a presence table; pairs sorted
def test_the_units_sheets_counts_equal_a_group_by_per_unit(name: str, cells: int,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    log, _ = analysed(name)
    if not log.has(GROUP):
        pytest.skip(f"{name} has no unit column")
    monkeypatch.setattr(units, "PRESENCE_CELLS", cells)
    events = log.events.dropna(subset=[GROUP])
    grouped = events.groupby(events[GROUP].astype(str), sort=True)
    expected = pd.DataFrame({"events": grouped.size(), "cases": grouped[CASE].nunique(),
                             "activities": grouped[ACTIVITY].nunique()})
    pd.testing.assert_frame_equal(units.unit_figures(log), expected, check_exact=True)


def test_a_log_from_an_unsorted_frame_has_the_same_tables() -> None:
    log, _ = analysed("running-example.csv")
    shuffled = log.events.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = EventLog.from_frame(shuffled, source=log.source)
    pd.testing.assert_frame_equal(again.events, log.events, check_exact=True)
    for table in ("case_table", "transitions", "variant_counts"):
        left, right = getattr(again, table)(), getattr(log, table)()
        (pd.testing.assert_series_equal if isinstance(left, pd.Series) else pd.testing.assert_frame_equal)(
            left, right, check_exact=True)


# ---- ingest fast paths against pandas -------------------------------------------------------------------------
def _random_stamps(rng: np.random.Generator, n: int) -> list[str | None]:
    """Texts of the fixed width of ``%Y-%m-%d %H:%M:%S``, many of them impossible, plus odd ones."""
    y, m, d = rng.integers(1600, 2300, n), rng.integers(0, 14, n), rng.integers(0, 33, n)
    hh, mm, ss = rng.integers(0, 26, n), rng.integers(0, 62, n), rng.integers(0, 62, n)
    texts: list[str | None] = [f"{a:04d}-{b:02d}-{c:02d} {e:02d}:{f:02d}:{g:02d}"
                               for a, b, c, e, f, g in zip(y, m, d, hh, mm, ss, strict=True)]
    texts += ["", None, " 2024-01-01 10:00:00", "2024-1-01 10:00:00", "2024-01-01T10:00:00", "2024-02-29 10:00:00",
              "2023-02-29 10:00:00", "2100-02-29 10:00:00", "2000-02-29 23:59:59", "2024-10-27 02:30:00",
              "2024-10-27 02:30:00", "2024-03-31 02:30:00", "2024-01-01 10:00:00+01:00"]
    return texts


@pytest.mark.parametrize("fmt", ["%Y-%m-%d %H:%M:%S", None])
def test_fixed_width_timestamps_equal_the_general_parser(fmt: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _random_stamps(np.random.default_rng(7), 20_000)
    values = pd.Series(texts, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    fast = parse_timestamps(values, column="t", path="p", timezone=TZ, fmt=fmt, dayfirst=True)
    assert fast.values.notna().sum() > 10_000
    # The same column with the byte-level fast path switched off: pandas' parsers for every text.
    monkeypatch.setattr(timestamps, "_fixed_width", lambda arrow, fmt: (
        np.zeros(len(arrow), dtype=bool), np.full(len(arrow), np.datetime64("NaT"), dtype="datetime64[ns]")))
    general = parse_timestamps(values, column="t", path="p", timezone=TZ, fmt=fmt, dayfirst=True)
    pd.testing.assert_series_equal(fast.values, general.values, check_exact=True)
    np.testing.assert_array_equal(fast.missing, general.missing)
    np.testing.assert_array_equal(fast.unparseable, general.unparseable)
    assert fast.notes == general.notes


def test_case_codes_from_the_readers_encoding_equal_a_fresh_encoding() -> None:
    """ingest hands the log its case codes from the encoding it made for its checks (log.compact_codes): the
    same codes and values as encoding the kept rows again, values no kept row holds left out."""
    import pyarrow.compute as pc

    from processmining.log import compact_codes, dictionary_codes

    rng = np.random.default_rng(5)
    ids = [f"TVV 2025-{int(i):06d}" if i >= 0 else None for i in rng.integers(-50, 3_000, 40_000)]
    ids += ["Ärende 1", "ärende 1", "", "Z", "A"]
    arr = pa.array(ids, type=pa.large_string())
    encoded = pc.dictionary_encode(arr)
    for keep in (None, rng.random(len(ids)) < 0.3, np.zeros(len(ids), dtype=bool)):
        codes, names = compact_codes(encoded, keep)
        want_codes, want_names = dictionary_codes(arr if keep is None else arr.filter(pa.array(keep)))
        np.testing.assert_array_equal(codes, want_codes)
        assert names.tolist() == want_names.tolist()
    assert len(compact_codes(encoded, rng.random(len(ids)) < 0.001)[1]) < len(encoded.dictionary)


@pytest.mark.parametrize("merge", [True, False])
def test_activity_codes_from_ingest_equal_a_fresh_encoding(merge: bool, tmp_path: Path) -> None:
    """Also with labels merged (--merge-labels) and an activity name masked for a personal identity number:
    the log's activity codes are those of its activity column encoded afresh."""
    from processmining.log import dictionary_codes

    rows = ["Ärende;Aktivitet;Tidpunkt", "A;Beslut fattat;2025-03-01 10:00", "A;beslut fattat ;2025-03-02 10:00",
            "B;Beslut Fattat;2025-03-03 10:00", "B;Ring 19121212-1212;2025-03-04 10:00", "C;;2025-03-05 10:00",
            "C;Ansökan;2025-03-06 10:00", "D;Ansökan;2025-03-07 10:00"]
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    log = read_log(path, merge_label_variants=merge)
    codes, names = log.codes(ACTIVITY)
    want_codes, want_names = dictionary_codes(pa.array(log.events[ACTIVITY].tolist(), type=pa.large_string()))
    np.testing.assert_array_equal(codes, want_codes)
    assert names.tolist() == want_names.tolist()
    assert ("Ring ********-****" in names) and (("beslut fattat " in names) is not merge)
    assert log.activities == sorted(set(log.events[ACTIVITY]))


def test_duplicates_equal_pandas_duplicated() -> None:
    rng = np.random.default_rng(11)
    n = 5_000
    frame = pd.DataFrame({
        "case": pd.Series(rng.integers(0, 50, n).astype(str), dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
        "act": pd.Series(rng.choice(list("abc"), n), dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
        "time": pd.Series(rng.choice(["2024-10-27 02:30:00", "2024-10-27 03:00:00", "2024-01-01 10:00:00", ""], n),
                          dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
    })
    times = parse_timestamps(frame["time"], column="time", path="p", timezone=TZ, fmt="%Y-%m-%d %H:%M:%S")
    expected = frame.duplicated(keep="first").to_numpy()
    assert expected.any()
    np.testing.assert_array_equal(_duplicate_rows(frame, frame["case"], times.values), expected)
    assert times.wall is not None  # the wall-clock times the parser read: the same rows found
    np.testing.assert_array_equal(_duplicate_rows(frame, frame["case"], times.values, wall=times.wall), expected)


def test_masking_counts_what_it_changes() -> None:
    values = pd.Series(["Ring 19121212-1212", "ok", None, "8112189876 x", "ärende 121212-1212", "0123456789",
                        "TVV 2024-000001", "12 34 56 78 90"] * 50, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    masked, changed = mask_and_count(values)
    assert masked.equals(mask_personal_numbers(values))
    assert changed == count_masked(values, masked) == 150
    assert masked.iloc[0] == "Ring ********-****" and masked.iloc[1] == "ok"
    arrow = pa.array(["ingen siffra", "inga", None] * 10, type=pa.large_string())
    plain = pd.Series(arrow, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    assert mask_personal_numbers(plain) is plain


def _corrupted_stamps(rng: np.random.Generator, n: int, form: str) -> list[str | None]:
    """Texts of ``form``'s exact width with one byte in three replaced by a digit, a sign, a letter, a space
    or a literal of another place: what a byte-level reader must refuse exactly as Arrow's parser does."""
    good = pd.Timestamp("1990-01-01") + pd.to_timedelta(rng.integers(0, 40 * 365 * 86_400, n), unit="s")
    texts: list[str | None] = list(good.strftime(form))
    noise = list("0123456789+- :T.aZ/")
    for i in np.flatnonzero(rng.random(n) < 0.34):
        text = texts[i]
        assert text is not None
        pos = int(rng.integers(0, len(text)))
        texts[i] = text[:pos] + noise[int(rng.integers(0, len(noise)))] + text[pos + 1:]
    return texts + ["1677-12-31 23:59:59"[:len(form.replace("%Y", "1234").replace("%m", "12").replace("%d", "12")
                                                   .replace("%H", "12").replace("%M", "12").replace("%S", "12"))],
                    "2262-01-01 00:00:00"[:len(texts[0] or "")], None, ""]


@pytest.mark.parametrize("block", [1, 97, timestamps._CAST_BLOCK])
@pytest.mark.parametrize("form", ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                                  "%Y-%m-%d"])
def test_iso_timestamps_read_by_arrow_equal_the_byte_reader(form: str, block: int,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The ISO forms go through Arrow's cast; the byte routine it replaces (kept for the other forms, and for
    blocks Arrow refuses) gives the same rows and values on texts with every kind of wrong byte, dates out of
    range and impossible days. One text per block decides Arrow's reading text by text."""
    rng = np.random.default_rng(11)
    texts = _corrupted_stamps(rng, 2_500 if block == 1 else 30_000, form) + _random_stamps(rng, 1_000)
    readable = timestamps._fixed_width(pa.array(texts, type=pa.large_string()), form)[0]
    clean = [t for t, ok in zip(texts, readable, strict=True) if ok]
    monkeypatch.setattr(timestamps, "_CAST_BLOCK", block)
    for column in (pa.array(texts, type=pa.large_string()), pa.array(clean, type=pa.string())):
        for fmt in (form, None):
            quick, wall = timestamps._fixed_width(column, fmt)
            assert quick.sum() > len(column) / 2  # most texts are read on the fast path (the damaged ones not)
            with monkeypatch.context() as patched:
                patched.setattr(timestamps, "_iso_cast", lambda *args: None)
                want_quick, want_wall = timestamps._fixed_width(column, fmt)
            np.testing.assert_array_equal(quick, want_quick)
            np.testing.assert_array_equal(wall, want_wall)


# ---- order statistics per group against pandas ----------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_group_medians_and_quantiles_equal_pandas(seed: int) -> None:
    """Bit for bit what pandas' group-by median and quantile give: ties, negative and infinite values, missing
    values, groups of one value, groups whose values are all missing and codes with no row at all."""
    from processmining.analyses.order_stats import group_stats

    rng = np.random.default_rng(seed)
    n, groups = 40_000, 300
    codes = rng.integers(0, groups - 5, n)  # the last five codes have no row
    codes[:40] = np.arange(40) + 200  # some groups of one
    values = np.round(rng.normal(2.0, 3.0, n), int(rng.integers(0, 3)))  # many ties
    values[rng.random(n) < 0.05] = np.nan
    values[rng.random(n) < 0.001] = np.inf
    values[rng.random(n) < 0.001] = -np.inf
    values[codes == 7] = np.nan  # a group with rows but no value
    quantiles = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    got = group_stats(codes, values, groups, median=True, quantiles=quantiles)
    grouped = pd.Series(values).groupby(codes)
    np.testing.assert_array_equal(got["median"], grouped.median().reindex(range(groups)).to_numpy())
    table = grouped.quantile(quantiles).unstack().reindex(range(groups))
    for q in quantiles:
        np.testing.assert_array_equal(got[q], table[q].to_numpy())
    np.testing.assert_array_equal(got["n"], grouped.count().reindex(range(groups), fill_value=0).to_numpy())
    assert np.isnan(got["median"][7]) and got["n"][7] == 0 and np.isnan(got["median"][groups - 1])


@pytest.mark.parametrize("seed", [0, 1])
def test_many_groups_at_once_equal_pandas_and_numpy(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The path for many groups (one sort of all values, for exports with tens of thousands of distinct edges)
    gives pandas' medians and quantiles and numpy's p90 bit for bit, like the per-group path."""
    from processmining.analyses import order_stats
    from processmining.analyses.order_stats import group_order, group_stats, nan_p90, segment_p90

    rng = np.random.default_rng(seed)
    n, groups = 30_000, 5_000
    codes = rng.integers(0, groups - 5, n)
    codes[:40] = np.arange(40) + 4_900  # groups of one
    values = np.round(rng.normal(2.0, 3.0, n), int(rng.integers(0, 3)))
    values[rng.random(n) < 0.05] = np.nan
    values[rng.random(n) < 0.002] = np.inf
    values[rng.random(n) < 0.002] = -np.inf
    values[codes == 7] = np.nan
    quantiles = [0.1, 0.5, 0.9]
    assert groups >= order_stats.MANY_GROUPS  # the path under test
    got = group_stats(codes, values, groups, median=True, quantiles=quantiles)
    grouped = pd.Series(values).groupby(codes)
    np.testing.assert_array_equal(got["median"], grouped.median().reindex(range(groups)).to_numpy())
    table = grouped.quantile(quantiles).unstack().reindex(range(groups))
    for q in quantiles:
        np.testing.assert_array_equal(got[q], table[q].to_numpy())
    order, counts = group_order(codes, groups)
    p90 = segment_p90(values[order], counts)
    parts = np.split(values[order], np.cumsum(counts)[:-1])
    with np.errstate(invalid="ignore"):
        want = np.array([nan_p90(part) for part in parts])
    np.testing.assert_array_equal(p90, want)
    monkeypatch.setattr(order_stats, "MANY_GROUPS", 10**9)  # the per-group path gives the same
    with np.errstate(invalid="ignore"):  # numpy's own nanquantile on a group with inf and -inf
        np.testing.assert_array_equal(segment_p90(values[order], counts), want)
