"""Sentence templates (sim.model.words) and every kind's words in the registry."""

from __future__ import annotations

import pytest

from sim.model.actions import KINDS, ActionKind
from sim.model.words import TemplateError, parse, render


def test_names_verbs_and_optional_parts() -> None:
    template = "{actor} {ships|ship} arms[, to the alarm of {other}]"
    assert (
        render(template, actor="Russia", other="the EU")
        == "Russia ships arms, to the alarm of the EU"
    )
    assert render(template, actor="Russia") == "Russia ships arms"
    assert (
        render(template, plural=True, actor="the Gulf monarchies")
        == "the Gulf monarchies ship arms"
    )
    assert parse(template).names() == {"actor", "other"}


def test_literal_braces_and_brackets() -> None:
    assert render("{{x}} [[y]] {actor}", actor="A") == "{x} [y] A"


def test_nothing_is_interpreted_but_the_marks() -> None:
    # Not a format string: no attribute access, no conversion, no index.
    for bad in ("{actor.__class__}", "{actor!r}", "{0}", "{}", "{actor[0]}"):
        with pytest.raises(TemplateError, match="is not a name a sentence can use"):
            parse(bad)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{sets|}", r"must be \{singular\|plural\}"),
        ("{a|b|c}", r"must be \{singular\|plural\}"),
        ("[a [b] c]", "cannot hold another"),
        ("a ] b", "closes no optional part"),
        ("[a", "is not closed"),
        ("a { b", "unmatched {"),
        ("a } b", "unmatched }"),
    ],
)
def test_bad_templates_say_what_is_wrong(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse(template)


@pytest.mark.parametrize("kind", list(ActionKind))
def test_every_kind_is_said_in_english_for_one_actor_and_for_many(kind: ActionKind) -> None:
    words = KINDS[kind].words
    names = {"actor": "Alpha", "other": "Beta", "gate": "the seat question"}
    for plural in (False, True):
        for template in (words.done, words.title, words.failed):
            text = render(template, plural=plural, **names)
            assert "{" not in text
            assert "[" not in text
            assert "  " not in text
    assert render(words.title, **names)[0].isupper()
    assert (words.failed != "") == (KINDS[kind].chance is not None)
