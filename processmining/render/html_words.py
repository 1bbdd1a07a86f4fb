"""The words of ``report.html`` in Swedish and English: section titles, labels, captions and the provenance
table's rows (kept apart from the page's building code, which :mod:`processmining.render.html` holds)."""

from __future__ import annotations

__all__ = ["PROVENANCE_LABELS", "WORDS"]

WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "kicker": "Processanalys", "skip": "Hoppa till innehållet", "toc": "Innehåll",
        "fix": "Åtgärda först", "fix_none": "Ingen övergång väntar längre än en typisk väntan: inga flaskhalsar att "
        "åtgärda först.", "then": "Därefter:", "automate_line": "Bäst att automatisera:",
        "automate_text": "{activity} (poäng {score}, uppskattningsvis {hours} timmar per år)",
        "figures": "Nyckeltal", "cases": "Ärenden", "events": "Händelser", "activities": "Aktiviteter",
        "variants": "Varianter", "period": "Period", "median_tp": "Genomloppstid, median",
        "p90_tp": "Genomloppstid, 90 % inom", "open_closed": "Öppna / avslutade", "rejected": "Avvisade rader",
        "duplicates": "{n} dubbletter borttagna", "open_small": "vid loggens slut",
        "map": "Processkarta", "map_missing": "Ingen processkarta: kartan ritas av process_map.svg och skickades "
        "inte med till sidan.",
        "frequency": "Frekvens", "performance": "Väntetid", "zoom_in": "Zooma in", "zoom_out": "Zooma ut",
        "reset": "Återställ", "show": "Visa", "map_label": "Processkarta, {mode}",
        "map_help": "Zooma med hjulet (klicka först på kartan), knapparna eller tangenterna + och −, 0 återställer. "
        "Dra med musen eller använd piltangenterna för att flytta. Frekvens visar hur många ärenden som går "
        "varje väg; väntetid visar hur länge de väntar mellan stegen.",
        "map_simplification": "Kartan visar {a} av {a_total} aktiviteter ({a_share} av händelserna) och {e} av "
        "{e_total} vägar ({e_share} av övergångarna).",
        "bottlenecks": "Flaskhalsar", "bn_intro": "Poängen är väntan utöver en typisk väntan ({baseline} {unit}, "
        "medianen av alla övergångar), summerad över ärendena. {calendar}",
        "bn_caption": "Övergångar rangordnade efter tillförd väntan", "rank": "Rang", "transition": "Övergång",
        "count": "Antal", "median_wait": "Median väntan", "mean_wait": "Medel", "p90_wait": "90 % inom",
        "share_wait": "Andel av all väntan", "applicant_share": "Sökandens andel", "score": "Poäng",
        "bn_act_caption": "Aktiviteter rangordnade efter väntan före och handläggningstid",
        "activity": "Aktivitet", "wait_before": "Median väntan före", "service": "Median handläggning",
        "shown_of": "visar {n} av {m}", "unit_note": "({unit})",
        "charts": "Genomloppstid, volym och pågående ärenden", "show_numbers": "Visa siffrorna",
        "hist_caption": "Ärenden per genomloppstid", "from_to": "Genomloppstid ({unit})",
        "trend_caption": "Per {period}", "period_col": "Period", "started": "Startade", "completed": "Avslutade",
        "median_tp_col": "Median genomloppstid ({unit})", "median_agency_col": "Median handläggningstid ({unit})",
        "breach_col": "Andel över målet",
        "sla": "Mål och sökandens tid", "sla_none": "Inget mål angivet för handläggningstiden.",
        "sla_caption": "Måluppfyllelse", "closed": "Avslutade", "breaching": "Över målet", "open": "Öppna",
        "overdue": "Öppna och redan försenade", "median_late": "Median försening ({unit})",
        "agency_caption": "Tid per ärende ({unit})", "measure": "Mått", "median": "Median", "mean": "Medel",
        "p90": "90 % inom", "agency": "Handläggningstid (utan sökandens tid)", "throughput": "Genomloppstid",
        "applicant": "Sökandens tid", "overdue_caption": "Öppna ärenden med minst tid kvar",
        "case": "Ärende", "measured": "Hittills ({unit})", "target": "Mål ({unit})", "time_left": "Tid kvar ({unit})",
        "rework": "Omarbete", "rework_text": "{n} av {m} ärenden ({share}) har minst ett steg som görs om.",
        "rework_caption": "Aktiviteter som görs om", "repeats": "Upprepningar", "same": "Samma handläggare",
        "other": "Annan handläggare", "cases_repeat": "Ärenden med upprepning", "share_cases": "Andel av ärendena",
        "pingpong_caption": "Pingpong: X → Y → X", "level": "Nivå", "from": "Från", "via": "Via",
        "occurrences": "Förekomster", "to": "Till", "level_unit": "enhet", "level_activity": "aktivitet",
        "no_rework": "Inga steg görs om.",
        "variants_h": "Varianter", "variants_text": "{n} varianter; de {k} vanligaste täcker {share} av ärendena.",
        "variant_caption": "De vanligaste varianterna", "variant": "Variant", "share": "Andel",
        "cumulative": "Kumulativ andel", "events_col": "Steg", "median_days": "Median genomloppstid (kalenderdagar)",
        "handovers": "Överlämningar", "handover_text": "{handovers} överlämningar mellan {nodes} {what} i "
        "{cases} av {total} ärenden (bara grupper med minst {k} ärenden visas).",
        "nodes_unit": "enheter", "nodes_resource": "handläggare",
        "handover_map": "Karta över överlämningar", "handover_caption": "Överlämningar, flest först",
        "handover_col": "Överlämningar", "median_delay": "Median fördröjning ({unit})",
        "reverse": "Åt andra hållet", "hubs_caption": "Nav i nätverket (PageRank)", "node": "Nod",
        "pagerank": "PageRank", "betweenness": "Mellanhet", "in": "In", "out": "Ut",
        "received": "Mottaget från andra", "community": "Grupp", "handover_map_label": "Karta över "
        "överlämningar mellan {what}",
        "handover_map_help": "Linjens bredd visar antal överlämningar, färg och etikett median väntetid.",
        "no_graphviz": "Kartan kunde inte ritas: graphviz (dot) saknas.",
        "perspectives": "Perspektiv", "persp_title": "Perspektiv: {attribute}",
        "persp_none": "Ingen grupp väntar påtagligt längre än övriga på någon övergång.",
        "persp_intro": "Ärendena jämförda per {attribute}: {n} grupper med minst {k} ärenden. {calendar}.",
        "persp_event_level": "En övergång hör till gruppen på den händelse den leder till.",
        "persp_rule": "En skillnad visas när gruppens median väntan på övergången är minst {ratio} gånger övrigas "
        "och minst {diff} {unit} längre, både gruppen och övriga har minst {k} övergångar och ett ensidigt "
        "Mann–Whitney-test ger p ≤ {p}. Övriga är alla övergångar på samma väg utanför gruppen. Varje grupps "
        "största flaskhalsar står i arbetsbokens flik Perspektiv.",
        "persp_excluded": "{n} grupp(er) med färre än {k} ärenden är utelämnade: {groups}.",
        "persp_missing": "{n} ärende(n) saknar värde för {attribute} och ingår inte i någon grupp.",
        "persp_groups_caption": "Grupperna sida vid sida, flest ärenden först", "group": "Grupp",
        "persp_worst": "Största flaskhals (median väntan)", "persp_n_diff": "Skillnader",
        "persp_diff_caption": "Där en grupp väntar längre än övriga, störst kvot först",
        "group_median": "Gruppens median väntan ({unit})", "others_median": "Övrigas median väntan ({unit})",
        "ratio": "Gånger längre", "difference": "Skillnad ({unit})", "transitions": "Övergångar",
        "p_value": "p-värde",
        "candidates": "Automatiseringskandidater", "cand_caption": "Aktiviteter efter hur väl de lämpar sig för "
        "automatisering", "status": "Status", "hours": "Timmar per år", "why": "Varför",
        "st_ranked": "Kandidat", "st_needs_human": "Kräver beslut av människa",
        "st_already_automated": "Redan automatiserad", "st_external": "Händelse utifrån",
        "st_too_few_events": "För få händelser", "cand_note": "Poäng 0–1: viktat medel av volym, förutsägbarhet, "
        "jämnhet, kö och omarbete. Steg som kräver ett beslut av en människa rangordnas aldrig.",
        "quality": "Datakvalitet", "quality_text": "{read} rader lästa: {kept} händelser används, {rejected} rader "
        "avvisades och {dups} exakta dubbletter togs bort.", "reasons_caption": "Avvisade rader per orsak",
        "reason": "Orsak", "rows": "Rader", "rejects_caption": "Avvisade rader", "row": "Rad", "column": "Kolumn",
        "value": "Värde", "no_rejects": "Inga rader avvisades.", "source_notes": "Vid inläsningen",
        "warnings": "Varningar", "analysis_notes": "Att veta om siffrorna",
        "provenance": "Metod och ursprung", "prov_caption": "Varifrån siffrorna kommer",
        "prov_intro": "Samma uppgifter står i arbetsbokens metodblad och i summary.json.",
        "item": "Uppgift", "detail": "Värde", "footer": "Skapad med {tool}, {when}.",
        "yes": "ja", "no": "nej", "none": "–", "empty": "(tomt)",
    },
    "en": {
        "kicker": "Process analysis", "skip": "Skip to content", "toc": "Contents",
        "fix": "Fix first", "fix_none": "No transition waits longer than a typical wait: no bottleneck to fix first.",
        "then": "Then:", "automate_line": "Best to automate:",
        "automate_text": "{activity} (score {score}, an estimated {hours} hours a year)",
        "figures": "Key figures", "cases": "Cases", "events": "Events", "activities": "Activities",
        "variants": "Variants", "period": "Period", "median_tp": "Throughput time, median",
        "p90_tp": "Throughput time, 90% within", "open_closed": "Open / closed", "rejected": "Rejected rows",
        "duplicates": "{n} duplicates removed", "open_small": "at the end of the log",
        "map": "Process map", "map_missing": "No process map: the map is drawn by process_map.svg and was not passed "
        "to the page.",
        "frequency": "Frequency", "performance": "Waiting time", "zoom_in": "Zoom in", "zoom_out": "Zoom out",
        "reset": "Reset", "show": "Show", "map_label": "Process map, {mode}",
        "map_help": "Zoom with the wheel (click the map first), the buttons or the + and − keys; 0 resets. Drag "
        "with the mouse or use the arrow keys to move. Frequency shows how many cases take each path; waiting "
        "time shows how long they wait between steps.",
        "map_simplification": "The map shows {a} of {a_total} activities ({a_share} of the events) and {e} of "
        "{e_total} paths ({e_share} of the transitions).",
        "bottlenecks": "Bottlenecks", "bn_intro": "The score is the waiting beyond a typical wait ({baseline} "
        "{unit}, the median of all transitions), summed over the cases. {calendar}",
        "bn_caption": "Transitions ranked by the waiting they add", "rank": "Rank", "transition": "Transition",
        "count": "Count", "median_wait": "Median wait", "mean_wait": "Mean", "p90_wait": "90% within",
        "share_wait": "Share of all waiting", "applicant_share": "Applicant's share", "score": "Score",
        "bn_act_caption": "Activities ranked by the wait before them and their service time",
        "activity": "Activity", "wait_before": "Median wait before", "service": "Median service time",
        "shown_of": "showing {n} of {m}", "unit_note": "({unit})",
        "charts": "Throughput time, volume and work in progress", "show_numbers": "Show the numbers",
        "hist_caption": "Cases by throughput time", "from_to": "Throughput time ({unit})",
        "trend_caption": "Per {period}", "period_col": "Period", "started": "Started", "completed": "Completed",
        "median_tp_col": "Median throughput time ({unit})", "median_agency_col": "Median agency time ({unit})",
        "breach_col": "Share over target",
        "sla": "Targets and the applicant's time", "sla_none": "No handling-time target given.",
        "sla_caption": "Targets met", "closed": "Closed", "breaching": "Over target", "open": "Open",
        "overdue": "Open and already overdue", "median_late": "Median delay ({unit})",
        "agency_caption": "Time per case ({unit})", "measure": "Measure", "median": "Median", "mean": "Mean",
        "p90": "90% within", "agency": "Agency time (applicant's time excluded)", "throughput": "Throughput time",
        "applicant": "Applicant's time", "overdue_caption": "Open cases with the least time left",
        "case": "Case", "measured": "So far ({unit})", "target": "Target ({unit})", "time_left": "Time left ({unit})",
        "rework": "Rework", "rework_text": "{n} of {m} cases ({share}) have at least one step done again.",
        "rework_caption": "Activities done again", "repeats": "Repeats", "same": "Same case officer",
        "other": "Other case officer", "cases_repeat": "Cases with a repeat", "share_cases": "Share of cases",
        "pingpong_caption": "Ping-pong: X → Y → X", "level": "Level", "from": "From", "via": "Via",
        "occurrences": "Occurrences", "to": "To", "level_unit": "unit", "level_activity": "activity",
        "no_rework": "No step is done again.",
        "variants_h": "Variants", "variants_text": "{n} variants; the {k} most frequent cover {share} of the cases.",
        "variant_caption": "The most frequent variants", "variant": "Variant", "share": "Share",
        "cumulative": "Cumulative share", "events_col": "Steps", "median_days": "Median throughput (calendar days)",
        "handovers": "Handovers", "handover_text": "{handovers} handovers between {nodes} {what} in {cases} of "
        "{total} cases (only groups of at least {k} cases are shown).",
        "nodes_unit": "units", "nodes_resource": "case officers",
        "handover_map": "Handover map", "handover_caption": "Handovers, most first",
        "handover_col": "Handovers", "median_delay": "Median delay ({unit})",
        "reverse": "The other way", "hubs_caption": "Hubs of the network (PageRank)", "node": "Node",
        "pagerank": "PageRank", "betweenness": "Betweenness", "in": "In", "out": "Out",
        "received": "Received from others", "community": "Group", "handover_map_label": "Map of handovers between "
        "{what}",
        "handover_map_help": "Line width shows the number of handovers, colour and label the median waiting time.",
        "no_graphviz": "The map could not be drawn: graphviz (dot) is missing.",
        "perspectives": "Perspectives", "persp_title": "Perspectives: {attribute}",
        "persp_none": "No group waits markedly longer than the others on any edge.",
        "persp_intro": "The cases compared by {attribute}: {n} groups of at least {k} cases. {calendar}.",
        "persp_event_level": "A transition belongs to the group of the event it leads to.",
        "persp_rule": "A difference is shown when the group's median wait on the transition is at least {ratio} "
        "times the others' and at least {diff} {unit} longer, the group and the others have at least {k} "
        "transitions each and a one-sided Mann–Whitney test gives p ≤ {p}. The others are every transition on "
        "the same path outside the group. Each group's top bottlenecks are on the workbook's Perspectives sheet.",
        "persp_excluded": "{n} group(s) with fewer than {k} cases left out: {groups}.",
        "persp_missing": "{n} case(s) have no value for {attribute} and are in no group.",
        "persp_groups_caption": "The groups side by side, most cases first", "group": "Group",
        "persp_worst": "Largest bottleneck (median wait)", "persp_n_diff": "Differences",
        "persp_diff_caption": "Where a group waits longer than the others, largest ratio first",
        "group_median": "Group's median wait ({unit})", "others_median": "Others' median wait ({unit})",
        "ratio": "Times longer", "difference": "Difference ({unit})", "transitions": "Transitions",
        "p_value": "p-value",
        "candidates": "Automation candidates", "cand_caption": "Activities by how well they suit automation",
        "status": "Status", "hours": "Hours a year", "why": "Why",
        "st_ranked": "Candidate", "st_needs_human": "Needs a human decision",
        "st_already_automated": "Already automated", "st_external": "Outside event",
        "st_too_few_events": "Too few events", "cand_note": "Score 0–1: a weighted mean of volume, predictability, "
        "steadiness, queue and rework. Steps that need a human decision are never ranked.",
        "quality": "Data quality", "quality_text": "{read} rows read: {kept} events used, {rejected} rows rejected "
        "and {dups} exact duplicates removed.", "reasons_caption": "Rejected rows by reason",
        "reason": "Reason", "rows": "Rows", "rejects_caption": "Rejected rows", "row": "Row", "column": "Column",
        "value": "Value", "no_rejects": "No row was rejected.", "source_notes": "While reading",
        "warnings": "Warnings", "analysis_notes": "Good to know about the figures",
        "provenance": "Method and provenance", "prov_caption": "Where the figures come from",
        "prov_intro": "The same facts are in the workbook's method sheet and in summary.json.",
        "item": "Item", "detail": "Value", "footer": "Made with {tool}, {when}.",
        "yes": "yes", "no": "no", "none": "–", "empty": "(empty)",
    },
}
PROVENANCE_LABELS = {
    "sv": {"input": "Indatafil", "sha256": "SHA-256", "format": "Format", "rows_read": "Rader lästa",
           "events_kept": "Händelser kvar", "rows_rejected": "Avvisade rader", "duplicates_removed":
           "Dubbletter borttagna", "column_mapping": "Kolumner", "timezone": "Tidszon", "pseudonymised":
           "Pseudonymiserad", "notes": "Anteckningar", "warnings": "Varningar", "calendar": "Kalender",
           "map_simplification": "Kartans förenkling", "parameters": "Parametrar", "tool": "Verktyg",
           "python": "Python", "run_started": "Körningen startade", "run_finished": "Körningen klar"},
    "en": {"input": "Input file", "sha256": "SHA-256", "format": "Format", "rows_read": "Rows read",
           "events_kept": "Events kept", "rows_rejected": "Rows rejected", "duplicates_removed": "Duplicates removed",
           "column_mapping": "Columns", "timezone": "Time zone", "pseudonymised": "Pseudonymised",
           "notes": "Notes", "warnings": "Warnings", "calendar": "Calendar", "map_simplification":
           "Map simplification", "parameters": "Parameters", "tool": "Tool", "python": "Python",
           "run_started": "Run started", "run_finished": "Run finished"},
}
