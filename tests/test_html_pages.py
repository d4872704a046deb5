"""Article pages saved as HTML, with WordPress, Disqus or XenForo comment sections."""

import pytest
from conftest import DATA

from moderation.records import ReplyBasis
from moderation.sources import SourceOptions, detect, read

PAGES = DATA / "html"


def thread(name: str):
    found = list(read(PAGES / name, SourceOptions()))
    authors = {f.comment.id: f.comment.author for f in found}
    return found, [
        (f.comment.author, authors.get(f.comment.parent_id), f.comment.reply_basis) for f in found
    ]


def test_wordpress_comment_list_with_nested_replies_and_hostile_markup():
    found, shape = thread("wordpress_page.html")
    assert detect(PAGES / "wordpress_page.html") == "html"
    assert shape == [
        ("Mark Jones", None, None),
        ("Sarah K", "Mark Jones", ReplyBasis.INDENT),
        ("<script>x</script>", None, None),
    ]
    article = found[0].article
    assert article.title == "Council approves new ferry timetable after months of delays"
    assert article.source == "https://harbourgazette.example/2015/11/30/ferry-timetable/"
    assert article.byline == "Ruth Adeyemi"
    sarah = found[1].comment
    assert (
        sarah.text
        == "Same here — though the 6:40 is still too late for hospital shifts.\nIdiots planned this."
    )
    assert sarah.posted == "2015-11-30T10:02:00+00:00"
    assert found[2].comment.text == "Nice try but no."  # the <img onerror> is not text
    assert all(
        "Leave a Reply" not in f.comment.text and "Related" not in f.comment.text for f in found
    )


def test_disqus_rendered_thread():
    found, shape = thread("disqus_page.html")
    assert shape == [
        ("Raj Patel", None, None),
        ("Omar Siddiqui", "Raj Patel", ReplyBasis.INDENT),
        ("Léa Dubois", None, None),
    ]
    omar = found[1].comment
    assert omar.quote == "Privacy should not depend on which country you live in."
    assert omar.text == "Easy to say from outside. What a stupid take."
    assert found[0].article.title == 'BlackBerry to exit Pakistan over "back door" demand'


def test_xenforo_posts_with_quote_blocks():
    found, shape = thread("xenforo_page.html")
    assert shape == [("dmens", None, None), ("Phynaz", "dmens", ReplyBasis.QUOTE)]
    phynaz = found[1].comment
    assert (
        phynaz.quote
        == "BlackBerry is pulling out of Pakistan entirely rather than give the PTA access to BES."
    )
    assert phynaz.quote_author == "dmens"
    assert phynaz.text == "Good on them. Shame nobody else has the spine."
    assert "Click to expand" not in phynaz.text + phynaz.quote


def test_html_pages_go_through_score(runner, db_path):
    from moderation.cli import cli

    result = runner.invoke(cli, ["score", str(PAGES), "--db", str(db_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "Read 3 file(s): 8 comment(s) (8 new)" in result.stdout
    assert "wordpress_page.html: 3 comment(s), html" in result.stdout
    assert "FLAG   Omar Siddiqui" in result.stdout


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ".zst"])
def test_compressed_pages_read_as_their_uncompressed_selves(tmp_path, suffix):
    import bz2
    import gzip
    import lzma

    import zstandard

    compress = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
                ".zst": zstandard.ZstdCompressor().compress}[suffix]  # fmt: skip
    for page in (PAGES / "disqus_page.html", DATA / "layouts" / "disqus.txt"):
        packed = tmp_path / (page.name + suffix)
        packed.write_bytes(compress(page.read_bytes()))

        def seen(path):
            return [(f.comment.author, f.comment.text, f.comment.quote, f.comment.posted)
                    for f in read(path, SourceOptions())]  # fmt: skip

        assert len(seen(page)) >= 3
        assert seen(packed) == seen(page)
