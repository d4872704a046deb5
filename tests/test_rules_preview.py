"""`rules diff` and `explain` on a store built here: no rescoring, precision against moderators."""

from datetime import UTC, datetime

import pytest
from conftest import DATA, DEFAULT_RULES, SEEDS

from moderation.cli import cli
from moderation.pipeline import score_paths
from moderation.scoring.toxicity import open_toxicity_scorer
from moderation.store import open_store, queue


@pytest.fixture
def store_with_reviews(settings):
    """Seeds and layout fixtures scored with the shipped rules; two comments reviewed."""
    report = score_paths(
        [SEEDS, DATA / "layouts"], settings, lambda: open_toxicity_scorer(settings.toxicity)
    )
    by_author = {r.comment.author: r.comment.id for r in report.flagged}
    assert sorted(by_author) == ["Anonymous", "Daniel Coca", "targetdrone"]
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        now = datetime.now(UTC)
        queue.decide(connection, by_author["Daniel Coca"], "mod-ana", "reject", None, now)
        queue.decide(connection, by_author["Anonymous"], "mod-ana", "approve", None, now)
    store.close()
    return settings, by_author


@pytest.fixture
def proposed(tmp_path):
    """The shipped rules without the dehumanising-words list and without insult words in `insult`."""
    text = DEFAULT_RULES.read_text()
    text = text.replace(
        "      dehumanising: {words: dehumanising, in: own, unless_negated: true}\n"
        "      attack: {attack: [dehumanising, contempt, insults]}\n"
        "    when: (attack_score and toxic_without_identity) or dehumanising or attack",
        "    when: attack_score and toxic_without_identity",
    )
    text = text.replace(
        '      insult_words: {words: insults, in: own}\n      short: {length: "< 200"}\n'
        "      profane: neutral.toxicity.profanity >= 0.4\n"
        "      toxic: neutral.toxicity.toxicity >= 0.4\n"
        "    when: insult_score or (insult_words and (short or profane or toxic))",
        "",
    )
    assert text != DEFAULT_RULES.read_text()
    path = tmp_path / "proposed.yml"
    path.write_text(text)
    return path


def test_diff_counts_changes_per_rule_with_precision_and_samples(
    runner, store_with_reviews, proposed
):
    settings, _ = store_with_reviews
    result = runner.invoke(
        cli, ["rules", "diff", str(DEFAULT_RULES), str(proposed), "--db", settings.db]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # Anonymous's "Idiots" comment stays flagged: the fallback's profanity score still catches it.
    assert lines[0] == "Re-decided 21 stored comment(s) without rescoring: 1 change action."
    assert "  hold    -> none    1" in lines
    rows = {
        line.split()[0]: line
        for line in lines
        if line.startswith(("identity-attack ", "insult ", "personal-attack ", "profanity "))
    }
    assert rows["identity-attack"].split()[1:4] == ["1", "0", "-1"]
    assert rows["insult"].split()[1:4] == ["2", "0", "-2"]
    assert rows["insult"].endswith("50% (1/2) -> n/a")
    assert rows["personal-attack"].split()[1:4] == ["1", "1", "+0"]
    assert rows["personal-attack"].endswith("100% (1/1) -> 100% (1/1)")
    assert rows["profanity"].endswith("0% (0/1) -> 0% (0/1)")
    cleared = lines[lines.index("Newly cleared:") + 1 :]
    assert cleared == [
        '  hold -> none  targetdrone: "Good. Western companies should not be doing business in 3rd world terrorist nations or any nation wi" (no rule)'
    ]


def test_diff_of_a_file_with_itself_changes_nothing(runner, store_with_reviews):
    settings, _ = store_with_reviews
    result = runner.invoke(
        cli, ["rules", "diff", str(DEFAULT_RULES), str(DEFAULT_RULES), "--db", settings.db]
    )
    assert (
        result.stdout.splitlines()[0]
        == "Re-decided 21 stored comment(s) without rescoring: 0 change action."
    )


def test_diff_never_rescored_anything(store_with_reviews, proposed, runner):
    settings, _ = store_with_reviews
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        before = connection.exec_driver_sql("SELECT count(*), max(scored_at) FROM scores").one()
    runner.invoke(cli, ["rules", "diff", str(DEFAULT_RULES), str(proposed), "--db", settings.db])
    with store.transaction() as connection:
        assert (
            connection.exec_driver_sql("SELECT count(*), max(scored_at) FROM scores").one()
            == before
        )
    store.close()


def test_explain_shows_every_rule_matched_or_not_and_why(runner, store_with_reviews):
    settings, by_author = store_with_reviews
    result = runner.invoke(
        cli,
        ["explain", by_author["Daniel Coca"], "--db", settings.db, "--rules", str(DEFAULT_RULES)],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{by_author['Daniel Coca']} by Daniel Coca (comment 3, depth 1)" in out
    assert "decision under default.yml#" in out and ": flag by personal-attack" in out
    assert "moderators: reject" in out
    assert (
        "MATCH personal-attack [flag, priority 60]\n      + insult_words: words from insults in the commenter's own words: 'clueless' at 18-26\n      + a_reply: comment is a reply, by name (inferred)"
        in out
    )
    assert (
        "no    threat [hold, priority 100]\n      - threat_score: neutral.toxicity.threat not given by the model that scored this comment\n      - threat_words: no words from threats in the commenter's own words\n      - threat_grammar: no threat in the commenter's own words"
        in out
    )
    assert "no    heated-thread [flag, priority 40]\n      - deep: reply depth 1 < 2" in out
    assert (
        "no    first-comment-links [flag, priority 20] (shadow: recorded, takes no action)" in out
    )


def test_explain_an_unknown_comment(runner, store_with_reviews):
    settings, _ = store_with_reviews
    result = runner.invoke(cli, ["explain", "c-nope", "--db", settings.db])
    assert result.exit_code == 1
    assert result.output == "Error: no scored comment 'c-nope' in the store\n"
