"""A deterministic simulator of the agency's grant-application process: the demo log.

``simulate(cases=3000, seed=1)`` returns the rows of a Swedish-style case-handling export (headers
Diarienummer;Aktivitet;Starttid;Tidpunkt;Handläggare;Enhet;Program;Region;Belopp;Beslut;Kommentar,
all values as the raw text that is written) and :func:`write_sample` writes them as CSV (``;``,
UTF-8 with BOM, decimal comma), XES (start/complete lifecycle pairs, offsets) or Parquet (the same
text columns). The same arguments give byte-identical files.

What is planted, for the analyses that must find it:

* the bottleneck :data:`PLANTED_BOTTLENECK`: every case waits a median of ~15 Swedish working days
  (lognormal, heavy tail) between "Bedömning" and "Beslut fattat"; the other steps most cases pass
  wait 0-5 days (appeals take weeks, but few cases appeal);
* the automation candidate :data:`PLANTED_AUTOMATION_CANDIDATE`: a manual step of a few minutes by one
  of 8 registrators, always right after "Ärende registrerat" and always followed by "Ärende fördelat",
  behind a 0.5-2 working-day queue;
* the regional difference :data:`PLANTED_SLOW_REGION`: cases from Skåne wait 3x longer between
  "Ärende fördelat" and the case officer's first action;
* the applicant's waiting (clock stop) :data:`CLOCK_STOP_PAIRS`: 3-20 calendar days;
* messy rows (about 0.5 % of rows, see :data:`MESSY_KINDS`), counted in ``SimulationResult.planted``
  and listed row by row in ``SimulationResult.messy_rows``;
* personnummer and samordningsnummer with valid Luhn digits in a few comments, and 10-digit order
  numbers that fail the Luhn check (which must not be masked), counted in ``comment_numbers``.

Two systems: :func:`split_sources` splits an export into what the case-handling system records
(everything but the payments) and what the payment system records (:data:`PAYMENT_ACTIVITIES`, with
its own headers :data:`PAYMENT_COLUMNS`, the key spelled ``2024-000001`` instead of
``TVV 2024-000001``, a clock a few minutes fast, and a few planted payments for cases that do not
exist); :func:`write_split` writes both and the project file that merges them back
(``processmining sample --split DIR``; ``event_logs/projects/demo_split.toml`` is that file).

The export is taken at ``start`` + 730 days (00:00): applications arrive over the first 700 days, so
the cases of the last weeks are still open (their later events are not in the export, and their
decision column is empty until "Beslut fattat" is in the export).

Speed: every step is drawn for all cases at once with numpy, working-time arithmetic is vectorised
over a Swedish working calendar, and text is built with pyarrow compute (no per-event Python loop).
Measured on 2 busy cores: 3.5M events (370,000 cases) simulated in 7-9 s and written as CSV in 5-8 s
more (XES 14 s, Parquet 3 s), peak 1.9 GB; figures per size in ``event_logs/README.md``.
"""

from __future__ import annotations

from .process import (
    CLOCK_STOP_PAIRS,
    COLUMNS,
    DISCRETIONARY_ACTIVITIES,
    MESSY_KINDS,
    PLANTED_AUTOMATION_CANDIDATE,
    PLANTED_BOTTLENECK,
    PLANTED_SLOW_REGION,
    REGION_UNIT,
    SimulationResult,
    simulate,
)
from .split import (
    PAYMENT_ACTIVITIES,
    PAYMENT_COLUMNS,
    SPLIT_FILES,
    SplitResult,
    split_project_toml,
    split_sources,
    write_split,
)
from .writers import write_sample

__all__ = [
    "CLOCK_STOP_PAIRS",
    "COLUMNS",
    "DISCRETIONARY_ACTIVITIES",
    "MESSY_KINDS",
    "PLANTED_AUTOMATION_CANDIDATE",
    "PLANTED_BOTTLENECK",
    "PLANTED_SLOW_REGION",
    "REGION_UNIT",
    "PAYMENT_ACTIVITIES",
    "PAYMENT_COLUMNS",
    "SPLIT_FILES",
    "SimulationResult",
    "SplitResult",
    "simulate",
    "split_project_toml",
    "split_sources",
    "write_sample",
    "write_split",
]
