"""Word lists that survive evasion, without the Scunthorpe problem."""

import pytest

from moderation.rules.matching import FormIndex, WordMatcher

INSULTS = WordMatcher.compile(["idiot", "stupid", "moron", "sheeple", "shut up"], normalise=True)
SUBSTRINGS = WordMatcher.compile(
    ["ass", "cunt"], normalise=True, allow=["Scunthorpe", "classic", "assess"], whole_words=False
)


def found(matcher: WordMatcher, text: str) -> list[str]:
    return [text[start:end] for start, end in matcher.finditer(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You IDIOT", ["IDIOT"]),
        ("you 1d10t!", ["1d10t"]),
        ("st00p1d? no, stuuupid", ["stuuupid"]),
        ("what a m0r0n", ["m0r0n"]),
        ("i d i o t", ["i d i o t"]),
        ("i.d.i.o.t", ["i.d.i.o.t"]),
        ("i-d-i-o-t and s.t.u.p.i.d", ["i-d-i-o-t", "s.t.u.p.i.d"]),
        ("\u0455tu\u0440\u0456d", ["\u0455tu\u0440\u0456d"]),  # Cyrillic dze, er, i
        ("\uff49\uff44\uff49\uff4f\uff54", ["\uff49\uff44\uff49\uff4f\uff54"]),  # full-width
        ("Íd\u00edót", ["Íd\u00edót"]),
        ("sheeeeple", ["sheeeeple"]),
        ("SHUT   UP already", ["SHUT   UP"]),
        ("s h u t u p", ["s h u t u p"]),
    ],
)
def test_evasions_are_caught_with_offsets_into_the_original(text, expected):
    assert found(INSULTS, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won",
        "a classic match",
        "we must assess the damage",
        "the idiomatic phrase",
        "a stupidity tax",  # a different word, whole words only
        "in 2015 the moronic era",
        "idiots",  # plural is its own entry, not part of "idiot"
        "as soon as possible",
        "I do it",
    ],
)
def test_innocent_words_are_not_matched(text):
    assert found(INSULTS, text) == []
    assert found(SUBSTRINGS, text) == []


def test_match_anywhere_still_respects_the_allow_list():
    assert found(SUBSTRINGS, "what a dumbass") == ["ass"]
    assert found(SUBSTRINGS, "Scunthorpe, a classic, assess") == []


def test_sentence_punctuation_is_not_leetspeak():
    assert found(INSULTS, "You idiot! Stupid!") == ["idiot", "Stupid"]


def test_plain_lists_match_whole_words_ignoring_case():
    plain = WordMatcher.compile(["idiot"])
    assert found(plain, "IDIOT, idiots, 1d10t") == ["IDIOT"]


# The same list searched as rule files search it: the file's one-pass scan first, then the
# pattern of only the words whose forms the scan found.
SCANNED = WordMatcher.compile(
    ["idiot", "stupid", "moron", "sheeple", "shut up", "lesser race", "skill"],
    normalise=True,
    index=FormIndex(),
)


@pytest.mark.parametrize(
    "text",
    [
        "You IDIOT",
        "you 1d10t!",
        "st00p1d? no, stuuupid",
        "i.d.i.o.t",
        "sheeeeple",
        "s h u t u p",
        "SHUT   UP already",
        "a leeesserrrr rrraceee",  # stretched across two words: one run of r's for both
        "a lesser raaace",
        "the idiomatic phrase",
        "who really said that",
        "skilled and stupid",
    ],
)
def test_the_one_pass_scan_finds_every_listed_word_the_pattern_finds(text):
    assert SCANNED.search(text, {}) == bool(found(SCANNED, text))


def test_a_word_stretched_into_the_next_is_found():
    assert SCANNED.search("You are a leeesserrrr rrraceee.", {})
    assert found(SCANNED, "You are a leeesserrrr rrraceee.") == ["leeesserrrr rrraceee"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("who read the article", False),  # "whore" only squeezed across two words
        ("more than good", False),  # "hang"
        ("what a whore", True),
        ("w h o r e", True),
        ("W.H.O.R.E!", True),
        ("they hang out", True),
        ("SHUT   UP", True),  # a phrase spans words by right
        ("shut-up", True),
    ],
)
def test_the_scan_keeps_a_word_only_where_the_text_shows_it(text, shown):
    index = FormIndex()
    WordMatcher.compile(["whore", "hang", "shut up"], normalise=True, index=index)
    found = index.found(text, True, {})
    assert bool(found & {"whore", "hang", "shutup"}) is shown


def test_a_run_across_words_is_not_a_stretched_letter():
    # "kill loser" squeezes to "killloser": "lll" is no stretched letter, and the phrase
    # before it is still found
    index = FormIndex()
    WordMatcher.compile(["i will kill"], normalise=True, index=index)
    assert index.found("dykes i will kill loser that who.", True, {}) == {"iwillkill"}
