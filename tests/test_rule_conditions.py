"""Context and text-shape conditions, shadow rules, and rule examples."""

from pathlib import Path
from textwrap import dedent

from conftest import DEFAULT_RULES

from moderation.cli import cli
from moderation.records import Action, Comment, ReplyBasis, Scores, ScoreSet
from moderation.rules import parse_rules
from moderation.rules.context import NO_CONTEXT, AuthorHistory, Context, thread_contexts

NO_SCORES = Scores(ScoreSet("v", {}), ScoreSet("t", {}))


def rule(condition: str):
    return parse_rules(
        dedent(f"""
        lists:
          trolls: [Troll King]
          sections: [Politics]
        rules:
          - id: r
            action: flag
            conditions:
              c: {condition}
    """),
        Path("t.yml"),
    )


def comment(text="x", author="reader", cid="c1", parent=None, depth=0) -> Comment:
    return Comment(
        id=cid, article_id="a1", author=author, position=1, text=text, parent_id=parent,
        reply_basis=ReplyBasis.INDENT if parent else None, depth=depth,
    )  # fmt: skip


def acts(ruleset, c: Comment, context: Context = NO_CONTEXT) -> bool:
    return ruleset.decide(c, NO_SCORES, context).action is Action.FLAG


def test_reply_to_a_named_author():
    ruleset = rule("{reply_to: trolls}")
    assert acts(ruleset, comment(parent="p", depth=1), Context(parent_author="troll king"))
    assert not acts(ruleset, comment(parent="p", depth=1), Context(parent_author="Sarah K"))


def test_author_history_and_first_comment():
    assert acts(rule("{author_rejections: '>= 2'}"), comment(), Context(author_rejections=3))
    assert not acts(rule("{author_rejections: '>= 2'}"), comment(), Context(author_rejections=1))
    assert acts(rule("{first_comment: true}"), comment(), Context(first_comment=True))


def test_missing_history_is_reported_not_silently_false():
    decision = rule("{author_rejections: '>= 2'}").decide(comment(), NO_SCORES, Context())
    assert decision.action is None
    assert decision.missing == ("author_rejections",)


def test_section_and_article_age():
    assert acts(rule("{section: sections}"), comment(), Context(section="politics"))
    assert acts(rule("{article_age_hours: '> 72'}"), comment(), Context(article_age_hours=100.0))
    assert not acts(rule("{article_age_hours: '> 72'}"), comment(), Context(article_age_hours=2.0))


def test_text_shape():
    assert acts(rule("{length: '> 20'}"), comment("x" * 21))
    assert not acts(rule("{length: '> 20'}"), comment("x" * 20))
    assert acts(rule("{capitals: '>= 0.8'}"), comment("STOP THIS NOW please"[:13]))
    assert acts(rule("{links: '>= 2'}"), comment("see https://a.example and www.b.example"))
    assert acts(rule("{repeated_chars: '>= 5'}"), comment("noooooo!!!"))
    assert not acts(rule("{repeated_chars: '>= 5'}"), comment("nooo"))


def test_flame_war_counts_replies_in_a_row_between_two_authors():
    thread = [
        comment(author="Ann", cid="1"),
        comment(author="Bob", cid="2", parent="1", depth=1),
        comment(author="Ann", cid="3", parent="2", depth=2),
        comment(author="Bob", cid="4", parent="3", depth=3),
        comment(author="Cat", cid="5", parent="4", depth=4),
    ]
    contexts = thread_contexts(thread, {}, AuthorHistory({}, {}))
    assert [contexts[c.id].back_and_forth for c in thread] == [0, 1, 2, 3, 1]
    assert [contexts[c.id].first_comment for c in thread] == [True, True, False, False, True]
    assert contexts["4"].parent_author == "Ann"


def test_shadow_rules_are_recorded_but_take_no_action():
    ruleset = parse_rules(
        dedent("""
        rules:
          - id: trial
            action: reject
            priority: 100
            mode: shadow
            conditions: {long: {length: '> 5'}}
          - id: live
            action: flag
            priority: 1
            conditions: {long: {length: '> 5'}}
    """),
        Path("t.yml"),
    )
    decision = ruleset.decide(comment("a long comment"), NO_SCORES)
    assert decision.action is Action.FLAG
    assert [(m.rule_id, m.shadow) for m in decision.matches] == [("trial", True), ("live", False)]
    only_shadow = parse_rules(
        dedent("""
        rules:
          - id: trial
            action: hold
            mode: shadow
            conditions: {long: {length: '> 5'}}
    """),
        Path("t.yml"),
    )
    decision = only_shadow.decide(comment("a long comment"), NO_SCORES)
    assert decision.action is None and decision.rule_ids == ("trial",)


def test_shipped_rules_pass_their_examples(runner):
    result = runner.invoke(cli, ["rules", "test", str(DEFAULT_RULES)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith("passed, 0 failed")
    assert int(result.stdout.splitlines()[-1].split()[0]) >= 30


def test_rules_test_fails_when_an_example_is_wrong(runner, tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(
        dedent("""
        lists:
          insults: [idiot]
        rules:
          - id: insult
            action: flag
            conditions:
              words: {words: insults}
            examples:
              match:
                - you idiot
                - you fool
              no_match:
                - a fine comment
    """)
    )
    result = runner.invoke(cli, ["rules", "test", str(path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "pass    insult                 match     11    you idiot" in lines
    assert "FAIL    insult                 match     12    you fool" in lines
    assert any("words: no words from insults in the text" in line for line in lines)
    assert lines[-1] == "3 example(s): 2 passed, 1 failed"
