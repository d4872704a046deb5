"""The command line as a user meets it: help, the seed report, flags, and clear errors."""

import hashlib
import json
import subprocess
import sys

import pytest
from conftest import DEFAULT_RULES, ROOT, SEEDS

from moderation.cli import cli


def walk(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from walk(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in walk(cli)], ids=" ".join)
def test_every_command_has_help_with_an_example(runner, path):
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "moderation " in result.output


def test_score_the_seeds_reports_articles_comments_and_flags(runner, db_path):
    result = runner.invoke(
        cli, ["score", str(SEEDS), "--db", str(db_path), "--rules", str(DEFAULT_RULES), "-q"]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Read 5 file(s): 4 comment(s) (4 new)" in out
    assert "004_ab45d655f29e8aa9.txt: 4 comment(s), xenforo layout" in out
    assert "4 other file(s): no comment thread" in out
    assert "2 of 4 comment(s) flagged:" in out
    assert "HOLD   targetdrone" in out
    assert (
        "identity-attack: dehumanising: words from dehumanising in the commenter's own words: 'terrorist nations' at 66-83"
        in out
    )
    assert "FLAG   Daniel Coca" in out
    assert (
        "personal-attack: insult_words: words from insults in the commenter's own words: 'clueless' at 18-26; a_reply: comment is a reply, by name (inferred)"
        in out
    )
    assert "scores: sentiment -0.36, profanity 0.20" in out
    assert "warning: Detoxify 'unbiased' weights could not be downloaded" in result.stderr
    assert "Downloading" not in out  # stdout is for results; the download notice goes to stderr


def test_offline_runs_try_the_download_once_and_a_cached_rerun_opens_no_model(
    runner, db_path, tmp_path, monkeypatch
):
    command = ["score", str(SEEDS), "--db", str(db_path), "-q"]
    first = runner.invoke(cli, command)
    assert "weights could not be downloaded" in first.stderr
    assert "run `moderation models fetch` once with internet access" in first.stderr

    def no_model(*args):
        raise AssertionError("a model was opened")

    from moderation.scoring.profanity import ProfanityScorer

    opens_fallback = ProfanityScorer.__init__
    monkeypatch.setattr("moderation.scoring.toxicity.load_torch_detoxify", no_model)
    monkeypatch.setattr(ProfanityScorer, "__init__", no_model)
    again = runner.invoke(cli, command)
    assert again.exit_code == 0, again.output
    assert "(0 new), 0 text(s) scored now" in again.stdout
    assert again.stderr == ""  # nothing opened, nothing to warn about
    monkeypatch.setattr(ProfanityScorer, "__init__", opens_fallback)  # Detoxify still not
    archive = tmp_path / "new.jsonl"
    archive.write_text('{"id": 1, "text": "A new comment, never scored."}\n')
    new = runner.invoke(cli, ["score", str(archive), "--db", str(db_path), "-q"])
    assert new.exit_code == 0, new.output
    assert "not tried again for a day. Scoring toxicity with alt-profanity-check" in new.stderr
    assert "profanity" in new.stdout or "1 comment(s) (1 new)" in new.stdout


def test_models_fetch_tries_at_once_and_says_what_is_ready(runner, db_path, tiny_model):
    offline = runner.invoke(cli, ["models", "fetch"])
    assert offline.exit_code == 1
    (error,) = [line for line in offline.stderr.splitlines() if line.startswith("Error: ")]
    assert error.startswith("Error: Detoxify 'unbiased' weights could not be downloaded")
    assert "Traceback" not in offline.output
    checkpoint, config_dir = tiny_model
    ready = runner.invoke(
        cli,
        ["models", "fetch", "--checkpoint", str(checkpoint), "--config-dir", str(config_dir),
         "--precision", "fp32"],
    )  # fmt: skip
    assert ready.exit_code == 0, ready.output
    assert ready.stdout.startswith("Ready: detoxify-local:tiny.ckpt#")
    assert "Precision: fp32" in ready.stdout


def test_score_again_adds_nothing(runner, db_path):
    args = ["score", str(SEEDS), "--db", str(db_path), "-q"]
    runner.invoke(cli, args)
    again = runner.invoke(cli, args)
    assert "4 comment(s) (0 new), 0 text(s) scored now" in again.stdout


def test_score_with_a_local_checkpoint(runner, db_path, tiny_model):
    checkpoint, config_dir = tiny_model
    result = runner.invoke(
        cli,
        [
            "score",
            str(SEEDS),
            "--db",
            str(db_path),
            "-q",
            "--checkpoint",
            str(checkpoint),
            "--config-dir",
            str(config_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "detoxify-local:tiny.ckpt#" in result.stdout
    assert "warning" not in result.stderr


def test_the_summary_says_which_precision_was_chosen_and_why(
    runner, db_path, tiny_model, monkeypatch
):
    # The tiny model's random weights lose more to int8 than a real model: bound lifted.
    monkeypatch.setattr("moderation.scoring.precision.FAITHFUL_BOUND", 1.0)
    monkeypatch.setattr("moderation.scoring.precision.MIN_SPEEDUP", 0.0)
    checkpoint, config_dir = tiny_model
    command = ["score", str(SEEDS), "--db", str(db_path), "--checkpoint", str(checkpoint),
               "--config-dir", str(config_dir)]  # fmt: skip
    result = runner.invoke(cli, command)
    assert result.exit_code == 0, result.output
    assert "Precision: int8 (chosen automatically: " in result.stdout
    assert "+int8 (toxicity)" in result.stdout


def test_score_json_output_is_only_json(runner, db_path):
    result = runner.invoke(cli, ["score", str(SEEDS), "--db", str(db_path), "-q", "--json"])
    lines = result.stdout.splitlines()
    assert [json.loads(line)["author"] for line in lines] == ["targetdrone", "Daniel Coca"]


def test_flags_lists_what_score_flagged(runner, db_path):
    runner.invoke(cli, ["score", str(SEEDS), "--db", str(db_path), "-q"])
    result = runner.invoke(cli, ["flags", "--db", str(db_path)])
    assert result.exit_code == 0
    assert result.stdout.index("HOLD   targetdrone") < result.stdout.index("FLAG   Daniel Coca")
    as_json = [
        json.loads(line)
        for line in runner.invoke(
            cli, ["flags", "--db", str(db_path), "--json"]
        ).stdout.splitlines()
    ]
    assert [(f["author"], f["action"]) for f in as_json] == [
        ("targetdrone", "hold"),
        ("Daniel Coca", "flag"),
    ]
    assert as_json[1]["rules"][0]["spans"] == [
        {"start": 18, "end": 26, "text": "clueless", "field": "text"}
    ]
    assert as_json[1]["toxicity_model"].startswith("alt-profanity-check@")


def test_flags_without_a_store(runner, tmp_path):
    result = runner.invoke(cli, ["flags", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {tmp_path / 'none.db'}: no store here yet (run `moderation score` first)\n"
    )


def test_extract_prints_comments_as_json_lines(runner):
    result = runner.invoke(cli, ["extract", str(SEEDS)])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["author"] for r in records] == [
        "Jake Hall",
        "targetdrone",
        "Daniel Coca",
        "Jake Hall",
    ]
    assert records[3]["quote_author"] == "17050032"
    assert records[2]["parent_inferred"] is True and records[2]["reply_basis"] == "name"


EXPORTS = ROOT / "tests" / "data" / "exports"


@pytest.mark.parametrize(
    ("name", "options", "authors"),
    [
        ("disqus_export.xml", [], 4),
        ("wordpress_export.xml", [], 4),
        ("commento_export.json", [], 3),
        ("hn_items.jsonl", ["--preset", "hackernews"], 5),
        ("comments.csv", ["--map", "text=body,author=user,parent=reply_to"], 5),
    ],
)
def test_extract_reads_every_format_score_reads(runner, name, options, authors):
    result = runner.invoke(cli, ["extract", str(EXPORTS / name), *options])
    assert result.exit_code == (3 if name == "comments.csv" else 0), result.output  # 3 bad rows
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == authors
    assert all(r["author"] and r["source"] for r in records)
    assert all(r["text"] or r["status"] != "visible" for r in records)


def test_extract_reports_bad_records_and_strict_stops_at_the_first(runner):
    reddit = str(EXPORTS / "reddit_comments.jsonl")
    lenient = runner.invoke(cli, ["extract", reddit, "--preset", "reddit"])
    assert lenient.exit_code == 3  # some records skipped
    assert "warning: skipped " + reddit + ":7: not valid JSON" in lenient.stderr
    assert len(lenient.stdout.splitlines()) == 7
    strict = runner.invoke(cli, ["extract", reddit, "--preset", "reddit", "--strict"])
    assert strict.exit_code == 1
    assert (
        strict.stderr
        == f"Error: {reddit}:7: not valid JSON: Invalid control character at (column 69)\n"
    )
    csv_rows = runner.invoke(
        cli,
        [
            "extract",
            str(EXPORTS / "comments.csv"),
            "--map",
            "text=body,author=user,parent=reply_to",
        ],
    )
    replies = [
        json.loads(line) for line in csv_rows.stdout.splitlines() if '"parent_id": "c' in line
    ]
    assert [r["author"] for r in replies] == ["Sarah K"]


def _store_bytes(db_path):
    return {p.name: p.read_bytes() for p in db_path.parent.glob(db_path.name + "*")}


def test_garbled_input_is_one_line_and_leaves_the_store_as_it_was(runner, db_path, seeds_copy):
    runner.invoke(cli, ["score", str(SEEDS), "--db", str(db_path), "-q"])
    before = _store_bytes(db_path)
    (seeds_copy / "005_garbled.txt").write_bytes(
        b"A headline\n\n  \xe2\x80\xa2 reader\n    bad \xc3\x28 bytes\n"
    )
    result = runner.invoke(cli, ["score", str(seeds_copy), "--db", str(db_path), "-q"])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {seeds_copy / '005_garbled.txt'}:4: byte 0xc3 is not valid UTF-8 (save the file as UTF-8)\n"
    )
    assert _store_bytes(db_path) == before


def test_invalid_rule_file_is_one_line_with_the_line_and_no_store_is_made(
    runner, db_path, tmp_path
):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "rules:\n  - id: insult\n    action: flag\n    priorty: 5\n    conditions: {x: toxicity.insult >= 0.6}\n"
    )
    result = runner.invoke(cli, ["score", str(SEEDS), "--db", str(db_path), "--rules", str(bad)])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: {bad}:4:5: unknown key 'priorty' (did you mean 'priority'?) (expected one of: id, description, action, priority, mode, conditions, when, examples)\n"
    )
    assert not db_path.exists()


def test_the_shipped_rules_work_from_any_folder_and_init_copies_them(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["score", str(SEEDS), "-q"])
    assert result.exit_code == 0, result.output
    shipped = DEFAULT_RULES.read_bytes()
    assert f"Rules: default.yml#{hashlib.sha256(shipped).hexdigest()[:12]}" in result.stdout
    init = runner.invoke(cli, ["rules", "init"])
    assert init.exit_code == 0, init.output
    assert (tmp_path / "rules" / "default.yml").read_bytes() == shipped
    copy = shipped + b"# edited here\n"
    (tmp_path / "rules" / "default.yml").write_bytes(copy)  # runs from here use the copy
    edited = runner.invoke(cli, ["score", str(SEEDS), "-q"])
    assert f"Rules: default.yml#{hashlib.sha256(copy).hexdigest()[:12]}" in edited.stdout
    again = runner.invoke(cli, ["rules", "init"])
    assert again.exit_code == 1
    assert again.output == (
        "Error: rules/default.yml: already exists; it is left as it is (remove it to start over)\n"
    )
    assert (tmp_path / "rules" / "default.yml").read_bytes() == copy


def test_a_missing_rule_file_is_one_line(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["score", str(SEEDS), "--rules", "mine.yml"])
    assert result.exit_code == 1
    assert (
        result.output
        == "Error: mine.yml: no such rule file (pass --rules FILE, or set rules in moderation.toml)\n"
    )


def test_missing_input_path(runner, db_path, tmp_path):
    result = runner.invoke(cli, ["score", str(tmp_path / "nowhere"), "--db", str(db_path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'nowhere'}: no such file or directory\n"


def test_bad_settings_file_is_one_line(runner, tmp_path):
    config = tmp_path / "moderation.toml"
    config.write_text('[toxicity]\nmodel = "huge"\n')
    result = runner.invoke(cli, ["score", str(SEEDS), "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {config}: toxicity model 'huge' is not one of original, unbiased"
    )


def test_python_dash_m_runs_the_same_cli():
    result = subprocess.run(
        [sys.executable, "-m", "moderation", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "score" in result.stdout and "flags" in result.stdout


def test_importing_the_package_loads_no_model():
    code = "import sys, moderation.cli, moderation.pipeline; print(sorted(m for m in ('torch', 'transformers', 'detoxify', 'sqlalchemy') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['sqlalchemy']"


def test_users_add_stores_a_hashed_password(runner, db_path):
    result = runner.invoke(
        cli,
        ["users", "add", "ana", "--role", "editor", "--db", str(db_path)],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("Added ana (editor).\n")
    from moderation.store import open_store, users

    store = open_store(f"sqlite:///{db_path}")
    with store.transaction() as connection:
        account = users.find(connection, "ana")
        assert account["role"] == "editor" and "s3cret-pass" not in account["password_hash"]
        assert users.authenticate(connection, "ana", "s3cret-pass") is not None
    store.close()
    for name in (
        "ana",
        "ANA",
        "ana ",
        "a\u200bna",
    ):  # the same name, whatever its case or hidden characters
        again = runner.invoke(
            cli, ["users", "add", name, "--db", str(db_path), "--password", "longenough"]
        )
        assert again.exit_code == 1 and again.output == "Error: user 'ana' already exists\n", name
    accented = ["users", "add", "Émile", "--db", str(db_path), "--password", "longenough"]
    assert runner.invoke(cli, accented).exit_code == 0
    again = runner.invoke(cli, [*accented[:2], "ÉMILE", *accented[3:]])
    assert again.output == "Error: user 'Émile' already exists\n"  # not only ASCII folds
    short = runner.invoke(cli, ["users", "add", "cy", "--db", str(db_path), "--password", "x"])
    assert short.exit_code == 1 and short.output == "Error: a password is at least 8 characters\n"
    bad = runner.invoke(
        cli, ["users", "add", "bob", "--role", "owner", "--db", str(db_path), "--password", "x"]
    )
    assert (
        bad.exit_code == 2 and "'owner' is not one of 'moderator', 'editor', 'admin'" in bad.output
    )


def test_score_help_lists_the_map_fields_out_formats_and_exit_status(runner):
    from moderation.cli.scoring import MAP_FIELDS, OUT_FORMATS
    from moderation.output import FORMATS
    from moderation.sources.tabular import FIELDS

    assert (MAP_FIELDS, OUT_FORMATS) == (FIELDS, FORMATS)
    shown = " ".join(runner.invoke(cli, ["score", "--help"]).output.split())
    assert "Ours: " + ", ".join(FIELDS) + "." in shown
    assert "[jsonl|csv|parquet]" in shown and ".jsonl, .csv, or .parquet" in shown
    assert "Exit status: 0 every record was read; 3 some records" in shown


def test_users_list_role_password_disable_and_enable(runner, db_path):
    db = ["--db", str(db_path)]
    for name, role in (("ada", "admin"), ("mo", "moderator")):
        runner.invoke(cli, ["users", "add", name, "--role", role, *db, "--password", "longenough"])
    assert (
        runner.invoke(cli, ["users", "role", "MO", "editor", *db]).output == "MO is now editor.\n"
    )
    reset = runner.invoke(cli, ["users", "password", "mo", *db, "--password", "another one"])
    assert reset.exit_code == 0 and "new password" in reset.output
    assert runner.invoke(cli, ["users", "disable", "mo", *db]).exit_code == 0
    listed = runner.invoke(cli, ["users", "list", *db]).output.splitlines()
    assert listed[0].startswith("ada\tadmin\tlast login never\tactive")
    assert listed[1].startswith("mo\teditor\tlast login never\tdisabled ")
    last_admin = runner.invoke(cli, ["users", "disable", "ada", *db])
    assert last_admin.exit_code == 1
    assert last_admin.output == "Error: this is the last admin account: make another admin first\n"
    assert runner.invoke(cli, ["users", "enable", "mo", *db]).exit_code == 0
    unknown = runner.invoke(cli, ["users", "enable", "nobody", *db])
    assert unknown.output == "Error: no account named 'nobody'\n"
    from moderation.store import open_store, users

    store = open_store(f"sqlite:///{db_path}")
    with store.transaction() as connection:
        assert users.authenticate(connection, "mo", "another one") is not None
    store.close()
