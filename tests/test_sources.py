"""Archive exports: every format from realistic fixtures, compressed input, hostile XML."""

import bz2
import gzip
import json
import lzma
import shutil

import pytest
import zstandard
from conftest import DATA

from moderation.errors import InputError
from moderation.sources import Bad, SourceOptions, detect, read

EXPORTS = DATA / "exports"
CSV_MAP = {
    "id": "comment_id",
    "author": "user",
    "text": "body",
    "parent": "reply_to",
    "article": "article_url",
    "time": "posted_at",
}


def comments(path, **options):
    records = list(read(path, SourceOptions(**options)))
    found = [r for r in records if not isinstance(r, Bad)]
    return found, [str(r) for r in records if isinstance(r, Bad)]


def by_author(found):
    return {f.comment.author: f.comment for f in found}


def test_reddit_dump_with_nested_replies_deleted_and_broken_lines():
    found, bad = comments(EXPORTS / "reddit_comments.jsonl", preset="reddit")
    authors = [f.comment.author for f in found]
    assert authors == [
        "throwaway_pk",
        "privacy_first",
        "throwaway_pk",
        "[deleted]",
        "zoë_b",
        "mod_bot",
        "late_reply",
    ]
    first, second, third, deleted = (f.comment for f in found[:4])
    assert first.parent_id is None and second.parent_id == first.id and third.parent_id == second.id
    assert deleted.status == "deleted" and found[5].comment.status == "deleted"  # [removed]
    assert found[4].comment.text.startswith("Ça ne m'étonne pas — BlackBerry")
    assert first.posted == "2015-12-01T00:00:00+00:00"
    assert len({f.article.id for f in found}) == 1
    assert bad == [
        f"{EXPORTS / 'reddit_comments.jsonl'}:7: not valid JSON: Invalid control character at (column 69)",
        f"{EXPORTS / 'reddit_comments.jsonl'}:9: not a JSON object",
        f"{EXPORTS / 'reddit_comments.jsonl'}:10: no field 'body' for the comment text "
        "(its fields: id, author, parent_id, link_id; --map text=FIELD reads another)",
    ]


def test_hacker_news_items_html_to_text_quotes_deleted_and_dead():
    found, bad = comments(EXPORTS / "hn_items.jsonl", preset="hackernews")
    assert bad == []
    items = by_author(found)
    assert (
        items["tptacek"].text
        == "The interesting detail is that this is about BES, not consumer BBM.\nEnterprise servers are the only thing they can refuse to open up."
    )
    assert items["patio11"].quote == "this is about BES"
    assert (
        items["patio11"].text
        == "Right, and 5,000 BES users is a rounding error. Cheap principle — but a principle."
    )
    assert items["patio11"].parent_id == items["tptacek"].id
    assert items["anonymous"].status == "deleted"
    assert items["spammer99"].status == "spam"
    assert "alert" not in items["jacquesm"].text  # script content is not comment text
    assert found[0].article.title == "BlackBerry to leave Pakistan over privacy"


def test_csv_with_a_mapping_and_every_bad_row():
    path = EXPORTS / "comments.csv"
    found, bad = comments(path, mapping=CSV_MAP)
    items = by_author(found)
    assert list(items) == ["Ruth A", "Mark Jones", "Sarah K", "Pete Nowak", "Åsa Öberg"]
    assert items["Mark Jones"].text == "Finally, an early sailing!\nI've waited years."
    assert items["Sarah K"].parent_id == items["Mark Jones"].id
    assert bad == [
        f"{path}:7: expected 6 columns, found 7",
        f"{path}:8: expected 6 columns, found 3",
        f"{path}:9: not valid UTF-8",
    ]


def test_disqus_export_threads_replies_spam_and_deleted():
    found, bad = comments(EXPORTS / "disqus_export.xml")
    assert detect(EXPORTS / "disqus_export.xml") == "disqus" and bad == []
    items = by_author(found)
    assert found[0].article.title == 'BlackBerry to exit Pakistan over "back door" demand'
    assert items["Omar Siddiqui"].parent_id == items["Raj Patel"].id
    assert items["Omar Siddiqui"].quote == "Privacy should not depend on which country you live in."
    assert items["Guest"].status == "spam"
    assert (
        items["Léa Dubois"].status == "deleted"
        and items["Léa Dubois"].parent_id == items["Omar Siddiqui"].id
    )


def test_wordpress_export_skips_pingbacks_and_keeps_spam_and_trash(tmp_path):
    found, bad = comments(EXPORTS / "wordpress_export.xml")
    assert detect(EXPORTS / "wordpress_export.xml") == "wxr" and bad == []
    items = by_author(found)
    assert "Ferry Blog" not in items  # a pingback is not a reader comment
    assert (
        items["Mark Jones"].text
        == "Finally. I've been getting to work late twice a week since August."
    )
    assert (
        items["Sarah K"].parent_id == items["Mark Jones"].id
        and items["Sarah K"].quote == "getting to work late"
    )
    assert items["cheap-pills"].status == "spam" and items["Pete Nowak"].status == "trash"

    pending = tmp_path / "pending.xml"
    pending.write_text(
        (EXPORTS / "wordpress_export.xml")
        .read_text()
        .replace("<![CDATA[1]]></wp:comment_approved>", "<![CDATA[0]]></wp:comment_approved>")
    )
    awaiting, _ = comments(pending)
    # Awaiting approval on the site: not published, and the queue says so.
    assert by_author(awaiting)["Mark Jones"].status == "pending"
    assert found[0].article.title == "Council approves new ferry timetable after months of delays"


def test_commento_export():
    found, bad = comments(EXPORTS / "commento_export.json")
    assert bad == []
    items = by_author(found)
    assert (
        items["Kenji"].parent_id == items["Ines"].id and items["Kenji"].quote == "Great write-up."
    )
    assert items["promo"].status == "spam"
    assert found[0].article.source == "blog.example/2015/blackberry"


def test_commento_export_keeps_each_page_apart(tmp_path):
    # As `commento export` writes it: the page's path is under "url".
    export = {
        "version": 1,
        "comments": [
            {"commentHex": "b1", "domain": "news.example", "url": "/a/ferries", "commenterHex": "u1",
             "html": "<p>Good news for commuters.</p>", "parentHex": "root", "state": "approved",
             "creationDate": "2020-01-01T10:00:00Z", "deleted": False},
            {"commentHex": "b2", "domain": "news.example", "url": "/b/budget", "commenterHex": "u1",
             "html": "<p>The budget is a mess.</p>", "parentHex": "root", "state": "approved",
             "creationDate": "2020-01-02T10:00:00Z", "deleted": False},
        ],
        "commenters": [{"commenterHex": "u1", "name": "Ines"}],
    }  # fmt: skip
    path = tmp_path / "commento.json"
    path.write_text(json.dumps(export))
    found, bad = comments(path)
    assert bad == []
    assert [f.article.source for f in found] == ["news.example/a/ferries", "news.example/b/budget"]
    assert found[0].comment.article_id != found[1].comment.article_id


COMPRESSIONS = [
    (".gz", gzip.compress),
    (".bz2", bz2.compress),
    (".xz", lzma.compress),
    (".zst", lambda b: zstandard.ZstdCompressor().compress(b)),
]


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSIONS)
def test_compressed_exports(tmp_path, suffix, compress):
    path = tmp_path / f"dump.jsonl{suffix}"
    path.write_bytes(compress((EXPORTS / "reddit_comments.jsonl").read_bytes()))
    found, bad = comments(path, preset="reddit")
    assert detect(path) == "jsonl"
    assert len(found) == 7 and len(bad) == 3


@pytest.mark.parametrize(("suffix", "compress"), COMPRESSIONS)
def test_truncated_compressed_export_is_an_error(tmp_path, suffix, compress):
    path = tmp_path / f"dump.jsonl{suffix}"
    whole = compress((EXPORTS / "reddit_comments.jsonl").read_bytes() * 200)
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(
        InputError, match=rf"dump\.jsonl\{suffix}: stream ends early after line \d+"
    ):
        comments(path, preset="reddit")


def test_zstandard_archives_of_several_frames_read_whole(tmp_path):
    path = tmp_path / "dump.jsonl.zst"
    part = (EXPORTS / "reddit_comments.jsonl").read_bytes()
    path.write_bytes(b"".join(zstandard.ZstdCompressor().compress(part) for _ in range(3)))
    found, bad = comments(path, preset="reddit")
    whole_found, whole_bad = comments(EXPORTS / "reddit_comments.jsonl", preset="reddit")
    assert len(found) == 3 * len(whole_found) and len(bad) == 3 * len(whole_bad)


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml"])
def test_hostile_xml_is_refused(name):
    with pytest.raises(InputError) as error:
        comments(EXPORTS / name)
    assert (
        str(error.value)
        == f"{EXPORTS / name}: refused: the XML declares entities or external references (EntitiesForbidden)"
    )


def test_truncated_xml_names_the_line(tmp_path):
    path = tmp_path / "cut.xml"
    path.write_text((EXPORTS / "disqus_export.xml").read_text()[:1500])
    with pytest.raises(InputError, match=r"cut\.xml:\d+: XML is malformed or truncated"):
        comments(path)


def test_a_directory_is_walked(tmp_path):
    folder = tmp_path / "exports"
    shutil.copytree(EXPORTS, folder, ignore=shutil.ignore_patterns("*laughs*", "external*"))
    from moderation.extract import iter_input_files

    assert sorted(p.name for p in iter_input_files([folder])) == sorted(
        p.name
        for p in EXPORTS.iterdir()
        if "laughs" not in p.name and not p.name.startswith("external")
    )


def test_export_warnings_name_the_records_own_line(tmp_path):
    disqus = tmp_path / "disqus.xml"
    disqus.write_text(
        (EXPORTS / "disqus_export.xml").read_text().replace('<thread dsq:id="4352001" />', "", 2)
    )
    _, bad = comments(disqus)  # the posts at lines 20 and 29 lost their thread
    assert bad == [
        f"{disqus}:20: post without an id or a known thread",
        f"{disqus}:29: post without an id or a known thread",
    ]
    wxr = tmp_path / "wordpress.xml"
    lines = (EXPORTS / "wordpress_export.xml").read_text().splitlines(keepends=True)
    number = next(n for n, text in enumerate(lines, 1) if n > 23 and "<wp:comment_id>" in text)
    lines[number - 1] = "<wp:comment_id></wp:comment_id>\n"
    wxr.write_text("".join(lines))
    found, bad = comments(wxr)
    assert bad == [f"{wxr}:23: comment without an id on post 812"]
    assert [f.where for f in found] == [f"{wxr}:14", f"{wxr}:40", f"{wxr}:48"]
