"""The explorer's address: every view written into it is read back the same; what is not a view is refused."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processmining.explore import BadRequest, ViewState, parse_state

names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).map(str.strip).filter(
    lambda s: s and "→" not in s and "->" not in s and "|" not in s and "=>" not in s)


@given(passes=st.lists(names, max_size=3), act=st.none() | st.integers(1, 100), paths=st.none() | st.integers(1, 100),
       mode=st.sampled_from(["frequency", "waiting"]), path=st.none() | st.tuples(names, names),
       case=st.none() | names, lang=st.sampled_from(["sv", "en"]), remove=st.booleans())
def test_a_view_survives_its_address(passes: list[str], act: int | None, paths: int | None, mode: str,
                                     path: tuple[str, str] | None, case: str | None, lang: str, remove: bool) -> None:
    filters = tuple(f"{'not:' if remove else ''}passes:{p}" for p in passes)
    state = ViewState(filters=filters, activities=act, paths=paths, mode=mode, path=path, case=case, lang=lang)
    assert parse_state(parse_qs(state.query()[1:], keep_blank_values=True)) == state


@pytest.mark.parametrize(("query", "words"), [
    ({"x": ["1"]}, "unknown parameter 'x'"),
    ({"act": ["1", "2"]}, "given 2 times"),
    ({"act": ["0"]}, "between 1 and 100"),
    ({"lang": ["de"]}, "choose sv or en"),
    ({"case": ["  "]}, "case is empty"),
    ({"f": ["passes:a"] * 31}, "at most 30 filters"),
    ({"f": ["passes:" + "a" * 3000]}, "too long"),
])
def test_what_is_not_a_view_is_refused(query: dict[str, list[str]], words: str) -> None:
    with pytest.raises(BadRequest, match=words):
        parse_state(query)
