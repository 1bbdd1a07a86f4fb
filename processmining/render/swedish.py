"""The notes, warnings and reject reasons of a run in Swedish, for the Swedish page and workbook.

The messages are made in English where they arise (reading the file, the analyses): that is what
``summary.json``, ``rejects.csv`` and the command line carry, and what a support question quotes. A
Swedish report shows them through :func:`swedish`: each known message, with its figures and names, in
Swedish; anything else unchanged (tests/test_swedish.py checks that every message the shared logs and the
demo log give is known).

Written by hand: the messages are the project's own, and no translation library knows them; a table of
patterns keeps each message's English and Swedish side by side.

Example:
    >>> swedish("timestamp in the future")
    'tidpunkt i framtiden'
    >>> swedish("117 value(s) with a Swedish personal identity number masked (********-****)")
    '117 värde(n) med svenskt personnummer maskerade (********-****)'
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["in_language", "sentence", "swedish"]

_ROLES = {"case": "ärende", "activity": "aktivitet", "timestamp": "tidpunkt", "start": "start",
          "resource": "handläggare", "unit": "enhet", "lifecycle": "livscykel"}
_HOW = {"profile": "profil", "option": "flagga", "detected from its values": "identifierad från värdena"}
_NUMBER_KINDS = {"integers": "heltal", "decimal comma": "decimalkomma", "decimal point": "decimalpunkt"}
_XES_TYPES = {"date": "datum", "int": "heltal", "float": "decimaltal", "boolean": "sanningsvärde", "id": "id",
              "string": "text"}
_ROLE_PART = re.compile(r"(?P<role>case|activity|timestamp|start|resource|unit|lifecycle)="
                        r"(?P<column>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")(?: \((?P<how>[^)]*)\))?")


_KEY_STEPS = [(re.compile(r"(?<![^,\s])strip whitespace(?=,|$)"), "ta bort blanksteg"),
              (re.compile(r"(?<![^,\s])upper-case(?=,|$)"), "versaler"),
              (re.compile(r"(?<![^,\s])strip prefix (?=')"), "ta bort prefixet "),
              (re.compile(r"(?<=') or (?=')"), " eller "),
              (re.compile(r"(?<![^,\s])replace (?P<a>'(?:[^'\\]|\\.)*') by (?=')"), r"ersätt \g<a> med "),
              (re.compile(r"(?<![^,\s])must match "), "måste matcha "),
              (re.compile(r"^as is$"), "oförändrade")]


def _keys(text: str) -> str:
    """A merge's key normalisation (``KeyNormalisation.describe``) in Swedish."""
    for pattern, replacement in _KEY_STEPS:
        text = pattern.sub(replacement, text)
    return text


def _decimal(text: str) -> str:
    return text.replace(".", ",")


def _column(m: re.Match[str]) -> str:
    return f"kolumn {m['column']}: " if m["column"] else ""


def _columns(m: re.Match[str]) -> str:
    def part(p: re.Match[str]) -> str:
        how = p["how"]
        return f"{_ROLES[p['role']]}={p['column']}" + (f" ({_HOW.get(how, how)})" if how else "")

    return "kolumner: " + _ROLE_PART.sub(part, m["parts"])


def _csv(m: re.Match[str]) -> str:
    delimiter = "tabb" if m["delimiter"] == "tab" else m["delimiter"]
    return (f"CSV: teckenkodning {m['encoding']}{' med BOM' if m['bom'] else ''}"
            f"{' (identifierad)' if m['detected'] else ''}, avgränsare {delimiter}"
            f"{', gzip-komprimerad' if m['gzip'] else ''}")


#: (English pattern, Swedish: a template for ``match.expand`` or a function of the match); the whole
#: message must match. Named groups carry the figures and names over unchanged.
_RULES: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    # ---- reject reasons
    (r"missing case id", "ärende-id saknas"),
    (r"missing activity", "aktivitet saknas"),
    (r"missing timestamp", "tidpunkt saknas"),
    (r"unparseable timestamp", "tidpunkten kan inte tolkas"),
    (r"timestamp in the future", "tidpunkt i framtiden"),
    (r"timestamp before (?P<date>\S+) \(implausible\)", r"tidpunkt före \g<date> (orimlig)"),
    (r"unparseable start time", "starttiden kan inte tolkas"),
    (r"timestamp outside the representable range \(years (?P<span>\S+)\)",
     r"tidpunkt utanför det tidsintervall som kan hanteras (åren \g<span>)"),
    (r"impossible UTC offset \(beyond ±18:00, or minutes of 60 or more\)",
     "omöjlig UTC-förskjutning (mer än ±18:00, eller minst 60 minuter)"),
    (r"start before (?P<date>\S+) \(implausible\)", r"starttid före \g<date> (orimlig)"),
    (r"start after completion", "start efter avslut"),
    (r"lifecycle transition (?P<value>.*) not used", r"livscykelövergången \g<value> används inte"),
    (r"start without complete", "start utan avslut"),
    (r"expected (?P<want>\d+) fields, found (?P<got>\d+)", r"\g<want> fält väntades, \g<got> fanns"),
    (r"expected (?P<want>\d+) fields, found (?P<got>\d+); a quote opened in this row is not closed, so "
     r"(?P<lines>[\d,]+) lines were read as one row",
     r"\g<want> fält väntades, \g<got> fanns; ett citattecken i raden stängs aldrig, så \g<lines> rader "
     r"lästes som en"),
    (r"not a valid XES <(?P<type>\w+)>",
     lambda m: f"inte ett giltigt XES-värde av typen {_XES_TYPES.get(m['type'], m['type'])}"),
    # ---- reading the file
    (r"CSV: (?P<detected>detected )?encoding (?P<encoding>.+?)(?P<bom> with BOM)?, delimiter (?P<delimiter>.+?)"
     r"(?P<gzip>, gzip-compressed)?", _csv),
    (r"(?P<n>\d+) empty row\(s\) skipped \(row (?P<rows>.*)\)", r"\g<n> tomma rader hoppades över (rad \g<rows>)"),
    (r"mixed encodings: (?P<n>\d+) line\(s\) were not UTF-8 and were read as Windows-1252",
     r"blandade teckenkodningar: \g<n> rad(er) var inte UTF-8 och lästes som Windows-1252"),
    (r"XLSX: sheet (?P<sheet>.+) of (?P<n>\d+) \((?P<names>.*)\)", r"XLSX: bladet \g<sheet> av \g<n> (\g<names>)"),
    (r"XLSX: header on row (?P<row>\d+) of sheet (?P<sheet>.+)",
     r"XLSX: rubrikraden är rad \g<row> i bladet \g<sheet>"),
    (r"XES: (?P<n>\d+) trace\(s\), parser (?P<parser>.+)", r"XES: \g<n> spår (trace), läst med \g<parser>"),
    (r"XES <global> defaults applied: (?P<events>\d+) event value\(s\), (?P<traces>\d+) trace value\(s\)",
     r"XES-standardvärden (<global>) använda: \g<events> händelsevärde(n), \g<traces> spårvärde(n)"),
    (r"XES: (?P<n>\d+) date\(s\) without UTC offset were read as UTC \(as pm4py does\)",
     r"XES: \g<n> datum utan UTC-förskjutning lästes som UTC (som pm4py gör)"),
    (r"column (?P<column>.+): (?P<n>\d+) distinct Excel serial date number\(s\) converted",
     r"kolumn \g<column>: \g<n> olika Excel-datumnummer omvandlade"),
    (r"column (?P<column>.+): dates read day first, as the data shows \(e\.g\. (?P<example>.*)\)",
     r"kolumn \g<column>: datum lästa med dagen först, som data visar (t.ex. \g<example>)"),
    (r"column (?P<column>.+): dates read month first, as the data shows \(e\.g\. (?P<example>.*)\)",
     r"kolumn \g<column>: datum lästa med månaden först, som data visar (t.ex. \g<example>)"),
    (r"(?:column (?P<column>.+?): )?(?P<n>\d+) time\(s\) fall in the spring-forward gap of (?P<tz>\S+) \(e\.g\. "
     r"(?P<example>.+), read as (?P<read>\S+): the clock had not yet been put forward\)",
     lambda m: (f"{_column(m)}{m['n']} tidpunkt(er) ligger i timmen som hoppas över när klockan ställs fram i "
                f"{m['tz']} (t.ex. {m['example']}, läst som {m['read']}: klockan hade ännu inte ställts fram)")),
    (r"(?:column (?P<column>.+?): )?(?P<n>\d+) time\(s\) fall in the autumn overlap of (?P<tz>\S+) \(e\.g\. "
     r"(?P<example>.+)\): the first occurrence of each was read as summer time, repeats as standard time",
     lambda m: (f"{_column(m)}{m['n']} tidpunkt(er) ligger i timmen som upprepas när klockan ställs tillbaka i "
                f"{m['tz']} (t.ex. {m['example']}): första förekomsten lästes som sommartid, upprepningen som "
                "normaltid")),
    (r"column (?P<column>.+): (?P<n>\d+) time\(s\) without UTC offset read as (?P<tz>\S+) time",
     r"kolumn \g<column>: \g<n> tidpunkt(er) utan UTC-förskjutning lästa som tid i \g<tz>"),
    (r"first column has no header and counts rows \((?P<range>[^)]*)\): a pandas index, dropped",
     r"första kolumnen saknar rubrik och räknar rader (\g<range>): ett pandas-index, borttaget"),
    (r"columns: (?P<parts>.*)", _columns),
    (r"column (?P<column>.+): (?P<n>\d+) event\(s\) with lifecycle 'unknown' kept as completions",
     r"kolumn \g<column>: \g<n> händelse(r) med livscykeln 'unknown' behållna som avslut"),
    (r"(?P<n>\d+) exact duplicate row\(s\) removed \(row (?P<rows>.*)\)",
     r"\g<n> exakta dubbletter borttagna (rad \g<rows>)"),
    (r"lifecycle: (?P<pairs>\d+) start/complete pair\(s\) merged into one event each \(start_timestamp\); "
     r"(?P<alone>\d+) completion\(s\) without a start kept",
     r"livscykel: \g<pairs> par av start och avslut sammanslagna till en händelse vardera (start_timestamp); "
     r"\g<alone> avslut utan start behållna"),
    (r"(?P<n>\d+) value\(s\) with a Swedish personal identity number masked \(\*{8}-\*{4}\)",
     r"\g<n> värde(n) med svenskt personnummer maskerade (********-****)"),
    (r"pseudonymised with the key: (?P<columns>.+)", r"pseudonymiserade med nyckeln: \g<columns>"),
    (r"already pseudonyms, kept as they are: (?P<columns>.+)", r"redan pseudonymer, behållna som de är: \g<columns>"),
    (r"numbers \((?P<kind>[^)]+)\): (?P<columns>.+)",
     lambda m: f"tal ({_NUMBER_KINDS.get(m['kind'], m['kind'])}): {m['columns']}"),
    (r"activity labels merged into (?P<winner>.+?): (?P<spellings>.+)",
     r"aktivitetsnamn sammanslagna till \g<winner>: \g<spellings>"),
    (r"activity labels differ only in case or spacing: (?P<spellings>.+); pass --merge-labels to merge them "
     r"into the most frequent",
     r"aktivitetsnamn skiljer sig bara i versaler eller mellanrum: \g<spellings>; ange --merge-labels för att slå "
     r"ihop dem till det vanligaste"),
    (r"\.\.\. and (?P<n>\d+) more such label groups", r"... och \g<n> fler sådana grupper av namn"),
    (r"(?P<n>\d+) attribute value\(s\) could not be read as their declared type and are empty \(first: row "
     r"(?P<row>\d+), column (?P<column>.+): (?P<value>.*)\)",
     r"\g<n> attributvärde(n) kunde inte läsas som sin angivna typ och är tomma (första: rad \g<row>, kolumn "
     r"\g<column>: \g<value>)"),
    (r"(?P<n>\d+) row\(s\) are exact copies of an earlier row \(row (?P<rows>.*)\); kept as events\. Pass "
     r"--drop-duplicates \(or drop_duplicates in the profile\) to remove them",
     r"\g<n> rad(er) är exakta kopior av en tidigare rad (rad \g<rows>); behållna som händelser. Ange "
     r"--drop-duplicates (eller drop_duplicates i profilen) för att ta bort dem"),
    (r"profile attribute column\(s\) not in the file: (?P<columns>.+)",
     r"attributkolumn(er) i profilen som inte finns i filen: \g<columns>"),
    (r"some case ids contain a Swedish personal identity number; they are kept as ids \(pseudonymise them in the "
     r"source system\)",
     "några ärende-id innehåller ett svenskt personnummer; de behålls som id (pseudonymisera dem i källsystemet)"),
    # ---- merging several exports (each message also with its system's name first, see swedish())
    (r"(?P<system>[^:]+): (?P<path>.+): (?P<read>\d+) row\(s\) read, (?P<kept>\d+) event\(s\) kept, "
     r"(?P<rejected>\d+) rejected, (?P<dups>\d+) duplicate\(s\) removed(?:, clock offset (?P<offset>\S+))?; "
     r"keys: (?P<keys>.+)",
     lambda m: (f"{m['system']}: {m['path']}: {m['read']} rader lästa, {m['kept']} händelser behållna, "
                f"{m['rejected']} avvisade, {m['dups']} dubbletter borttagna"
                f"{', klockan förskjuten ' + m['offset'] if m['offset'] else ''}; nycklar: {_keys(m['keys'])}")),
    (r"(?P<system>[^:]+): (?P<n>\d+) case key\(s\) could not be normalised \((?P<keys>.+)\); (?P<rows>\d+) "
     r"row\(s\) rejected: (?P<examples>.+)",
     lambda m: (f"{m['system']}: {m['n']} ärendenyckel/nycklar kunde inte normaliseras ({_keys(m['keys'])}); "
                f"{m['rows']} rad(er) avvisade: {m['examples']}")),
    (r"(?P<system>[^:]+): (?P<n>\d+) case key\(s\) not in (?P<primary>[^;]+); (?P<rows>\d+) row\(s\) "
     r"(?P<what>rejected|kept as cases of their own): (?P<examples>.+)",
     lambda m: (f"{m['system']}: {m['n']} ärendenyckel/nycklar finns inte i {m['primary']}; {m['rows']} rad(er) "
                f"{'avvisade' if m['what'] == 'rejected' else 'behållna som egna ärenden'}: {m['examples']}")),
    (r"case key could not be normalised \((?P<keys>.+)\)",
     lambda m: f"ärendenyckeln kunde inte normaliseras ({_keys(m['keys'])})"),
    (r"case key not in (?P<primary>.+)", r"ärendenyckeln finns inte i \g<primary>"),
    (r"(?P<column>.+): the sources disagree for (?P<n>\d+) case\(s\); each event keeps its source's value",
     r"\g<column>: källorna är oense för \g<n> ärende(n); varje händelse behåller sin källas värde"),
    (r"(?P<n>\d+) event\(s\) have the same case, activity and time in more than one source \(both kept\): do two "
     r"systems record the same step\?",
     r"\g<n> händelse(r) har samma ärende, aktivitet och tid i mer än en källa (båda behållna): registrerar två "
     r"system samma steg?"),
    # ---- the analyses
    (r"No end activity given or found: every case counts as closed \(pass end activities to tell open cases "
     r"apart\)\.",
     "Ingen slutaktivitet angiven eller funnen: alla ärenden räknas som avslutade (ange slutaktiviteter för att "
     "skilja ut de öppna)."),
    (r"(?P<n>\d+) clock-stop request\(s\) without a later answer: the clock restarts at the case's next event\.",
     r"\g<n> klockstopp utan senare svar: klockan går igen från ärendets nästa händelse."),
    (r"No start timestamps: service times are not computed; waits end at the next completion\.",
     "Inga starttider: handläggningstiden per aktivitet beräknas inte; väntan slutar vid nästa avslut."),
    (r"(?P<n>\d+) wait\(s\) are negative \(an event started before the previous one finished\); they are kept in "
     r"the figures\.",
     r"\g<n> väntetid(er) är negativa (en händelse startade innan den föregående var klar); de ingår i siffrorna."),
    (r"No unit column \(org:group\): work in progress is shown for all cases only\.",
     "Ingen enhetskolumn (org:group): pågående ärenden visas bara för alla ärenden tillsammans."),
    (r"(?P<n>\d+) event\(s\) have no (?P<what>unit|resource); the (?P<steps>\d+) step\(s\) to or from them are "
     r"not counted as handovers\.",
     lambda m: (f"{m['n']} händelse(r) saknar {'enhet' if m['what'] == 'unit' else 'handläggare'}; de "
                f"{m['steps']} stegen till eller från dem räknas inte som överlämningar.")),
    (r"Not shown \(about fewer than (?P<k>\d+) cases\): (?P<nodes>\d+) unit\(s\), (?P<edges>\d+) edge\(s\) with "
     r"(?P<handovers>\d+) handover\(s\)\.",
     r"Visas inte (färre än \g<k> ärenden): \g<nodes> enhet(er), \g<edges> kant(er) med \g<handovers> "
     r"överlämning(ar)."),
    (r"Not shown \(about fewer than (?P<k>\d+) cases\): (?P<nodes>\d+) resource\(s\), (?P<edges>\d+) edge\(s\) "
     r"with (?P<handovers>\d+) handover\(s\)\.",
     r"Visas inte (färre än \g<k> ärenden): \g<nodes> handläggare, \g<edges> kant(er) med \g<handovers> "
     r"överlämning(ar)."),
    (r"Not shown \(about fewer than (?P<k>\d+) cases\): (?P<pairs>\d+) ping-pong pair\(s\), (?P<rows>\d+) "
     r"waiting-time row\(s\)\.",
     r"Visas inte (färre än \g<k> ärenden): \g<pairs> par som bollar ärenden fram och tillbaka, \g<rows> rad(er) "
     r"med väntetider."),
    (r"Betweenness is estimated from (?P<sample>\d+) sampled nodes \(the graph has (?P<n>\d+) nodes\)\.",
     r"Mellanhetscentraliteten är uppskattad från \g<sample> slumpvis valda noder (grafen har \g<n> noder)."),
    (r"(?P<n>\d+) edge\(s\) about fewer than (?P<k>\d+) cases in both periods are not shown\.",
     r"\g<n> kant(er) med färre än \g<k> ärenden i båda perioderna visas inte."),
    (r"no unit column: handovers are shown between \(pseudonymised\) case officers",
     "ingen enhetskolumn: överlämningarna visas mellan (pseudonymiserade) handläggare"),
    (r"no unit column, and case officers are not pseudonymised: no handover graph \(run "
     r"`processmining handovers LOG --level resource --show-names` to draw one with real ids\)",
     "ingen enhetskolumn, och handläggarna är inte pseudonymiserade: ingen överlämningsgraf (kör "
     "`processmining handovers LOG --level resource --show-names` för att rita en med riktiga id:n)"),
    (r"the log has neither a unit nor a resource column: no handover graph",
     "loggen har varken en enhets- eller en handläggarkolumn: ingen överlämningsgraf"),
    (r"the log has no resource column: system users cannot be recognised, every step counts as manual",
     "loggen har ingen handläggarkolumn: systemanvändare kan inte kännas igen, varje steg räknas som manuellt"),
    (r"the log has no resource column: system users cannot be recognised, every step counts as manual; "
     r"org:group stands in for the performer",
     "loggen har ingen handläggarkolumn: systemanvändare kan inte kännas igen, varje steg räknas som manuellt; "
     "enheten (org:group) får stå för utföraren"),
    (r"resources are pseudonymised and none matches the system-user patterns: steps done by systems count as "
     r"manual; read the log with --no-pseudonymise \(this analysis shows no names\)",
     "handläggarna är pseudonymiserade och ingen matchar mönstren för systemanvändare: steg som system gör räknas "
     "som manuella; läs loggen med --no-pseudonymise (analysen visar inga namn)"),
    (r"the log spans only (?P<days>[\d.]+) days: per-month and per-year figures extrapolate from it",
     lambda m: f"loggen omfattar bara {_decimal(m['days'])} dagar: siffror per månad och år är uppräknade från den"),
    # ---- how the map was simplified (the parts of Simplification.rule, joined by "; ")
    (r"all activities \(the log has at most (?P<n>\d+)\)", r"alla aktiviteter (loggen har högst \g<n>)"),
    (r"the (?P<n>\d+) most frequent activities \(the log has (?P<m>\d+), more than (?P<t>\d+)\)",
     r"de \g<n> vanligaste aktiviteterna (loggen har \g<m>, fler än \g<t>)"),
    (r"activities covering (?P<x>[\d.]+) % of events",
     lambda m: f"aktiviteter som täcker {_decimal(m['x'])} % av händelserna"),
    (r"at most the (?P<n>\d+) most frequent paths and those that keep the map connected",
     r"högst de \g<n> vanligaste vägarna och de som håller ihop kartan"),
    (r"paths covering (?P<x>[\d.]+) % of transitions",
     lambda m: f"vägar som täcker {_decimal(m['x'])} % av övergångarna"),
    (r"(?P<a>\d+) of (?P<b>\d+) activities \((?P<p>[^)]*) of events\), (?P<c>\d+) of (?P<d>\d+) paths "
     r"\((?P<q>[^)]*) of transitions\)",
     lambda m: (f"{m['a']} av {m['b']} aktiviteter ({_decimal(m['p'])} av händelserna), {m['c']} av {m['d']} vägar "
                f"({_decimal(m['q'])} av övergångarna)")),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), swedish_text) for pattern, swedish_text in _RULES]
#: A merged log's messages carry their source system first ("ärendesystem: ..."); the rest is translated.
_SYSTEM_PREFIX = re.compile(r"(?P<system>[^:\s][^:]*): (?P<rest>.+)", re.DOTALL)


def _known(text: str) -> str | None:
    for pattern, swedish_text in _COMPILED:
        m = pattern.fullmatch(text)
        if m is not None:
            return swedish_text(m) if callable(swedish_text) else m.expand(swedish_text)
    return None


def swedish(text: str) -> str:
    """``text`` (a note, warning or reject reason of this tool) in Swedish; unchanged if it is not one of
    them. A merged log's ``"system: message"`` keeps its system's name; parts joined by ``"; "`` (the map's
    simplification rule) are translated one by one."""
    known = _known(text)
    if known is not None:
        return known
    if "; " in text:
        parts = text.split("; ")
        translated = [_known(part) for part in parts]
        if all(t is not None for t in translated):
            return "; ".join(t for t in translated if t is not None)
    m = _SYSTEM_PREFIX.fullmatch(text)
    if m is not None:
        rest = _known(m["rest"])
        if rest is not None:
            system = m["system"]
            return f"{'kolumn ' + system.removeprefix('column ') if system.startswith('column ') else system}: {rest}"
    return text


def sentence(text: str) -> str:
    """``text`` as a sentence: a capital first letter and a full stop (for a note that stands alone)."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def in_language(text: object, lang: str) -> str:
    """A note, warning or reject reason of the run in a report's language: :func:`swedish` for ``"sv"``,
    as it is for ``"en"`` (what the page and the workbook show)."""
    return swedish(str(text)) if lang == "sv" else str(text)
