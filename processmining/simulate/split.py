"""The demo export split in two systems: the case-handling system and the payment system, and the project
file that merges them back (:func:`split_sources`, :func:`write_split`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..log import ACTIVITY, CASE, ROW
from .process import SimulationResult
from .writers import _csv_chunks, _open_output

# ---- two systems: the export split into a case system and a payment system ---------------------------
#: The events the payment system (ekonomisystemet) records; everything else is in the case system.
PAYMENT_ACTIVITIES = ("Utbetalning begärd", "Utbetalning genomförd")
#: The payment system's export headers, in file order (its own names for key, activity, time, ...).
PAYMENT_COLUMNS = ("Ärende-ID", "Händelse", "Bokförd", "Attestant", "Enhet", "Belopp", "Meddelande")
#: File names written by :func:`write_split`: case system, payment system, project file.
SPLIT_FILES = ("case_system.csv", "payments.csv", "demo_split.toml")
_CASE_PREFIX = "TVV "
_PAYMENT_TIME = "%Y-%m-%dT%H:%M:%S"
_UNMATCHED_FROM = 990_001  # numbers within a year from here on are never given to a case


@dataclass(frozen=True, slots=True)
class SplitResult:
    """A simulated export split into the two systems that record a grant case.

    Attributes:
        case_system: the case-handling system's rows (headers :data:`COLUMNS`, raw text): every row of
            the export except the payment events, messy rows included, in file order.
        payments: the payment system's rows (headers :data:`PAYMENT_COLUMNS`, raw text): the rows whose
            activity is one of :data:`PAYMENT_ACTIVITIES`, in file order, then the planted rows. Its key
            ``Ärende-ID`` is spelled without the ``"TVV "`` prefix (``2024-000001``), its clock is
            ``offset`` ahead (``Bokförd`` = Tidpunkt + offset, ISO ``2024-03-05T05:12:33``; a messy
            Tidpunkt that is not a time is copied as it stands), amounts have a decimal point.
        offset: how far the payment system's clock is ahead of the case system's.
        unmatched_keys: planted keys (as spelled in ``payments``) of payments for cases the case system
            does not have; each has a "Utbetalning begärd" and a "Utbetalning genomförd" row.
        malformed_keys: planted keys that no normalisation to ``YYYY-NNNNNN`` accepts (``2024/000123``):
            an extra copy of a real payment row each.
        planted_rows: rows of ``payments`` that carry a planted key.
    """

    case_system: pd.DataFrame
    payments: pd.DataFrame
    offset: pd.Timedelta
    unmatched_keys: tuple[str, ...]
    malformed_keys: tuple[str, ...]
    planted_rows: int


def split_sources(
    result: SimulationResult,
    *,
    offset_minutes: int = 7,
    unmatched: int = 3,
    malformed: int = 1,
    seed: int = 0,
) -> SplitResult:
    """Split a simulated export into a case-system file and a payment-system file.

    Merging the two back (``processmining merge`` with the project file :func:`write_split` writes)
    gives exactly the events of the single export: same case ids after key normalisation, activities,
    timestamps after the clock correction and count, plus the planted keys listed as unmatched or not
    normalisable.

    Args:
        result: from :func:`simulate`.
        offset_minutes: how many minutes the payment system's clock is ahead (may be negative).
        unmatched: how many payments for cases that do not exist to plant (two rows each).
        malformed: how many payment rows with a key no normalisation accepts to plant.
        seed: the random seed for which payment rows the planted ones copy.

    Raises:
        ConfigError: negative counts, or more planted keys than the export has paid cases.
    """
    if unmatched < 0 or malformed < 0:
        raise ConfigError(f"unmatched and malformed must be 0 or more, got {unmatched} and {malformed}")
    events = result.events
    is_payment = events["Aktivitet"].isin(PAYMENT_ACTIVITIES).to_numpy(dtype=bool)
    case_system = events.loc[~is_payment].reset_index(drop=True)
    paid = events.loc[is_payment]
    offset = pd.Timedelta(minutes=offset_minutes)

    # Template cases for the planted rows: paid cases with exactly one row of each payment activity.
    truth = result.truth
    pay_truth = truth[truth[ACTIVITY].isin(PAYMENT_ACTIVITIES)]
    per_case = pay_truth.groupby(CASE)[ACTIVITY].agg(["size", "nunique"])
    complete = per_case.index[(per_case["size"] == 2) & (per_case["nunique"] == 2)].sort_values()
    if unmatched + malformed > len(complete):
        raise ConfigError(f"only {len(complete)} paid case(s) to copy; plant fewer keys "
                          f"(asked for {unmatched} unmatched and {malformed} malformed)")
    rng = np.random.default_rng(seed)
    chosen = complete[np.sort(rng.choice(len(complete), size=unmatched + malformed, replace=False))]
    rows = truth.loc[truth[CASE].isin(chosen) & truth[ACTIVITY].isin(PAYMENT_ACTIVITIES), ROW]
    template = events.iloc[rows.to_numpy() - 2]

    planted_frames, unmatched_keys, malformed_keys = [], [], []
    for k, case in enumerate(chosen):
        year, number = case.removeprefix(_CASE_PREFIX).split("-")
        block = template[template["Diarienummer"] == case].copy()
        if k < unmatched:
            key = f"{year}-{_UNMATCHED_FROM + k:06d}"
            unmatched_keys.append(key)
        else:
            key = f"{year}/{number}"
            malformed_keys.append(key)
            block = block.iloc[:1]
        block["Diarienummer"] = _CASE_PREFIX + key  # the prefix is taken off below with the others
        planted_frames.append(block)
    sequence = result.truth[CASE].str.rsplit("-", n=1).str[1].astype(int)
    if len(sequence) and sequence.max() >= _UNMATCHED_FROM:
        raise ConfigError("too many cases in one year to plant unmatched keys; simulate fewer cases")
    rows_out = pd.concat([paid, *planted_frames], ignore_index=True)
    payments = _payment_rows(rows_out, offset)
    planted = sum(len(f) for f in planted_frames)
    return SplitResult(case_system=case_system, payments=payments, offset=offset,
                       unmatched_keys=tuple(unmatched_keys), malformed_keys=tuple(malformed_keys),
                       planted_rows=planted)


def _payment_rows(rows: pd.DataFrame, offset: pd.Timedelta) -> pd.DataFrame:
    """Case-system rows rewritten the way the payment system exports them."""
    text = rows["Tidpunkt"].astype(str)
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S", errors="coerce")
    shifted = (parsed + offset).dt.strftime(_PAYMENT_TIME)
    booked = shifted.where(parsed.notna(), text).astype(str)
    return pd.DataFrame({
        "Ärende-ID": rows["Diarienummer"].astype(str).str.removeprefix(_CASE_PREFIX).to_numpy(dtype=object),
        "Händelse": rows["Aktivitet"].to_numpy(dtype=object),
        "Bokförd": booked.to_numpy(dtype=object),
        "Attestant": rows["Handläggare"].to_numpy(dtype=object),
        "Enhet": rows["Enhet"].to_numpy(dtype=object),
        "Belopp": rows["Belopp"].astype(str).str.replace(",", ".", regex=False).to_numpy(dtype=object),
        "Meddelande": rows["Kommentar"].to_numpy(dtype=object),
    }, columns=list(PAYMENT_COLUMNS))


def _clock_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


#: The demo export's profile: the case system's part of the split is the demo export, read the same way.
DEMO_PROFILE = Path(__file__).resolve().parents[2] / "event_logs" / "profiles" / "demo.toml"


def _profile_tables(path: Path, prefix: str) -> str:
    """The tables of a profile file (everything but its name and description) as TOML under ``prefix``: the
    case system's profile in the project file is the demo profile itself, never a second copy to keep equal."""
    import tomllib

    try:
        profile = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: the demo profile cannot be read ({exc}); run from the project's checkout") from exc

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    parts = []
    for table, content in profile.items():
        if isinstance(content, dict):
            rows = "".join(f"{key} = {value(v)}\n" for key, v in content.items())
            parts.append(f"[{prefix}.{table}]\n{rows}")
    return "\n".join(parts)


def split_project_toml(split: SplitResult) -> str:
    """The project file describing the two exports :func:`write_split` writes (paths beside it)."""
    minutes = int(split.offset.total_seconds() // 60)
    correction = _clock_text(-minutes)
    fast = f"{abs(minutes)} minute(s) {'fast' if minutes >= 0 else 'slow'}"
    case_profile = _profile_tables(DEMO_PROFILE, "sources.profile")
    return f'''# A project: two exports of one grant process, merged into one event log.
# Written by `processmining sample --split DIR` beside the two exports it names (paths are relative to
# this file); the format is described in processmining/ingest/merge.py.
#
#   processmining sample --cases 3000 --seed 1 --split reports/demo_split
#   processmining merge reports/demo_split/demo_split.toml --out reports/demo_split/merged.parquet
name = "Demo: ärendesystem + ekonomisystem"
description = "The demo export split in two: the case-handling system and the payment system"

[join]
# Keys are normalised like this in every source before they are matched:
# " tvv 2024-000001" and "2024-000001" both become "2024-000001".
strip_whitespace = true
upper = true
strip_prefixes = ["TVV "]
pattern = '^\\d{{4}}-\\d{{6}}$'        # a key that does not look like 2024-000001 is listed and rejected
primary = "ärendesystem"         # the case system says which cases exist
unmatched = "reject"             # payments for cases it does not have are listed and rejected

[[sources]]
system = "ärendesystem"
path = "{SPLIT_FILES[0]}"
clock_offset = "+00:00"

[sources.profile]
name = "Ärendesystemet"
description = "Semicolon CSV from the case-handling system (the demo export without the payments)"

{case_profile}
[[sources]]
system = "ekonomisystem"
path = "{SPLIT_FILES[1]}"
clock_offset = "{correction}"   # the payment system's clock is {fast}

[sources.profile]
name = "Ekonomisystemet"
description = "Comma CSV from the payment system: payments only, its own key spelling and clock"

[sources.profile.csv]
delimiter = ","
encoding = "utf-8"
decimal = "."

[sources.profile.columns]
case = "Ärende-ID"
activity = "Händelse"
timestamp = "Bokförd"
resource = "Attestant"
unit = "Enhet"

[sources.profile.attributes]
Belopp = "case:amount"
Meddelande = "comment"

[sources.profile.timestamps]
format = "{_PAYMENT_TIME}"
timezone = "Europe/Stockholm"
earliest = "2000-01-01"

[sources.profile.validation]
drop_duplicates = true
'''


def write_split(split: SplitResult, directory: str | Path) -> list[Path]:
    """Write the two exports and the project file into ``directory`` (:data:`SPLIT_FILES`).

    The case system as :func:`write_sample` writes CSV (``;``, UTF-8 with BOM); the payment system as
    ``,``-separated UTF-8 without BOM, LF line ends, quotes only where needed. Deterministic.

    Raises:
        ConfigError: the folder cannot be written.
    """
    directory = Path(directory)
    case_path, pay_path, project_path = (directory / name for name in SPLIT_FILES)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with _open_output(case_path) as fh:
            for chunk in _csv_chunks(split.case_system):
                fh.write(chunk)
        pay_path.write_bytes(split.payments.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        project_path.write_text(split_project_toml(split), encoding="utf-8", newline="\n")
    except OSError as exc:
        raise ConfigError(f"{directory}: cannot write ({exc.strerror or exc}); check that it is a writable folder") \
            from exc
    return [case_path, pay_path, project_path]
