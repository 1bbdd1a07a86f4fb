"""Merging several exports: the demo export split into a case system and a payment system, merged back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from processmining.errors import ConfigError, MissingColumnsError, StrictModeError
from processmining.ingest import ReadOptions, load_profile, read_log
from processmining.ingest.merge import (
    SOURCE_KEY,
    JoinKey,
    KeyNormalisation,
    MergeResult,
    SourceSpec,
    load_project,
    merge_logs,
    merge_project,
    merge_sources,
    open_sources,
    parse_offset,
)
from processmining.log import ACTIVITY, CASE, GROUP, RESOURCE, SOURCE_SYSTEM, START, TIMESTAMP, EventLog
from processmining.simulate import (
    PAYMENT_ACTIVITIES,
    SPLIT_FILES,
    SplitResult,
    simulate,
    split_project_toml,
    split_sources,
    write_sample,
    write_split,
)
from tests.support import ROOT

DEMO_PROFILE = ROOT / "event_logs" / "profiles" / "demo.toml"
COMMITTED_PROJECT = ROOT / "event_logs" / "projects" / "demo_split.toml"
COMPARED = [CASE, ACTIVITY, TIMESTAMP, START, RESOURCE, GROUP, "case:program", "case:region", "case:amount",
            "case:decision", "comment"]


@dataclass(frozen=True)
class Split:
    folder: Path
    split: SplitResult
    original: EventLog
    merged: MergeResult


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Split:
    folder = tmp_path_factory.mktemp("split")
    result = simulate(cases=300, seed=11)
    split = split_sources(result)
    write_split(split, folder)
    write_sample(result, folder / "single.csv")
    original = read_log(folder / "single.csv", profile=DEMO_PROFILE)
    return Split(folder, split, original, merge_project(folder / SPLIT_FILES[2]))


def _comparable(events: pd.DataFrame, *, strip: str = "") -> pd.DataFrame:
    frame = events[COMPARED].copy()
    frame[CASE] = frame[CASE].astype(str).str.removeprefix(strip)
    for column in frame.columns:
        if frame[column].dtype != "float64" and not isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


# ---- the round trip ------------------------------------------------------------------------------
def test_merging_the_split_gives_exactly_the_events_of_the_single_export(demo: Split) -> None:
    log = demo.merged.log
    assert log.n_events == demo.original.n_events
    assert log.n_cases == demo.original.n_cases == 300
    merged = _comparable(log.events)
    single = _comparable(demo.original.events, strip="TVV ")
    pd.testing.assert_frame_equal(merged, single, check_dtype=False)
    assert log.source.format == "merged"


def test_the_payment_file_really_has_another_key_and_clock(demo: Split) -> None:
    payments = pd.read_csv(demo.folder / SPLIT_FILES[1], dtype=str, keep_default_na=False)
    assert not payments["Ärende-ID"].str.startswith("TVV").any()
    # Without the clock correction the payment events are 7 minutes late; with it they are exact.
    project = load_project(demo.folder / SPLIT_FILES[2])
    raw = read_log(demo.folder / SPLIT_FILES[1], profile=project.sources[1].profile)
    single = demo.original.events
    truth = single[single[ACTIVITY].isin(PAYMENT_ACTIVITIES)].set_index([CASE, ACTIVITY])[TIMESTAMP]
    kept = raw.events[raw.events[CASE].isin(single[CASE].str.removeprefix("TVV "))]
    shifted = kept.set_index([("TVV " + kept[CASE]).rename(CASE), ACTIVITY])[TIMESTAMP]
    assert len(shifted) == len(truth) > 0
    assert ((shifted - truth.reindex(shifted.index)) == pd.Timedelta(minutes=7)).all()
    assert demo.merged.report.sources[1].clock_offset == pd.Timedelta(minutes=-7)


def test_every_event_is_tagged_with_its_system_and_its_key_as_spelled(demo: Split) -> None:
    ev = demo.merged.log.events
    paid = ev[ACTIVITY].isin(PAYMENT_ACTIVITIES)
    assert set(ev.loc[paid, SOURCE_SYSTEM]) == {"ekonomisystem"}
    assert set(ev.loc[~paid, SOURCE_SYSTEM]) == {"ärendesystem"}
    assert ev.loc[~paid, SOURCE_KEY].str.startswith("TVV ").all()
    assert not ev.loc[paid, SOURCE_KEY].str.startswith("TVV").any()
    # The payment events got the case attributes the payment file does not have.
    assert ev.loc[paid, "case:region"].notna().all()


# ---- the report --------------------------------------------------------------------------------------
def test_report_lists_exactly_the_planted_keys(demo: Split) -> None:
    report = demo.merged.report
    assert demo.split.unmatched_keys and demo.split.malformed_keys
    assert report.unmatched_keys == tuple(sorted(demo.split.unmatched_keys))
    assert report.unnormalised_keys == tuple(sorted(demo.split.malformed_keys))
    payments, cases = report.sources[1], report.sources[0]
    assert payments.rejected_at_merge == demo.split.planted_rows == 2 * len(demo.split.unmatched_keys) + 1
    assert cases.unmatched_keys == () and cases.rejected_at_merge == 0
    # Cases without any payment are the case system's own (rejected applications, open cases).
    paid_cases = set(demo.merged.log.events.loc[demo.merged.log.events[ACTIVITY].isin(PAYMENT_ACTIVITIES), CASE])
    assert set(cases.only_here) == set(demo.merged.log.events[CASE]) - paid_cases
    keys = report.keys
    listed = keys.loc[keys["problem"] == "not in ärendesystem", "key"].tolist()
    assert sorted(listed) == sorted(demo.split.unmatched_keys)
    assert any("not in ärendesystem" in w and demo.split.unmatched_keys[0] in w for w in report.warnings)


def test_every_planted_row_is_a_reject_prefixed_with_its_system(demo: Split) -> None:
    rejects = demo.merged.log.rejects
    planted = rejects[rejects["reason"].str.contains("case key")]
    assert len(planted) == demo.split.planted_rows
    assert set(planted["value"]) == set(demo.split.unmatched_keys) | set(demo.split.malformed_keys)
    assert planted["column"].eq("ekonomisystem:Ärende-ID").all()
    assert rejects["reason"].str.match(r"^(ärendesystem|ekonomisystem): ").all()
    # The single export's own rejects (messy rows) are all there, from one source or the other.
    assert len(rejects) - len(planted) == len(demo.original.rejects)


def test_rows_read_equals_kept_plus_rejected_plus_duplicates(demo: Split) -> None:
    log, report = demo.merged.log, demo.merged.report
    assert log.source.rows_read == sum(s.rows_read for s in report.sources)
    assert log.source.rows_read == log.n_events + len(log.rejects) + log.source.duplicates_removed
    assert log.source.rows_read == demo.original.source.rows_read + demo.split.planted_rows
    for s in report.sources:
        assert s.rows_read == s.kept + s.rejected + s.duplicates_removed + s.starts_merged
    summary = report.to_summary()
    json.dumps(summary, allow_nan=False)
    assert summary["rows_read"] == log.source.rows_read


def test_merged_sha_changes_with_the_sources_and_settings(demo: Split) -> None:
    project = load_project(demo.folder / SPLIT_FILES[2])
    other = merge_logs(project.sources, join=JoinKey(normalise=project.join.normalise, unmatched="keep"))
    assert len(demo.merged.log.source.sha256) == 64
    assert other.log.source.sha256 != demo.merged.log.source.sha256
    # Kept: the unmatched payments become cases of their own; the malformed key is still rejected.
    assert other.log.n_events == demo.merged.log.n_events + 2 * len(demo.split.unmatched_keys)
    assert set(demo.split.unmatched_keys) <= set(other.log.events[CASE])


# ---- errors ------------------------------------------------------------------------------------------
def test_a_key_column_missing_in_one_source_names_the_file(demo: Split, tmp_path: Path) -> None:
    text = (demo.folder / SPLIT_FILES[2]).read_text(encoding="utf-8").replace('case = "Ärende-ID"', 'case = "Ärendenr"')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    for name in SPLIT_FILES[:2]:
        (tmp_path / name).write_bytes((demo.folder / name).read_bytes())
    with pytest.raises(MissingColumnsError) as info:
        merge_project(tmp_path / "p.toml")
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "payments.csv") in message and "'Ärendenr'" in message and "Ärende-ID" in message


@pytest.mark.parametrize(("change", "expected"), [
    (('clock_offset = "-00:07"', 'clock_offset = "7 minutes"'), "clock_offset: '7 minutes' is not a clock offset"),
    (("unmatched = \"reject\"", "unmatched = \"drop\""), "[join] unmatched: must be \"reject\" or \"keep\""),
    (("primary = \"ärendesystem\"", "primary = \"case\""), "[join] primary: 'case' is not a source's system"),
    (("strip_prefixes = [\"TVV \"]", "strip_prefix = [\"TVV \"]"), "[join] strip_prefix: unknown key"),
    (('system = "ekonomisystem"', 'system = "ärendesystem"'), "the system name is used twice"),
    (('format = "%Y-%m-%dT%H:%M:%S"', 'formatt = "x"'), "[timestamps] formatt: unknown key"),
])
def test_project_mistakes_are_one_line_naming_the_file(demo: Split, tmp_path: Path, change: tuple[str, str],
                                                       expected: str) -> None:
    text = (demo.folder / SPLIT_FILES[2]).read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "p.toml").write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path / "p.toml")
    assert str(tmp_path / "p.toml") in str(info.value) and expected in str(info.value)
    assert "\n" not in str(info.value)


def test_key_normalisation_steps() -> None:
    norm = KeyNormalisation(upper=True, strip_prefixes=("TVV ", "Dnr"), replace=((r"^(\d{4})/", r"\1-"),),
                            pattern=r"^\d{4}-\d{6}$")
    keys = pd.Series([" tvv  2024-000001", "2024-000001", "DNR 2024/000002", "TVV 24-1", "", None])
    assert norm.apply(keys).tolist() == ["2024-000001", "2024-000001", "2024-000002", None, None, None]
    assert KeyNormalisation().apply(pd.Series(["  a  b "])).tolist() == ["a b"]
    with pytest.raises(ConfigError, match="not a valid regular expression"):
        KeyNormalisation(pattern="([")
    assert parse_offset("-00:07") == pd.Timedelta(minutes=-7)
    assert parse_offset("+01:00:30") == pd.Timedelta(hours=1, seconds=30)


# ---- the library entry points and the committed example ---------------------------------------------
def test_open_sources_reads_one_file_merges_several_or_a_project(demo: Split) -> None:
    one, report = open_sources([demo.folder / "single.csv"], options=ReadOptions(profile=load_profile(DEMO_PROFILE)))
    assert one.source.format == "csv" and one.n_events == demo.original.n_events and report is None
    project = load_project(demo.folder / SPLIT_FILES[2])
    many = merge_sources([demo.folder / SPLIT_FILES[0], demo.folder / SPLIT_FILES[1]],
                         profiles=[DEMO_PROFILE, project.sources[1].profile], join_key="Diarienummer,Ärende-ID",
                         strip_prefixes=["TVV "], offsets=["+00:00", "-00:07"])
    assert [s.system for s in many.report.sources] == ["case_system", "payments"]
    assert many.log.n_events == demo.original.n_events  # unmatched and malformed keys are not in the case system
    assert set(many.report.unmatched_keys) == set(demo.split.unmatched_keys) | set(demo.split.malformed_keys)
    from_project, merged = open_sources(project=demo.folder / SPLIT_FILES[2])
    assert from_project.n_events == demo.original.n_events and merged is not None
    assert [s.system for s in merged.sources] == ["ärendesystem", "ekonomisystem"]
    assert any("not in ärendesystem" in w for w in from_project.source.warnings)
    with pytest.raises(ConfigError, match="not both"):
        open_sources([demo.folder / "single.csv"], project=demo.folder / SPLIT_FILES[2])
    with pytest.raises(ConfigError, match="--case cannot be used with several sources"):
        open_sources([demo.folder / SPLIT_FILES[0], demo.folder / SPLIT_FILES[1]],
                     options=ReadOptions(columns={"case": "Diarienummer"}))
    with pytest.raises(ConfigError, match="no event log given"):
        open_sources([])


def test_committed_example_is_what_sample_split_writes(demo: Split) -> None:
    assert COMMITTED_PROJECT.read_text(encoding="utf-8") == split_project_toml(demo.split)
    assert (demo.folder / SPLIT_FILES[2]).read_text(encoding="utf-8") == split_project_toml(demo.split)
    project = load_project(COMMITTED_PROJECT)
    assert [s.system for s in project.sources] == ["ärendesystem", "ekonomisystem"]
    assert project.sources[0].path == COMMITTED_PROJECT.parent / "case_system.csv"


def test_strict_fails_on_keys_rejected_at_the_merge(demo: Split, tmp_path: Path) -> None:
    clean = simulate(cases=40, seed=2, messy=False)
    write_split(split_sources(clean, unmatched=1, malformed=0), tmp_path)
    with pytest.raises(StrictModeError, match=r"2 row\(s\) rejected at the merge .*case key not in ärendesystem"):
        merge_project(tmp_path / SPLIT_FILES[2], strict=True)
    assert merge_project(tmp_path / SPLIT_FILES[2]).log.n_cases == 40


def test_a_source_spec_needs_a_system_and_distinct_names(demo: Split) -> None:
    with pytest.raises(ConfigError, match="needs a system name"):
        SourceSpec(demo.folder / "single.csv", " ")
    spec = SourceSpec(demo.folder / "single.csv", "a", profile=DEMO_PROFILE)
    with pytest.raises(ConfigError, match="used by more than one source"):
        merge_logs([spec, spec])


# ---- the commands ------------------------------------------------------------------------------------
def test_cli_merge_writes_the_log_and_the_report(demo: Split, tmp_path: Path) -> None:
    from processmining.cli import app

    out = tmp_path / "out" / "merged.parquet"
    result = CliRunner().invoke(app, ["merge", str(demo.folder / SPLIT_FILES[2]), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["events"] == demo.original.n_events
    assert payload["merge"]["sources"][1]["unmatched_keys"] == sorted(demo.split.unmatched_keys)
    report = pd.read_csv(out.parent / "merge_report.csv", sep=";", encoding="utf-8-sig")
    assert report["system"].tolist() == ["ärendesystem", "ekonomisystem"]
    assert report["unmatched"].tolist() == [0, len(demo.split.unmatched_keys)]
    assert report["clock_offset_minutes"].tolist() == [0, -7]
    keys = pd.read_csv(out.parent / "merge_keys.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert set(keys.loc[keys["problem"] == "could not be normalised", "key"]) == set(demo.split.malformed_keys)
    assert (out.parent / "merge_rejects.csv").exists()
    back = read_log(out, pseudonymise=False)
    assert back.n_events == demo.original.n_events
    assert back.events[RESOURCE].tolist() == demo.merged.log.events[RESOURCE].tolist()


def test_a_merged_file_reads_back_with_its_pseudonyms_as_they_are(demo: Split, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The merged file's case officers already are pseudonyms: read back with the defaults and without any key,
    they stay the same (no pseudonyms of pseudonyms) and the log counts as pseudonymised, so the handover graph
    between case officers is drawn; one real name among them and the column is hashed as a whole."""
    from processmining.analysis import AnalysisOptions, analyze_log
    from processmining.cli import app

    out = tmp_path / "merged.csv"
    assert CliRunner().invoke(app, ["merge", str(demo.folder / SPLIT_FILES[2]), "--out", str(out)]).exit_code == 0
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("PROCESSMINING_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./.processmining/pseudonym.key here
    back = read_log(out)
    assert back.events[RESOURCE].tolist() == demo.merged.log.events[RESOURCE].tolist()
    assert back.source.pseudonymised
    assert "already pseudonyms, kept as they are: org:resource" in back.source.notes
    no_units = EventLog.from_frame(back.events.drop(columns=[GROUP]), source=back.source)
    analysis = analyze_log(no_units, AnalysisOptions(handover_level="auto"))
    assert analysis.handovers is not None and analysis.handovers.level == "resource"
    frame = pd.read_csv(out, sep=None, engine="python", dtype=str, encoding="utf-8-sig")
    column = next(c for c in frame.columns if frame[c].astype(str).str.fullmatch(r"H-[0-9a-f]{10}").all())
    frame.loc[0, column] = "Åsa Öberg"
    mixed = tmp_path / "mixed.csv"
    frame.to_csv(mixed, sep=";", index=False, encoding="utf-8-sig")
    monkeypatch.setenv("PROCESSMINING_PSEUDONYM_KEY", "another-key-not-secret-0123456789abcdef")
    hashed = read_log(mixed, profile=None)
    assert "Åsa Öberg" not in set(hashed.events[RESOURCE])
    assert not set(hashed.events[RESOURCE]) & set(back.events[RESOURCE])  # every value hashed again
    assert any(n.startswith("pseudonymised with the key") for n in hashed.source.notes)


def test_cli_merge_fails_in_one_line(tmp_path: Path) -> None:
    from processmining.cli import app

    result = CliRunner().invoke(app, ["merge", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "m.parquet")])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "nope.toml: no such project file" in result.stderr


def test_cli_sample_split_writes_two_exports_and_a_project(tmp_path: Path) -> None:
    from processmining.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["sample", "--cases", "60", "--seed", "4", "--split", str(tmp_path / "s"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["path"] is None and len(payload["split"]["unmatched_keys"]) == 3
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == sorted(SPLIT_FILES)
    merged = merge_project(tmp_path / "s" / SPLIT_FILES[2])
    assert merged.log.n_cases == 60
    assert set(merged.report.unmatched_keys) == set(payload["split"]["unmatched_keys"])
    neither = runner.invoke(app, ["sample", "--cases", "5"])
    assert neither.exit_code == 2 and "--split" in neither.output
