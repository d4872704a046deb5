"""Rules: conditions, combinations, precedence, and what a decision records."""

from pathlib import Path
from textwrap import dedent

import pytest
from conftest import DEFAULT_RULES

from moderation.records import Action, Comment, ReplyBasis, Scores, ScoreSet, Span
from moderation.rules import load_rules, parse_rules


def rules(text: str):
    return parse_rules(dedent(text), Path("test.yml"))


def comment(
    text: str,
    quote: str | None = None,
    parent: str | None = None,
    depth: int = 0,
    author: str = "reader",
) -> Comment:
    return Comment(
        id="c1", article_id="a1", author=author, position=1, text=text, quote=quote,
        parent_id=parent, reply_basis=ReplyBasis.INDENT if parent else None, depth=depth,
    )  # fmt: skip


def scores(
    toxicity: dict | None = None, compound: float = 0.0, quote_toxicity: dict | None = None
) -> Scores:
    return Scores(
        sentiment=ScoreSet(
            "vader@test", {"neg": 0.0, "neu": 1.0, "pos": 0.0, "compound": compound}
        ),
        toxicity=ScoreSet("detoxify@test", toxicity or {}),
        quote_toxicity=ScoreSet("detoxify@test", quote_toxicity)
        if quote_toxicity is not None
        else None,
    )


INSULTS = """
    lists:
      insults: [idiot, moron, shut up]
    rules:
      - id: insult
        action: flag
        priority: 50
        conditions:
          insult_words: {words: insults}
"""


def test_threshold_records_value_against_threshold():
    ruleset = rules("""
        rules:
          - id: toxic
            action: hold
            conditions:
              very: toxicity.toxicity >= 0.8
    """)
    assert ruleset.decide(comment("x"), scores({"toxicity": 0.79})).action is None
    decision = ruleset.decide(comment("x"), scores({"toxicity": 0.93}))
    assert decision.action is Action.HOLD
    assert decision.matches[0].reasons == ("very: toxicity.toxicity 0.93 >= 0.8",)


def test_sentiment_threshold():
    ruleset = rules("""
        rules:
          - id: negative
            action: flag
            conditions:
              gloomy: sentiment.compound <= -0.5
    """)
    assert ruleset.decide(comment("x"), scores(compound=-0.6)).action is Action.FLAG
    assert ruleset.decide(comment("x"), scores(compound=-0.4)).action is None


def test_word_list_matches_whole_words_ignoring_case_and_records_offsets():
    ruleset = rules(INSULTS)
    decision = ruleset.decide(comment("You IDIOT, shut   up"), scores())
    match = decision.matches[0]
    assert match.spans == (Span(4, 9, "IDIOT"), Span(11, 20, "shut   up"))
    assert match.reasons == (
        "insult_words: words from insults in the text: 'IDIOT' at 4-9, 'shut   up' at 11-20",
    )
    # Whole words only: "idiotically" and "moronic" are not "idiot" and "moron".
    assert ruleset.decide(comment("idiotically moronic"), scores()).action is None


def test_a_quoted_insult_is_not_the_commenters_own():
    ruleset = rules(INSULTS)
    reply = comment("Blah, blah, blaaaaahhh", quote="you are an idiot", parent="c0")
    assert ruleset.decide(reply, scores()).action is None


def test_a_rule_can_look_at_the_quote_when_it_asks_to():
    ruleset = rules("""
        lists:
          insults: [idiot]
        rules:
          - id: quotes-abuse
            action: flag
            conditions:
              quoted: {words: insults, in: quote}
    """)
    decision = ruleset.decide(comment("agreed", quote="what an idiot"), scores())
    assert decision.matches[0].spans == (Span(8, 13, "idiot", "quote"),)


def test_quote_scores_are_separate_from_the_comments_own():
    ruleset = rules("""
        rules:
          - id: toxic
            action: hold
            conditions:
              own: toxicity.insult >= 0.5
    """)
    quiet_reply = scores({"insult": 0.1}, quote_toxicity={"insult": 0.99})
    assert ruleset.decide(comment("fair point", quote="you idiot"), quiet_reply).action is None


def test_regex_matches_with_spans_and_is_case_sensitive_unless_asked():
    ruleset = rules(r"""
        rules:
          - id: shouting
            action: flag
            conditions:
              caps: {regex: '[A-Z]{5,}'}
          - id: links
            action: flag
            conditions:
              link: {regex: '(?i)https?://\S+'}
    """)
    decision = ruleset.decide(comment("LISTEN at HTTP://spam.example now"), scores())
    assert decision.rule_ids == ("shouting", "links")
    assert decision.matches[0].spans == (Span(0, 6, "LISTEN"),)
    assert decision.matches[1].spans == (Span(10, 29, "HTTP://spam.example"),)
    assert decision.matches[1].reasons == (
        r"link: /(?i)https?://\S+/ in the text: 'HTTP://spam.example' at 10-29",
    )
    assert ruleset.decide(comment("quiet words only"), scores()).action is None


def test_and_or_not_combinations_with_reply_context():
    ruleset = rules("""
        lists:
          insults: [idiot]
          trusted: [Editor Ed]
        rules:
          - id: personal-attack
            action: flag
            conditions:
              insult: {words: insults}
              reply: {is_reply: true}
              toxic: toxicity.insult >= 0.7
              staff: {author: trusted}
            when: (insult and reply or toxic) and not staff
    """)
    assert ruleset.decide(comment("idiot", parent="c0"), scores()).action is Action.FLAG
    assert ruleset.decide(comment("idiot"), scores()).action is None
    assert ruleset.decide(comment("hm"), scores({"insult": 0.8})).action is Action.FLAG
    assert (
        ruleset.decide(comment("idiot", parent="c0", author="editor ed"), scores()).action is None
    )
    decision = ruleset.decide(comment("idiot", parent="c0"), scores({"insult": 0.1}))
    assert decision.matches[0].reasons == (
        "insult: words from insults in the text: 'idiot' at 0-5",
        "reply: comment is a reply, by indent",
        "not (staff: author 'reader' is not in trusted)",
    )


def test_a_whole_file_decides_as_its_rules_do_one_by_one():
    # `matching` runs the file compiled into one function; it must agree with each rule's
    # own test, including a missing score under `not` and lists read in the quote.
    ruleset = rules("""
        lists:
          insults: {normalise: true, words: [idiot, shut up], allow: [idiotic]}
          ads: [buy now]
        rules:
          - id: a
            action: flag
            conditions:
              insult: {words: insults}
              quoted: {words: insults, in: quote}
              toxic: toxicity.insult >= 0.7
              calm: sentiment.compound > 0.2
              reply: {is_reply: true}
            when: (insult or quoted) and not toxic or (calm and not reply)
          - id: b
            action: hold
            conditions:
              ad: {words: ads}
              shout: {regex: "[A-Z]{5}"}
              long: {length: ">= 12"}
            when: not (ad or shout) and long
    """)
    texts = [
        "fine",
        "you 1d10t",
        "so idiotic",
        "a calm and long remark",
        "BUY NOW please",
        "SHOUTING here ok",
        "s h u t up",
    ]
    quotes = [None, "what an idiot"]
    cases = [
        (comment(text, quote=quote, parent=parent), scores(toxicity, compound))
        for text in texts
        for quote in quotes
        for parent in (None, "c0")
        for toxicity in ({}, {"insult": 0.9}, {"insult": 0.1})
        for compound in (0.5, -0.5)
    ]
    outcomes = set()
    for item, score in cases:
        subject = ruleset.subject(item, score)
        one_by_one = [rule.id for rule in ruleset.rules if rule.when.test(subject)]
        assert [rule.id for rule in ruleset.matching(subject)] == one_by_one, (item, score)
        outcomes.add(tuple(one_by_one))
    assert outcomes == {(), ("a",), ("b",), ("a", "b")}


def test_conditions_several_rules_share_are_answered_alike_in_each():
    # The compiled file tests a shared condition once a comment and keeps its answer; a rule
    # that never reaches it (short-circuited) must not leave a wrong answer for the next.
    ruleset = rules("""
        lists:
          insults: [idiot]
        rules:
          - id: first
            action: flag
            conditions:
              toxic: toxicity.insult >= 0.7
              insult: {words: insults}
              links: {links: ">= 1"}
            when: toxic and (insult or links)
          - id: second
            action: flag
            conditions:
              insult: {words: insults}
              shouting: {capitals: ">= 0.7"}
              links: {links: ">= 2"}
            when: insult or shouting or links
    """)
    texts = [
        "fine",
        "you idiot",
        "YOU IDIOT",
        "SHOUTING",
        "see https://a.example and www.b.example",
    ]
    for text in texts:
        for toxicity in ({}, {"insult": 0.9}):
            subject = ruleset.subject(comment(text), scores(toxicity, 0.0))
            one_by_one = [rule.id for rule in ruleset.rules if rule.when.test(subject)]
            assert [rule.id for rule in ruleset.matching(subject)] == one_by_one, (text, toxicity)


def test_prepared_rules_decide_as_unprepared_ones():
    prepared, fresh = load_rules(DEFAULT_RULES), load_rules(DEFAULT_RULES)
    prepared.prepare()
    assert "grammar" in prepared.reading.__dict__  # built before the first comment
    for text in ["I will kill you", "You absolute m0r0n", "Immigrants are vermin", "Fine."]:
        decided = [r.decide(comment(text), scores({}, 0.0)) for r in (prepared, fresh)]
        assert decided[0].action == decided[1].action
        assert [m.rule_id for m in decided[0].matches] == [m.rule_id for m in decided[1].matches]


def test_reply_depth():
    ruleset = rules("""
        rules:
          - id: deep
            action: flag
            conditions:
              deep: {reply_depth: ">= 2"}
    """)
    assert ruleset.decide(comment("x", parent="p", depth=2), scores()).action is Action.FLAG
    assert ruleset.decide(comment("x", parent="p", depth=1), scores()).action is None


def test_highest_priority_decides_then_the_stricter_action():
    ruleset = rules("""
        lists:
          words: [spam]
        rules:
          - id: low-flag
            action: flag
            priority: 10
            conditions: {w: {words: words}}
          - id: high-hold
            action: hold
            priority: 50
            conditions: {w: {words: words}}
          - id: high-reject
            action: reject
            priority: 50
            conditions: {w: {words: words}}
    """)
    decision = ruleset.decide(comment("spam"), scores())
    assert decision.action is Action.REJECT
    assert decision.rule_ids == ("high-reject", "high-hold", "low-flag")


def test_a_label_the_model_does_not_produce_is_reported_not_zero():
    ruleset = rules("""
        rules:
          - id: threat
            action: hold
            conditions:
              threat: toxicity.threat >= 0.5
    """)
    decision = ruleset.decide(comment("x"), scores({"profanity": 0.9}))
    assert decision.action is None
    assert decision.missing == ("toxicity.threat",)
    assert ruleset.unavailable({"toxicity.profanity", "sentiment.compound"}) == {
        "threat": ["toxicity.threat"]
    }


def test_the_shipped_rules_load_and_flag_a_reply_that_insults():
    ruleset = load_rules(DEFAULT_RULES)
    assert {r.id for r in ruleset.rules} >= {
        "threat",
        "insult",
        "personal-attack",
        "identity-attack",
    }
    assert all(r.description for r in ruleset.rules)
    decision = ruleset.decide(
        comment("Jake, you're clueless", parent="c0"), scores({"insult": 0.2})
    )
    assert decision.rule_ids[:2] == ("personal-attack", "insult")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "rules:\n  - id: a\n    action: flag\n    conditions: {x: [1,\n",
            "test.yml:5:1: YAML syntax: did not find expected node content, while parsing a flow node",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    treshold: 3\n    conditions: {x: toxicity.insult > 0.5}\n",
            "test.yml:4:5: unknown key 'treshold' (expected one of: id, description, action, priority, mode, conditions, when, examples)",
        ),
        (
            "rules:\n  - id: a\n    action: delete\n    conditions: {x: toxicity.insult > 0.5}\n",
            "test.yml:3:13: rule 'a': action must be one of hold, flag, reject, approve",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions:\n      x: toxicity.insul > 0.5\n",
            "test.yml:5:10: rule 'a', condition 'x': unknown score 'toxicity.insul' (did you mean 'toxicity.insult'?) (valid: sentiment.neg,",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions:\n      x: {words: slurs}\n",
            "test.yml:5:18: rule 'a', condition 'x': list 'slurs' is not defined under 'lists' (none defined)",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions:\n      x: {regex: 'a(b'}\n",
            "test.yml:5:18: rule 'a', condition 'x': regex does not compile: missing ), unterminated subpattern at character 2 of 'a(b'",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions:\n      x: {regex: '(?<=a)b'}\n",
            "test.yml:5:18: rule 'a', condition 'x': regex uses a construct RE2 does not run (invalid perl operator: (?<=); look-around",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions: {x: {is_reply: true}}\n    when: x and y\n",
            "test.yml:5:17: rule 'a': 'y' is not a condition of this rule (conditions: x)",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions: {x: {is_reply: true}}\n    when: __import__('os')\n",
            "test.yml:5:11: rule 'a': only condition names, 'and', 'or', 'not' and parentheses are allowed",
        ),
        (
            "rules:\n  - id: a\n    action: flag\n    conditions: {x: {is_reply: true}, y: {is_reply: false}}\n    when: x\n",
            "test.yml:5:11: rule 'a': condition 'y' is defined but not used in 'when'",
        ),
        (
            "rules:\n  - id: a\n    conditions: {x: {is_reply: true}}\n",
            "test.yml:2:5: rule is missing 'action'",
        ),
        ("rules: []\n", "test.yml:1:8: 'rules' must be a list with at least one rule"),
    ],
)
def test_invalid_rule_files_name_file_line_and_column(text, message):
    with pytest.raises(Exception) as error:
        parse_rules(text, Path("test.yml"))
    assert type(error.value).__name__ == "RuleFileError"
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)
