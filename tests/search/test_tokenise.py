"""The pure tokeniser: bigram tokens, query parsing, snippets (search/tokenise.py)."""

import pytest

from eco311.search.tokenise import (
    BREAK,
    MAX_QUERY,
    Query,
    QueryError,
    compact,
    fts5_expression,
    parse,
    snippet,
    tokens,
    tsquery,
)


def _contains_phrase(indexed: str, query: Query) -> bool:
    """What the database does with the tokens: every term's bigrams occur consecutively."""
    seq = indexed.split()
    for phrase in query.phrases():
        n = len(phrase)
        if not any(seq[i : i + n] == phrase for i in range(len(seq) - n + 1)):
            return False
    return True


def test_it_finds_a_word_inside_a_longer_name():
    indexed = tokens("济南某某污水处理有限公司（合成）")
    assert _contains_phrase(indexed, parse("污水处理"))
    assert _contains_phrase(indexed, parse("环保")) is False
    assert _contains_phrase(indexed, parse("处理有限"))


def test_a_phrase_never_runs_across_punctuation_or_fields():
    indexed = tokens("环保 产业", "装备")
    assert BREAK in indexed.split()
    assert not _contains_phrase(indexed, parse("保产"))
    assert not _contains_phrase(indexed, parse("业装"))
    assert _contains_phrase(indexed, parse("环保 产业"))  # two terms, both present


def test_it_folds_case_and_full_width_forms():
    indexed = tokens("ＩＳＯ14001 Sewage Treatment")
    assert _contains_phrase(indexed, parse("iso14001"))
    assert _contains_phrase(indexed, parse("SEWAGE"))
    assert _contains_phrase(indexed, parse("ewag"))


def test_a_credit_code_fragment_is_a_substring():
    indexed = tokens("91370100MA3C5XK81U")
    assert _contains_phrase(indexed, parse("0100ma3c"))
    assert not _contains_phrase(indexed, parse("0100mb"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("环", "short"),
        ("a b", "short"),
        ("环保\x00", "control"),
        ("a\u200bb", "control"),
        ("环" * (MAX_QUERY + 1), "long"),
        (" ".join(f"t{i}" for i in range(9)), "terms"),
    ],
)
def test_it_refuses_what_it_cannot_search(text, code):
    with pytest.raises(QueryError) as err:
        parse(text)
    assert err.value.code == code


def test_one_character_terms_are_dropped_and_said_so():
    q = parse("环保 A")
    assert q.terms == ("环保",)
    assert q.dropped == ("a",)


def test_query_expressions_quote_tokens_as_phrases():
    q = parse("污水处理 厂区")
    assert fts5_expression(q) == '"污水 水处 处理" AND "厂区"'
    assert fts5_expression(q, "title_tokens") == 'title_tokens : ("污水 水处 处理" AND "厂区")'
    assert tsquery(q, "A") == "('污水':A <-> '水处':A <-> '处理':A) & ('厂区':A)"
    assert fts5_expression(q, prefix="e") == '"e污水 e水处 e处理" AND "e厂区"'
    assert tokens("环保", prefix="e") == "e环保"


def test_a_snippet_marks_every_match_around_the_first():
    text = "山东省" + "很长的前文" * 20 + "环保装备与环保服务"
    pieces = snippet(text, parse("环保"))
    assert pieces[0] == ("…", False)
    assert [p for p, marked in pieces if marked] == ["环保", "环保"]
    assert "".join(p for p, _ in pieces).strip("…") in text


def test_a_snippet_maps_folded_matches_back_to_the_original_text():
    pieces = snippet("ＩＳＯ认证", parse("iso"))
    assert pieces[0] == ("ＩＳＯ", True)
    assert snippet("无关", parse("环保")) == []


def test_a_key_made_of_one_character_parts_is_searched_compacted():
    q = parse("1-2-1-a")
    assert q.terms == ("121a",)
    assert _contains_phrase(tokens(compact("1-2-1-a")), q)
    assert parse("环保、装备").terms == ("环保", "装备")  # words, not a code
