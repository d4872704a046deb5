"""Rule files built to stall or crash the loader get one clear error each, at once."""

from __future__ import annotations

import pytest

from moderation.cli import cli

HEAD = "rules:\n  - id: x\n    action: flag\n    conditions:\n      w: {words: [idiot]}\n      v: {words: [moron]}\n"

BOMB = """lists:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
rules:
  - id: x
    description: *f
    action: flag
    conditions:
      w: {words: [idiot]}
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (BOMB, "rules.yml:3:10: YAML aliases (*name) are not allowed in rule files"),
        (HEAD + "    when: " + "not " * 100_000 + "w or v\n", "rules.yml:7:11: rule 'x': expression nested too deeply"),
        (HEAD + "    when: " + "(w and " * 150 + "v" + ")" * 150 + "\n", "rules.yml:7:11: rule 'x': expression nested too deeply"),
        ("lists:\n  a: " + "[" * 100_000 + "]" * 100_000 + "\n" + HEAD, "rules.yml:2:68: nested more than 64 levels deep"),
        (HEAD.replace("action: flag", "action: !!python/object/apply:os.system [echo hi]"), "rules.yml:3:13: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed"),
        (HEAD.replace("action: flag", "action: flag\n    action: hold"), "rules.yml:4:5: YAML syntax: duplicate key 'action' (first on line 3)"),
        (HEAD + "---\n" + HEAD, "rules.yml:7:1: a rule file is one YAML document (found a second '---')"),
        (HEAD.replace("action: flag", "action: flag\n    priority: 100000000000000000000000000") + "    when: w or v\n", "rule 'x': priority must be between -999,999 and 999,999"),
    ],
)  # fmt: skip
def test_a_hostile_rule_file_is_one_error(runner, tmp_path, source, expected):
    path = tmp_path / "rules.yml"
    path.write_text(source)
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    scored = runner.invoke(cli, ["score", str(tmp_path), "--rules", str(path), "-q"])
    assert scored.exit_code == 1 and expected.split(": ", 1)[-1] in scored.output


def test_yes_no_on_and_off_are_words_in_a_list(tmp_path):
    from moderation.records import Comment
    from moderation.rules import load_rules
    from moderation.rules.conditions import Subject

    path = tmp_path / "rules.yml"
    path.write_text(HEAD.replace("[moron]", "[no, off, yes, on]") + "    when: w or v\n")
    rules = load_rules(path)
    comment = Comment("c", "a", "ann", 1, "turn it off")
    assert [r.id for r in rules.matching(Subject(comment, {}, None))] == ["x"]


def test_an_action_that_is_a_list_is_one_error(runner, tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(HEAD.replace("action: flag", "action: [flag, hold]") + "    when: w or v\n")
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert (
        "rules.yml:3:13: rule 'x': action must be one of hold, flag, reject, approve"
        in result.output
    )


def test_examples_with_only_match_are_accepted_and_run(runner, tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(HEAD + "    when: w or v\n    examples:\n      match:\n        - you idiot\n")
    assert runner.invoke(cli, ["rules", "check", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["rules", "test", str(path)])
    assert result.exit_code == 0 and "1 example(s): 1 passed, 0 failed" in result.output


def test_a_list_of_25000_words_loads_and_matches(tmp_path):
    import random
    import string

    from moderation.records import Comment
    from moderation.rules import load_rules
    from moderation.rules.conditions import Subject

    rng = random.Random(4)
    words = sorted(
        {"".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 11))) for _ in range(25_000)}
    )  # fmt: skip
    path = tmp_path / "rules.yml"
    path.write_text(
        "lists:\n  big: [" + ", ".join(words) + "]\nrules:\n  - id: x\n    action: flag\n"
        "    conditions:\n      w: {words: big}\n"
    )
    rules = load_rules(path)  # RE2's default memory could not hold a set this large
    comment = Comment("c", "a", "ann", 1, f"well {words[12_345]} to you")
    assert [r.id for r in rules.matching(Subject(comment, {}, None))] == ["x"]


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ('{text: "x", scores: {toxicity.insult: "high"}}', "example score 'toxicity.insult' must be a number"),
        ('{text: "x", scores: {toxicity.insult: .nan}}', "example score 'toxicity.insult' must be a number"),
        ('{text: "x", scores: [1, 2]}', "example 'scores' must be a mapping of score names to numbers"),
        ('{text: "x", depth: "deep"}', "example 'depth' must be a whole number"),
        ('{text: "x", rejections: [1]}', "example 'rejections' must be a whole number"),
        ('{text: "x", first_comment: "yes"}', "example 'first_comment' must be true or false"),
        ('{text: "x", reply_to: 5}', "example 'reply_to' must be a name"),
    ],
)  # fmt: skip
def test_an_example_field_of_the_wrong_type_is_one_error(runner, tmp_path, example, expected):
    path = tmp_path / "rules.yml"
    path.write_text(HEAD + f"    when: w or v\n    examples:\n      match:\n        - {example}\n")
    result = runner.invoke(cli, ["rules", "check", str(path)])
    assert result.exit_code == 1
    assert f"rules.yml:10:11: rule 'x': {expected}" in result.output
    assert "Traceback" not in result.output
