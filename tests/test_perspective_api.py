"""The Perspective-compatible API, driven as its users drive Perspective."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conftest import DATA, DEFAULT_RULES, dump, query

from moderation.store import keys as key_store
from moderation.store import open_store
from webui import create_app

LIVE_RULES = DATA / "rules" / "live.yml"


def make_key(settings, name="site", rate=100.0) -> str:
    store = open_store(settings.db_url)
    with store.transaction() as connection:
        key = key_store.add(connection, name, rate, datetime.now(UTC))
    store.close()
    return key


@pytest.fixture
def store_url(db_url):
    """Every test here runs on SQLite and on PostgreSQL."""
    return db_url


def app_for(settings, rules=DEFAULT_RULES, config=None):
    return create_app(
        {"TESTING": True, "MODERATION_DB": settings.db, "MODERATION_RULES": str(rules),
         "MODERATION_CONFIG": str(config) if config else None, "SECRET_KEY": "test"}
    )  # fmt: skip


@pytest.fixture
def tiny_config(tmp_path, tiny_model):
    checkpoint, config_dir = tiny_model
    path = tmp_path / "moderation.toml"
    path.write_text(
        f'[toxicity]\ncheckpoint = "{checkpoint}"\nconfig_dir = "{config_dir}"\nbatch_tokens = 256\n'
    )
    return path


def test_googles_client_library_gets_scores_from_this_server(settings, tiny_config, live_server):
    import httplib2
    from googleapiclient import discovery

    key = make_key(settings)
    base = live_server(app_for(settings, LIVE_RULES, config=tiny_config))
    client = discovery.build(
        "commentanalyzer", "v1alpha1", developerKey=key,
        discoveryServiceUrl=base + "$discovery/rest?version=v1alpha1", static_discovery=False,
        http=httplib2.Http(proxy_info=None),  # past the tests' dead proxy
    )  # fmt: skip
    request = {
        "comment": {"text": "You are an idiot. The rest was fine, flagme."},
        "requestedAttributes": {"TOXICITY": {}, "INSULT": {}},
        "spanAnnotations": True,
        "languages": ["en"],
    }
    answer = client.comments().analyze(body=request).execute()
    toxicity = answer["attributeScores"]["TOXICITY"]
    assert 0 <= toxicity["summaryScore"]["value"] <= 1
    assert toxicity["summaryScore"]["type"] == "PROBABILITY"
    assert [(s["begin"], s["end"]) for s in toxicity["spanScores"]] == [(0, 17), (18, 44)]
    assert set(answer["attributeScores"]) == {"TOXICITY", "INSULT"}
    assert answer["languages"] == ["en"] and answer["detectedLanguages"] == ["en"]
    assert answer["moderation"]["models"]["toxicity"].startswith("detoxify-local:")
    assert answer["moderation"]["action"] == "flag"
    assert [r["id"] for r in answer["moderation"]["rules"]] == ["flag-word"]

    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as refused:
        client.comments().analyze(
            body={**request, "requestedAttributes": {"SEXUALLY_EXPLICIT": {}}}
        ).execute()
    assert refused.value.resp.status == 400
    assert "detoxify-local:" in refused.value.reason  # names the model that is loaded


def test_attributes_below_their_threshold_are_left_out(settings):
    key = make_key(settings)
    client = app_for(settings).test_client()
    body = {
        "comment": {"text": "Have a nice day, neighbours."},
        "requestedAttributes": {"PROFANITY": {"scoreThreshold": 0.9}},
    }
    answer = client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).get_json()
    assert answer["attributeScores"] == {}
    body["requestedAttributes"]["PROFANITY"] = {}
    answer = client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).get_json()
    assert answer["attributeScores"]["PROFANITY"]["summaryScore"]["value"] < 0.9


def test_the_offline_model_answers_what_it_can_and_refuses_the_rest(settings):
    key = make_key(settings)
    client = app_for(settings).test_client()
    listed = client.get("/v1alpha1/attributes").get_json()
    assert [a["name"] for a in listed["attributes"]] == ["PROFANITY"]
    assert listed["models"]["toxicity"] == "alt-profanity-check@1.9.1"
    refused = client.post(
        f"/v1alpha1/comments:analyze?key={key}",
        json={"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}},
    )
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert "alt-profanity-check@1.9.1 gives PROFANITY" in error["message"]
    health = client.get("/healthz").get_json()
    assert health["models"]["toxicity"] == "alt-profanity-check@1.9.1"


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        (b"{not json", 400, "Invalid JSON"),
        (b"[1, 2]", 400, "expected an object"),
        (json.dumps({"requestedAttributes": {"PROFANITY": {}}}).encode(), 400, "comment.text is missing"),
        (json.dumps({"comment": {"text": "  "}, "requestedAttributes": {"PROFANITY": {}}}).encode(), 400, "empty"),
        (json.dumps({"comment": {"text": "x" * 20481}, "requestedAttributes": {"PROFANITY": {}}}).encode(), 400, "too long"),
        (json.dumps({"comment": {"text": "hi"}, "requestedAttributes": {"FLIRTATION": {}}}).encode(), 400, "Unknown attribute: FLIRTATION"),
        (json.dumps({"comment": {"text": "hi"}, "requestedAttributes": {}}).encode(), 400, "at least one attribute"),
        (json.dumps({"comment": {"text": "hi", "type": "MARKDOWN"}, "requestedAttributes": {"PROFANITY": {}}}).encode(), 400, "PLAIN_TEXT or HTML"),
        (json.dumps({"comment": {"text": "hi"}, "requestedAttributes": {"PROFANITY": {"scoreType": "STD_DEV_SCORE"}}}).encode(), 400, "only PROBABILITY"),
        (json.dumps({"comment": {"text": "hi"}, "requestedAttributes": {"PROFANITY": {}}, "languages": ["de"]}).encode(), 400, "does not support request languages: de"),
        (b"{" * 100000, 400, "Invalid JSON"),
        (b'{"comment": {"text": "a lone \\ud800 surrogate"}, "requestedAttributes": {"PROFANITY": {}}}', 400, "not valid Unicode"),
        (b"x" * (1 << 20 + 1), 413, ""),
    ],
)  # fmt: skip
def test_bad_requests_get_perspectives_error_shape(settings, body, code, words):
    key = make_key(settings)
    client = app_for(settings).test_client()
    answer = client.post(
        f"/v1alpha1/comments:analyze?key={key}", data=body, content_type="application/json"
    )
    assert answer.status_code == code
    error = answer.get_json()["error"]
    assert error["code"] == code
    assert error["status"] == "INVALID_ARGUMENT"
    assert words in error["message"]


def test_keys_are_checked_and_rate_limited(settings):
    client = app_for(settings).test_client()
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"PROFANITY": {}}}
    for url in ("/v1alpha1/comments:analyze", "/v1alpha1/comments:analyze?key=mk_wrong"):
        answer = client.post(url, json=body)
        assert answer.status_code == 403
        assert answer.get_json()["error"]["status"] == "PERMISSION_DENIED"
    slow = make_key(settings, "slow", rate=2)
    codes = [
        client.post(f"/v1alpha1/comments:analyze?key={slow}", json=body).status_code
        for _ in range(5)
    ]
    assert codes[:2] == [200, 200]
    assert 429 in codes
    limited = client.post(f"/v1alpha1/comments:analyze?key={slow}", json=body).get_json()
    assert limited["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert (
        client.post(
            "/v1alpha1/comments:analyze",
            json=body,
            headers={"X-Goog-Api-Key": make_key(settings, "h")},
        ).status_code
        == 200
    )


def test_do_not_store_keeps_no_text_anywhere(settings):
    key = make_key(settings)
    app = app_for(settings)
    client = app.test_client()
    secret_text = "Zanzibar-quartz-7781 is my secret idiot text"
    body = {
        "comment": {"text": secret_text},
        "requestedAttributes": {"PROFANITY": {}},
        "doNotStore": True,
    }
    assert client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).status_code == 200
    app.extensions["moderation"].moderator.flush()  # scores are written moments later
    stored = dump(settings.db_url)
    assert "Zanzibar" not in stored
    assert "alt-profanity-check" in stored  # its scores are cached, by the text's hash
    body["doNotStore"] = False
    answer = client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).get_json()
    assert answer["moderation"]["commentId"]
    assert "Zanzibar" in dump(settings.db_url)


def test_a_decision_made_in_coral_is_recorded_as_a_moderators(settings):
    key = make_key(settings)
    client = app_for(settings, LIVE_RULES).test_client()
    body = {"comment": {"text": "flagme please"}, "requestedAttributes": {"PROFANITY": {}},
            "doNotStore": False, "clientToken": "comment:42"}  # fmt: skip
    answer = client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).get_json()
    assert answer["moderation"] == answer["moderation"] | {
        "action": "flag",
        "commentId": "coral-42",
    }
    suggestion = {"comment": {"text": "flagme please"}, "clientToken": "comment:42",
                  "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}  # fmt: skip
    answer = client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=suggestion)
    assert answer.get_json() == {
        "clientToken": "comment:42",
        "moderation": {"commentId": "coral-42", "state": "rejected"},
    }
    reviews = query(settings.db_url, "select moderator, action from reviews")
    assert reviews == [("coral (site)", "reject")]
    unknown = client.post(
        f"/v1alpha1/comments:suggestscore?key={key}",
        json={**suggestion, "clientToken": "comment:9", "comment": {"text": "never seen"}},
    )
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["status"] == "NOT_FOUND"


def test_keys_from_the_command_line(runner, settings):
    from moderation.cli import cli

    made = runner.invoke(cli, ["keys", "add", "coral-prod", "--rate", "5"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    assert key.startswith("mk_")
    listed = runner.invoke(cli, ["keys", "list"]).output
    assert "coral-prod" in listed and key[:8] in listed and key not in listed and "5/s" in listed
    assert runner.invoke(cli, ["keys", "add", "coral-prod"]).exit_code == 1
    assert runner.invoke(cli, ["keys", "revoke", "coral-prod"]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["keys", "list"]).output
    client = app_for(settings).test_client()
    body = {"comment": {"text": "hi"}, "requestedAttributes": {"PROFANITY": {}}}
    assert client.post(f"/v1alpha1/comments:analyze?key={key}", json=body).status_code == 403


def test_a_model_that_cannot_load_is_a_503_not_a_made_up_score(settings, tmp_path):
    config = tmp_path / "no-fallback.toml"
    config.write_text("[toxicity]\nfallback = false\n")
    key = make_key(settings)
    client = app_for(settings, config=config).test_client()
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"TOXICITY": {}}}
    answer = client.post(f"/v1alpha1/comments:analyze?key={key}", json=body)
    assert answer.status_code == 503
    error = answer.get_json()["error"]
    assert error["status"] == "UNAVAILABLE" and "could not be downloaded" in error["message"]


def test_each_request_is_logged_with_its_keys_name_not_the_key(settings, caplog):
    import logging

    key = make_key(settings, "newsroom")
    client = app_for(settings).test_client()
    body = {"comment": {"text": "hello"}, "requestedAttributes": {"PROFANITY": {}}}
    with caplog.at_level(logging.INFO, logger="moderation.live"):
        client.post(f"/v1alpha1/comments:analyze?key={key}", json=body)
    assert "key=newsroom" in caplog.text
    assert key not in caplog.text
