"""`moderation rules check`: every problem in a rule file, as file:line:col: message."""

from pathlib import Path
from textwrap import dedent

import pytest
from conftest import DEFAULT_RULES

from moderation.cli import cli


def check(runner, tmp_path: Path, text: str, *options: str):
    path = tmp_path / "rules.yml"
    path.write_text(dedent(text).lstrip())
    result = runner.invoke(cli, ["rules", "check", str(path), *options])
    return result, [line.replace(str(path), "rules.yml") for line in result.stdout.splitlines()]


def test_every_error_in_a_file_is_reported_at_once(runner, tmp_path):
    result, lines = check(
        runner,
        tmp_path,
        """
        lists:
          insults: [idiot]
        rules:
          - id: one
            action: flag
            priorty: 5
            conditions:
              rude: toxicity.insul >= 0.6
          - id: two
            action: flag
            conditions:
              slurs: {words: slurz}
          - id: two
            action: hold
            conditions:
              bad: {regex: 'a(b'}
          - id: three
            action: flag
            conditions:
              backtrack: {regex: '(a+)+\\1'}
          - id: four
            action: flag
            conditions:
              a: {is_reply: true}
            when: a and b
    """,
    )
    assert result.exit_code == 1
    assert lines == [
        "rules.yml:6:5: unknown key 'priorty' (did you mean 'priority'?) (expected one of: id, description, action, priority, mode, conditions, when, examples)",
        "rules.yml:8:13: rule 'one', condition 'rude': unknown score 'toxicity.insul' (did you mean 'toxicity.insult'?) (valid: sentiment.neg, sentiment.neu, sentiment.pos, sentiment.compound, toxicity.toxicity, toxicity.severe_toxicity, toxicity.obscene, toxicity.threat, toxicity.insult, toxicity.identity_attack, toxicity.sexual_explicit, toxicity.profanity; each toxicity score also as neutral.toxicity.* and deobfuscated.toxicity.*)",
        "rules.yml:12:22: rule 'two', condition 'slurs': list 'slurz' is not defined under 'lists' (insults)",
        "rules.yml:16:20: rule 'two', condition 'bad': regex does not compile: missing ), unterminated subpattern at character 2 of 'a(b'",
        "rules.yml:20:26: rule 'three', condition 'backtrack': regex uses a construct RE2 does not run (invalid escape sequence: \\1); look-around and back-references can take exponential time on hostile text, so they are not allowed",
        "rules.yml:25:17: rule 'four': 'b' is not a condition of this rule (conditions: a)",
    ]
    assert "error(s)" in result.stderr


def test_duplicate_rule_ids(runner, tmp_path):
    result, lines = check(
        runner,
        tmp_path,
        """
        rules:
          - id: same
            action: flag
            conditions: {a: {is_reply: true}}
          - id: same
            action: hold
            conditions: {a: {is_reply: false}}
    """,
    )
    assert result.exit_code == 1
    assert lines == ["rules.yml:5: duplicate rule id 'same' (first defined on line 2)"]


def test_yaml_syntax_error_has_line_and_column(runner, tmp_path):
    result, lines = check(
        runner,
        tmp_path,
        """
        rules:
          - id: a
            action: flag
            conditions: {a: {is_reply: true}
    """,
    )
    assert result.exit_code == 1
    assert lines == [
        "rules.yml:5:1: YAML syntax: did not find expected ',' or '}', while parsing a flow mapping that starts on line 4"
    ]


def test_a_rule_that_can_never_match(runner, tmp_path):
    result, lines = check(
        runner,
        tmp_path,
        """
        rules:
          - id: impossible
            action: flag
            conditions:
              high: toxicity.insult >= 0.8
              low: toxicity.insult < 0.5
            when: high and low
          - id: top-level-reply
            action: flag
            conditions:
              top: {is_reply: false}
              deep: {reply_depth: ">= 2"}
          - id: out-of-range
            action: flag
            conditions:
              above: toxicity.insult > 1
    """,
        "--model",
        "unbiased",
    )
    assert result.exit_code == 0  # warnings alone pass
    assert lines == [
        "rules.yml:2: warning: rule 'impossible' can never match: its conditions on toxicity.insult contradict each other",
        "rules.yml:8: warning: rule 'top-level-reply' can never match: its conditions on reply_depth contradict each other",
        "rules.yml:13: warning: rule 'out-of-range' can never match: its conditions on toxicity.insult contradict each other",
    ]
    strict, _ = check(
        runner,
        tmp_path,
        "rules:\n  - id: x\n    action: flag\n    conditions: {a: toxicity.insult > 1}\n",
        "--strict",
    )
    assert strict.exit_code == 1


def test_a_rule_fully_shadowed_by_a_higher_priority_rule(runner, tmp_path):
    _, lines = check(
        runner,
        tmp_path,
        """
        lists:
          insults: [idiot, moron, stupid]
          worst: [moron]
        rules:
          - id: broad
            action: hold
            priority: 80
            conditions:
              insulting: toxicity.insult >= 0.6
              words: {words: insults}
            when: insulting or words
          - id: narrow
            action: flag
            priority: 50
            conditions:
              very: toxicity.insult >= 0.9
              a_reply: {is_reply: true}
          - id: worst-words
            action: flag
            priority: 40
            conditions:
              w: {words: worst}
          - id: independent
            action: flag
            priority: 30
            conditions:
              deep: {reply_depth: ">= 2"}
    """,
        "--model",
        "unbiased",
    )
    assert lines == [
        "rules.yml:12: warning: rule 'narrow' never decides: whenever it matches, 'broad' matches too and wins (priority 80 > 50)",
        "rules.yml:18: warning: rule 'worst-words' never decides: whenever it matches, 'broad' matches too and wins (priority 80 > 40)",
    ]


def test_contradictory_actions_name_the_winner(runner, tmp_path):
    _, lines = check(
        runner,
        tmp_path,
        """
        lists:
          staff: [Editor Ed]
        rules:
          - id: staff
            action: approve
            priority: 10
            conditions:
              staff: {author: staff}
          - id: threat
            action: hold
            priority: 90
            conditions:
              threat: toxicity.threat >= 0.5
    """,
        "--model",
        "unbiased",
    )
    assert lines == [
        "rules.yml:9: warning: rules 'staff' (approve) and 'threat' (hold) can match the same comment; 'threat' wins (priority 90 > 10)"
    ]


def test_an_approve_rule_that_meets_many_acting_rules_is_one_grouped_warning(runner, tmp_path):
    acting = "".join(
        f"""
          - id: words-{n}
            action: flag
            priority: {n * 10}
            conditions:
              w: {{words: [word{n}]}}"""
        for n in range(1, 6)
    )
    _, lines = check(
        runner,
        tmp_path,
        """
        rules:
          - id: staff
            action: approve
            priority: 25
            conditions:
              staff: {author: [Editor Ed]}"""
        + acting
        + "\n",
    )
    assert lines == [
        "rules.yml:2: warning: rule 'staff' (approve) can match the same comment as 5 rules that act "
        "('words-1', 'words-2', 'words-3' and 2 more); it wins over 2 of them and loses to 3"
    ]


def test_two_small_lists_within_one_list_do_not_stand_for_another_condition(runner, tmp_path):
    _, lines = check(
        runner,
        tmp_path,
        """
        rules:
          - id: broad
            action: hold
            priority: 80
            conditions:
              w: {words: [idiot, moron]}
              f: {first_comment: true}
          - id: narrow
            action: flag
            conditions:
              a: {words: [idiot]}
              b: {words: [moron]}
    """,
    )
    assert lines == []


def test_scores_the_model_does_not_produce(runner, tmp_path):
    text = """
        rules:
          - id: threat
            action: hold
            conditions:
              threat: toxicity.threat >= 0.5
          - id: explicit
            action: flag
            conditions:
              explicit: toxicity.sexual_explicit >= 0.6
    """
    _, fallback = check(runner, tmp_path, text, "--model", "profanity-check")
    assert fallback[:2] == [
        "rules.yml:2: warning: rule 'threat' can never match with the fallback alt-profanity-check",
        "rules.yml:5:15: warning: rule 'threat', condition 'threat': toxicity.threat is not produced by the fallback alt-profanity-check (it gives profanity); it never holds",
    ]
    _, original = check(runner, tmp_path, text, "--model", "original")
    assert original == [
        "rules.yml:6: warning: rule 'explicit' can never match with detoxify 'original'",
        "rules.yml:9:17: warning: rule 'explicit', condition 'explicit': toxicity.sexual_explicit is not produced by detoxify 'original' (it gives toxicity, severe_toxicity, obscene, threat, insult, identity_attack); it never holds",
    ]
    _, unbiased = check(runner, tmp_path, text, "--model", "unbiased")
    assert unbiased == []


def test_the_shipped_rules_have_no_errors(runner):
    result = runner.invoke(cli, ["rules", "check", str(DEFAULT_RULES), "--model", "unbiased"])
    assert result.exit_code == 0
    # The warnings are by design: the fallback-only conditions of three rules.
    unbiased = "(it gives toxicity, severe_toxicity, obscene, threat, insult, identity_attack, sexual_explicit)"
    assert [line.split(": ", 1)[1] for line in result.stdout.splitlines()] == [
        f"warning: rule '{rule}', condition 'profane': neutral.toxicity.profanity is not produced by detoxify 'unbiased' {unbiased}; it never holds"
        for rule in ("profanity", "profanity-unaimed", "insult")
    ]


@pytest.mark.parametrize("missing", ["nowhere.yml"])
def test_a_missing_file_is_an_error_line(runner, tmp_path, missing):
    result = runner.invoke(cli, ["rules", "check", str(tmp_path / missing)])
    assert result.exit_code == 1
    assert (
        result.stdout
        == f"{tmp_path / missing}: no such rule file (pass --rules FILE, or set rules in moderation.toml)\n"
    )
