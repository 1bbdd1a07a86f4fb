"""Privacy at ingest: keyed pseudonyms for case officers, masked Swedish personal identity numbers.

Pseudonyms are ``"H-"`` plus the first 10 hex digits of HMAC-SHA256(key, name): stable for one key
(the same officer gets the same pseudonym in every log and report), unlinkable without it. The key
comes from ``PROCESSMINING_PSEUDONYM_KEY`` (the text itself), else from the file named by
``PROCESSMINING_PSEUDONYM_KEY_FILE``, else from ``./.processmining/pseudonym.key``, else from the user's
configuration folder (``$XDG_CONFIG_HOME/processmining/pseudonym.key``, by default
``~/.config/processmining/pseudonym.key``). When none exists, the first read that needs a key creates it
there (mode 0600) and says so in one line on stderr; ``processmining keygen`` writes one on purpose. The
key's text (stripped) is used as the HMAC key bytes. See docs/privacy-key.md.

Personal identity numbers (personnummer, and samordningsnummer whose day is 61-91), with or without
century and with or without ``-``/``+``, are masked digit by digit with ``*`` keeping separators
(``19121212-1212`` -> ``********-****``, ``121212-1212`` -> ``******-****``) wherever they occur in a
text value. Only numbers whose check digit passes the Luhn test are masked, so order numbers and the
like survive.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "are_pseudonyms",
    "count_masked",
    "default_key_path",
    "key_available",
    "load_key",
    "luhn_ok",
    "mask_and_count",
    "mask_personal_numbers",
    "pseudonymise",
    "user_key_path",
    "write_key",
]

KEY_ENV = "PROCESSMINING_PSEUDONYM_KEY"
KEY_FILE_ENV = "PROCESSMINING_PSEUDONYM_KEY_FILE"
NO_KEY_MESSAGE = (
    "run `processmining keygen --out FILE` and set PROCESSMINING_PSEUDONYM_KEY_FILE=FILE, or set "
    "PROCESSMINING_PSEUDONYM_KEY, or pass --no-pseudonymise to keep names"
)
#: The project-local key file (what ``keygen`` wrote before keys lived in the configuration folder).
LOCAL_KEY_PATH = Path(".processmining") / "pseudonym.key"

#: Candidate personal identity numbers: optional century, YYMMDD (day 01-31 or 61-91 for
#: samordningsnummer), optional - or +, four digits; not part of a longer run of digits.
_PNR = (
    r"(?<![0-9])(?:19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
    r"[-+]?[0-9]{4}(?![0-9])"
)
_PNR_RE = re.compile(_PNR)
#: The same without look-arounds, for pyarrow's RE2 pre-filter (a superset of _PNR's matches).
_PNR_PREFILTER = r"[0-9]{6}[-+]?[0-9]{4}"


def user_key_path() -> Path:
    """The key file in the user's configuration folder: ``$XDG_CONFIG_HOME/processmining/pseudonym.key``,
    ``~/.config/processmining/pseudonym.key`` when that variable is unset or not an absolute path.

    Hand-written rather than platformdirs (not among the project's dependencies) for one path: the XDG
    base-directory rule that Linux servers and desktops follow.

    Raises:
        ConfigError: no home folder is known (``HOME`` unset and no password entry).
    """
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "processmining" / "pseudonym.key"
    try:
        home = Path.home()
    except (RuntimeError, KeyError) as exc:
        raise ConfigError(f"no home folder for the pseudonymisation key; {NO_KEY_MESSAGE}") from exc
    return home / ".config" / "processmining" / "pseudonym.key"


def default_key_path() -> Path:
    """Where ``keygen`` writes by default and a key is created on first use: :func:`user_key_path`."""
    return user_key_path()


def key_available() -> bool:
    """Whether a key is configured or already created (what :func:`load_key` would read, without creating one)."""
    if os.environ.get(KEY_ENV, "").strip() or os.environ.get(KEY_FILE_ENV, "").strip() or LOCAL_KEY_PATH.exists():
        return True
    try:
        return user_key_path().exists()
    except ConfigError:
        return False


def load_key(*, create: bool = True) -> bytes:
    """The pseudonymisation key: env var, else the key file named by the env var, else
    ``./.processmining/pseudonym.key``, else the one in the user's configuration folder (see the module
    docstring), created there on first use (unless ``create`` is false) with one line on stderr.

    Raises:
        ConfigError: the file named by ``PROCESSMINING_PSEUDONYM_KEY_FILE`` does not exist, a key file is
            empty or unreadable, or no key exists and none can be created (or ``create`` is false).
    """
    text = os.environ.get(KEY_ENV, "").strip()
    if text:
        return text.encode("utf-8")
    named = os.environ.get(KEY_FILE_ENV, "").strip()
    if named:
        if not Path(named).exists():
            raise ConfigError(f"{named}: key file named by {KEY_FILE_ENV} does not exist; {NO_KEY_MESSAGE}")
        return _read_key(Path(named))
    if LOCAL_KEY_PATH.exists():
        return _read_key(LOCAL_KEY_PATH)
    path = user_key_path()
    if path.exists():
        return _read_key(path)
    if not create:
        raise ConfigError(f"no pseudonymisation key in {path}: {NO_KEY_MESSAGE}")
    try:
        created = _create_key(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot create the pseudonymisation key ({exc.strerror or exc}); "
                          f"{NO_KEY_MESSAGE}") from exc
    key = _read_key(path)
    if created:
        # One line, on stderr (stdout may carry --json): the key decides every pseudonym from now on.
        print(f"processmining: created the pseudonymisation key {path} (mode 0600); keep it secret and back it "
              "up: reports made with another key show other pseudonyms for the same case officers. To share "
              "one key, copy this file to the same place on the analysts' machines and the flows' workers, or "
              f"set {KEY_ENV} (or {KEY_FILE_ENV}) there; see docs/privacy-key.md", file=sys.stderr, flush=True)
    return key


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the pseudonymisation key ({exc})") from exc
    if not text:
        raise ConfigError(f"{path}: the pseudonymisation key file is empty; run `processmining keygen --force`")
    return text.encode("utf-8")


def _create_key(path: Path) -> bool:
    """Create a new key at ``path`` unless one appears there first; whether this call created it.

    Written whole into a private temporary file and linked into place: the key file never exists half
    written, and of two processes starting at once (a flow's parallel tasks) one key wins and both use it.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = (secrets.token_hex(32) + "\n").encode("ascii")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pseudonym.key.", suffix=".tmp")  # mode 0600
    try:
        try:
            os.write(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: create exclusively instead
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return False
            try:
                os.write(fd, text)
            finally:
                os.close(fd)
        return True
    finally:
        os.unlink(tmp)


def write_key(path: Path | None = None, *, force: bool = False) -> Path:
    """Write a new random key (32 bytes as hex) to ``path`` (default: :func:`default_key_path`) with file mode 0600.

    Raises:
        ConfigError: the file exists and ``force`` is false.
    """
    path = path or default_key_path()
    if path.exists() and not force:
        raise ConfigError(
            f"{path}: a key already exists; pseudonyms made with it would change. Pass --force to replace it"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
    finally:
        os.close(fd)
    os.chmod(path, 0o600)  # also when the file existed with looser permissions
    return path


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """``"H-"`` + 10 hex digits of HMAC-SHA256 per value; missing values stay missing.

    Each distinct value is hashed once (case officers are few; HMAC has no vectorised form).
    """
    text_type = pd.StringDtype("pyarrow", na_value=np.nan)
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # Arrow text: the distinct names from one dictionary encoding, the pseudonyms spread back by
        # Arrow (no object arrays of a million str).
        arr = pa.array(values.array)
        encoded = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
        names = encoded.dictionary.to_pylist()
        hashed = pa.array(["H-" + hmac.new(key, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:10]
                           for u in names], type=pa.large_string())
        return pd.Series(hashed.take(encoded.indices), index=values.index, name=values.name, dtype=text_type)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hashed = np.array(
        ["H-" + hmac.new(key, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:10] for u in uniques],
        dtype=object,
    )
    out = np.where(codes >= 0, hashed[np.maximum(codes, 0)] if len(hashed) else None, None)
    return pd.Series(out, index=values.index, name=values.name, dtype="object").astype(text_type)


#: What :func:`pseudonymise` makes of a name.
_PSEUDONYM = re.compile(r"H-[0-9a-f]{10}")


def are_pseudonyms(values: pd.Series) -> bool:
    """Whether every value present already is a pseudonym of :func:`pseudonymise` (``H-`` + 10 hex digits), as in
    a file this tool wrote (``processmining merge``): such a column is kept as it is, not hashed again.

    The first value present decides most columns at once (a name is no pseudonym); only a column that starts
    with one is checked value by value (its distinct values: case officers are few).
    """
    present = values.dropna()
    if present.empty or not _PSEUDONYM.fullmatch(str(present.iloc[0])):
        return False
    return all(_PSEUDONYM.fullmatch(str(v)) for v in present.unique())


def luhn_ok(digits: str) -> bool:
    """The Luhn check of a personal identity number's last 10 digits (YYMMDDNNNC)."""
    ten = digits[-10:]
    total = 0
    for i, ch in enumerate(ten):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = re.sub(r"[^0-9]", "", text)
    if not luhn_ok(digits):
        return text
    return re.sub(r"[0-9]", "*", text)


def mask_personal_numbers(values: pd.Series) -> pd.Series:
    """Mask Luhn-valid personnummer/samordningsnummer inside text values (see the module docstring).

    A vectorised regular-expression test finds the few values that may hold one; only those are
    rewritten (Luhn check per match). Non-text values are returned unchanged.
    """
    return mask_and_count(values)[0]


def _digit_bytes(arrow: pa.Array) -> int | None:
    """How many ASCII digits the column's values hold together (``None`` for non-string arrays).

    Counted on the string bytes with numpy, far cheaper than a regular expression: a column with
    fewer than 10 digits in all (activity names, units, regions, ...) cannot hold a personal identity
    number and is skipped.
    """
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return None
    buffers = arrow.buffers()
    if buffers[2] is None:
        return 0
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if pa.types.is_large_string(arrow.type) else np.int32)
    first, last = int(offsets[arrow.offset]), int(offsets[arrow.offset + len(arrow)])
    data = np.frombuffer(buffers[2], dtype=np.uint8)[first:last]
    return int(np.count_nonzero((data >= 48) & (data <= 57)))


def mask_and_count(values: pd.Series) -> tuple[pd.Series, int]:
    """:func:`mask_personal_numbers` and how many values it changed (``count_masked`` of the two)."""
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object) or values.empty:
        return values, 0
    text = values if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow" else values.map(
        lambda v: v if isinstance(v, str) else None
    ).astype(pd.StringDtype("pyarrow", na_value=np.nan))
    arrow = pa.array(text.array)
    chunks = arrow.chunks if isinstance(arrow, pa.ChunkedArray) else [arrow]
    # Cheap tests first, chunk by chunk and without copying: a column with fewer than 10 digits in all
    # holds no personal identity number.
    counts = [_digit_bytes(chunk) for chunk in chunks]
    if not len(arrow) or (None not in counts and sum(c or 0 for c in counts) < 10):
        return values, 0
    if (pc.max(pc.utf8_length(arrow)).as_py() or 0) < 10:
        return values, 0
    # The prefilter per distinct value where values repeat (amounts, codes, notes: judged on a sample),
    # else per value.
    sample = arrow.slice(0, 1 << 16)
    repeats = pc.count_distinct(sample).as_py() * 4 <= len(sample)
    encoded = pc.dictionary_encode(arrow) if repeats else None
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()  # the indices only
    if encoded is not None and len(encoded.dictionary) * 4 <= len(arrow):
        found = pc.fill_null(pc.match_substring_regex(encoded.dictionary, _PNR_PREFILTER), False)
        hit_codes = np.flatnonzero(found.to_numpy(zero_copy_only=False))
        if not len(hit_codes):
            return values, 0
        indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        where = np.flatnonzero(np.isin(indices, hit_codes))
    else:
        hits = pc.fill_null(pc.match_substring_regex(arrow, _PNR_PREFILTER), False).to_numpy(zero_copy_only=False)
        where = np.flatnonzero(hits)
    if not len(where):
        return values, 0
    before = text.iloc[where].tolist()
    masked: dict[str, str] = {}  # values repeat (comments, notes): each distinct one is rewritten once
    after = [masked[v] if v in masked else masked.setdefault(v, _PNR_RE.sub(_mask_match, v)) for v in before]
    changed = np.array([a != b for a, b in zip(after, before, strict=True)], dtype=bool)
    if not changed.any():
        return values, 0
    out = values.copy()
    out.iloc[where[changed]] = [a for a, c in zip(after, changed, strict=True) if c]
    return out, int(changed.sum())


def count_masked(before: pd.Series, after: pd.Series) -> int:
    """How many values :func:`mask_personal_numbers` changed."""
    if before is after:
        return 0
    left = before.astype("object").fillna("").to_numpy()
    right = after.astype("object").fillna("").to_numpy()
    return int((left != right).sum())
