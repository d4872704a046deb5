"""Flags moderators can trust: the functional suites, and the parts that make them pass.

The suites in data/functional are written for this project: one file per category, each
case with the verdict a newsroom would want ("flag" or "pass"), across eight identity
groups. They run through `moderation evaluate` with the offline stack (VADER and
alt-profanity-check), as any install without Detoxify's weights runs.
"""

import csv
import json
from functools import cache
from importlib import resources

import pytest
from conftest import DATA, DEFAULT_RULES

from moderation.cli import cli
from moderation.core import Moderator
from moderation.records import Article
from moderation.rules import load_rules, parse_rules
from moderation.rules.evasion import (
    _BIGRAMS,
    Vocabulary,
    _frequent_pairs,
    deobfuscate,
    misspelled_forms,
)
from moderation.rules.grammar import Grammar
from moderation.rules.quoting import own_words, quoted_spans
from moderation.scoring.profanity import ProfanityScorer, profanity_model_id

FUNCTIONAL = DATA / "functional"
CATEGORIES = sorted(FUNCTIONAL.glob("*.csv"))


@cache
def moderator() -> Moderator:
    return Moderator(load_rules(DEFAULT_RULES), ProfanityScorer, profanity_model_id())


def flagged(text: str) -> bool:
    return moderator().moderate(text).decision.action is not None


@pytest.fixture(scope="module")
def functional_report(tmp_path_factory):
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli,
        ["evaluate", str(FUNCTIONAL), "--label", "expected", "--positive", "flag",
         "--group", "category", "--rules", str(DEFAULT_RULES), "--json", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_every_category_has_thirty_cases_across_groups():
    for path in CATEGORIES:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        assert len(rows) >= 30, path.name
        if path.stem not in ("non_hateful_profanity",):
            assert len({r["group"] for r in rows}) >= 4, path.name


def test_each_functional_category_is_decided_right(functional_report):
    groups = functional_report["groups"]
    assert len(groups) == len(CATEGORIES) >= 15
    wrong = {name: round(c["accuracy"], 3) for name, c in groups.items() if c["accuracy"] < 0.8}
    assert wrong == {}


def test_neutral_and_positive_identity_statements_are_flagged_alike_for_every_group(runner):
    paths = [FUNCTIONAL / "neutral_identity.csv", FUNCTIONAL / "positive_identity.csv"]
    result = runner.invoke(
        cli,
        ["evaluate", *map(str, paths), "--label", "expected", "--positive", "flag",
         "--group", "group", "--json", "-q"],
    )  # fmt: skip
    rates = [c["flag_rate"] for c in json.loads(result.stdout)["groups"].values()]
    assert len(rates) == 8
    assert max(rates) <= 2 * min(rates) and max(rates) <= 0.1


def test_the_report_says_what_the_rule_file_is_worth(runner, tmp_path):
    labelled = tmp_path / "labelled.csv"
    labelled.write_text(
        "text,toxic,section\n"
        "You absolute idiot.,1,news\n"
        "Muslims should all be killed.,1,news\n"
        "Thanks for the clear explanation.,0,sport\n"
        "Gay people are beautiful.,0,sport\n"
        "The council meets on Tuesday.,0,news\n"
        "Nobody reads this,,news\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["evaluate", str(labelled), "--label", "toxic", "--group", "section", "-q"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "2 labelled positive, 3 negative, 1 without a label (left out)" in out
    assert "precision 1.000  recall 1.000  F1 1.000  accuracy 1.000" in out
    assert "threat" in out and "insult" in out
    assert "toxicity.profanity" in out and "neutral.toxicity.profanity" in out  # AUC lines
    assert "SECTION" in out and "IDENTITY TERM" in out
    rows = {
        line.split()[0]: line.split()
        for line in out.splitlines()
        if line.startswith(("gay ", "muslims "))
    }
    assert rows["gay"][1:3] == ["1", "0.000"]  # one comment, not flagged
    assert rows["muslims"][1:3] == ["1", "1.000"]


def test_a_label_column_that_is_not_there_is_a_one_line_error(runner, tmp_path):
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,toxic\nHello,0\n", encoding="utf-8")
    result = runner.invoke(cli, ["evaluate", str(labelled), "--label", "tox", "-q"])
    assert result.exit_code == 1
    assert "no comment has a label in 'tox'" in result.output
    assert "Traceback" not in result.output


def test_labels_come_from_jsonl_fields_and_from_the_comment_status(runner, tmp_path):
    lines = tmp_path / "comments.jsonl"
    lines.write_text(
        '{"id": 1, "text": "Buy now, click here!", "status": "spam"}\n'
        '{"id": 2, "text": "Lovely photos.", "status": "visible"}\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        cli, ["evaluate", str(lines), "--label", "status", "--positive", "spam", "--json", "-q"]
    )
    overall = json.loads(result.stdout)["overall"]
    assert (overall["tp"], overall["tn"]) == (1, 1)


# --- quotes and reported speech ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ('Statements like "women are scum" are hurtful.', ["women are scum"]),
        ("He wrote \u201ckill them all\u201d and was banned.", ["kill them all"]),
        ("On the bus: \u00abimmigrants out\u00bb, again.", ["immigrants out"]),
        ("The sign said 'death to them', sadly.", ["death to them"]),
        ("Stop saying that disabled people are a burden.", ["disabled people are a burden"]),
        ("Anyone who says gay people are sick needs help.", ["gay people are sick needs help"]),
        ("I don't think it's the kids' fault.", []),
        ("I have to say the council is wrong.", []),
    ],
)
def test_quoted_and_reported_words_are_found_in_plain_text(text, quoted):
    found = [text[s:e].strip("\"'\u201c\u201d\u00ab\u00bb ") for s, e in quoted_spans(text)]
    assert found == quoted
    assert len(own_words(text)) == len(text)


def test_condemning_a_quoted_phrase_is_not_using_it():
    assert not flagged(
        'You must be seriously sad to write things like "disabled people deserve to die".'
    )
    assert not flagged('"gay people are a cancer" is such a dehumanising thing to say.')
    assert flagged("Disabled people deserve to die.")


# --- evasion ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("I want to klil all trans people", "i want to kill all trans people"),
        ("g a y people", "gay people"),
        ("I hate wmen", "i hate women"),
        ("w3tback", "wetback"),
        ("killallmuslims", "kill all muslims"),
        ("gaaaay", "gay"),
    ],
)
def test_evasion_is_undone_for_the_vocabulary(text, plain):
    vocabulary = Vocabulary(["kill", "trans", "gay", "women", "wetback", "muslims"])
    assert deobfuscate(text, vocabulary).text == plain


def test_english_words_are_never_corrected_and_offsets_map_back():
    vocabulary = Vocabulary(["kill", "women"])
    assert (
        deobfuscate("What a skill, and I was ill", vocabulary).text == "what a skill, and i was ill"
    )
    text = "We will klil them"
    found = deobfuscate(text, vocabulary)
    start = found.text.index("kill")
    assert text[slice(*found.span(start, start + 4))] == "klil"


def test_misspellings_inside_frequent_words_and_pairs_of_words_are_not_scanned_for():
    # "deth" is in "made the" (a frequent pair); "deah" and "dea" leave too few letters or
    # are English; the rest are scanned for.
    assert misspelled_forms(["death"]) == {"daeth", "dath", "detah"}


def test_the_frequent_pairs_are_the_most_frequent_of_all():
    text = resources.files("symspellpy").joinpath(_BIGRAMS).read_text(encoding="utf-8")
    every = sorted(
        ((int(n), first + second) for first, second, n in (line.split(" ") for line in text.splitlines())),
        reverse=True,
    )  # fmt: skip
    assert _frequent_pairs(40_000) == [pair for _, pair in every[:40_000]]


def test_the_model_also_scores_the_deobfuscated_text():
    result = moderator().moderate("You are a f u c k i n g disgrace.")
    values = result.scores.values()
    assert values["deobfuscated.toxicity.profanity"] > values["toxicity.profanity"]


# --- threats and attacks as grammar -----------------------------------------------------------

GRAMMAR = Grammar(["women", "woman", "trans", "muslims", "muslim", "immigrants", "gay", "jews"])


@pytest.mark.parametrize(
    "text",
    [
        "muslims should all be killed.",
        "i want to kill all trans people.",
        "we should just hang all these women.",
        "someone should snap the necks of all those immigrants.",
        "i'm going to shoot the next woman i see.",
        "i hope you die",
        "death to jews",
        "i would love to see all gay people burn.",
        "i can't wait to kill you all",
    ],
)
def test_threats_are_read_as_grammar(text):
    assert list(GRAMMAR.threats_in(text))


@pytest.mark.parametrize(
    "text",
    [
        "no muslim ought to be executed.",
        "i would never hurt you.",
        "they will shoot the film in may.",
        "the council killed the ferry timetable.",
        "i'll kill for a cup of tea.",
    ],
)
def test_negations_and_other_killing_are_not_threats(text):
    assert not list(GRAMMAR.threats_in(text))


def test_attacks_on_groups_need_a_group_and_no_negation():
    negative = "vermin|disgusting|a burden"
    assert list(GRAMMAR.attacks_in("women are disgusting.", negative))
    assert list(GRAMMAR.attacks_in("i really can't stand muslims.", negative))
    assert list(GRAMMAR.attacks_in("trans people are not human.", negative))
    assert not list(GRAMMAR.attacks_in("women are not disgusting.", negative))
    assert not list(GRAMMAR.attacks_in("this soup is disgusting.", negative))
    assert not list(GRAMMAR.attacks_in("i don't hate women.", negative))


def test_a_hostile_comment_cannot_stall_the_grammar():
    hostile = "you all " * 2500 + "should " * 2500 + "women are " * 2000
    assert not list(GRAMMAR.threats_in(hostile))  # returns: the patterns do not backtrack


# --- identity-neutral scores ------------------------------------------------------------------


def test_identity_terms_do_not_make_a_kind_sentence_profane():
    result = moderator().moderate("Gay people are beautiful.")
    values = result.scores.values()
    assert values["toxicity.profanity"] >= 0.7  # the fallback model learned "gay" as an insult
    assert values["neutral.toxicity.profanity"] < 0.3
    assert result.decision.action is None


def test_stored_comments_are_explained_with_both_scores(tmp_path):
    from moderation.settings import load_settings
    from moderation.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'm.db'}")
    live = Moderator.from_settings(
        load_settings(None, db=str(tmp_path / "m.db")),
        store,
        ProfanityScorer,
        load_rules(DEFAULT_RULES),
    )
    result = live.moderate("I live with two gay people.")
    live.record([result], [Article(id="live", source="test", title="Live comments")])
    explained = live.explain(result.comment.id)
    values = explained.stored.scores.values()
    assert values["toxicity.profanity"] > 0.7 > values["neutral.toxicity.profanity"]
    assert explained.decision.action is None
    live.close()
    store.close()


# --- rule-file syntax -------------------------------------------------------------------------


def rules_of(text: str):
    from pathlib import Path

    return parse_rules(text, Path("rules.yml"))


def test_an_attack_rule_without_identity_terms_is_an_error():
    from moderation.errors import RuleFileError

    with pytest.raises(RuleFileError, match="add an 'identity' section"):
        rules_of(
            "lists: {bad: [vermin]}\n"
            "rules:\n- id: a\n  action: hold\n  conditions: {x: {attack: bad}}\n"
        )


def test_words_unless_negated_and_reclaimed():
    ruleset = rules_of(
        "identity: [women]\n"
        "lists: {bad: [vermin], slurs: [dyke]}\n"
        "rules:\n"
        "- id: dehumanising\n  action: hold\n  conditions: {x: {words: bad, unless_negated: true}}\n"
        "- id: slur\n  action: hold\n  conditions: {s: {words: slurs}, r: {reclaimed: slurs}}\n"
        "  when: s and not r\n"
    )
    mod = Moderator(ruleset, ProfanityScorer, profanity_model_id())

    def rules(text):
        return mod.moderate(text).decision.rule_ids

    assert rules("They are vermin.") == ("dehumanising",)
    assert rules("They are not vermin.") == ()
    assert rules("Shut up, dyke.") == ("slur",)
    assert rules("I'm a proud dyke.") == ()


def test_ray_parts_carry_the_other_forms_of_each_text(tmp_path):
    from moderation.engines.ray import parts_of
    from moderation.sources import SourceOptions

    path = tmp_path / "comments.jsonl"
    path.write_text('{"id": 1, "text": "Gay people are beautiful."}\n', encoding="utf-8")
    reading = load_rules(DEFAULT_RULES).reading
    [(_, texts)] = list(parts_of(path, "jsonl", SourceOptions(), reading))
    assert set(texts.values()) == {"Gay people are beautiful.", "local people are beautiful."}


def test_other_forms_of_a_huge_comment_are_of_what_the_scorers_read():
    from moderation.scoring import MAX_READ

    reading = load_rules(DEFAULT_RULES).reading
    forms = reading.variants("G a y people are lovely. " * 2_000_000)  # 50 MB
    assert forms and all(len(form) <= MAX_READ for form in forms.values())


def test_threats_in_two_word_verbs_are_read():
    assert flagged("We need to get rid of all Muslims.")
    assert flagged("Someone should wipe out those immigrants.")


def test_mistakes_in_the_new_rule_file_keys_are_reported_with_their_place(runner, tmp_path):
    bad = tmp_path / "rules.yml"
    bad.write_text(
        "identity: {terms: 3}\n"
        "rules:\n- id: a\n  action: flag\n"
        "  conditions: {x: {regex: a, unless_negated: true}}\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:1:19: identity 'terms' must be a list of words",
        f"{bad}:5:46: rule 'a', condition 'x': 'unless_negated' is true or false, and only for words",
    ]


def test_evaluate_on_a_missing_file_is_a_one_line_error(runner, tmp_path):
    result = runner.invoke(cli, ["evaluate", str(tmp_path / "nope.csv"), "--label", "x", "-q"])
    assert result.exit_code == 1
    assert "no such file or directory" in result.output and "Traceback" not in result.output
