"""Article pages saved as HTML, with WordPress, Disqus or XenForo comment sections."""

import itertools

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

    pages = [
        str(PAGES / n) for n in ("disqus_page.html", "wordpress_page.html", "xenforo_page.html")
    ]
    result = runner.invoke(cli, ["score", *pages, "--db", str(db_path), "-q"])
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


TARGETDRONE = "Good. Western companies should not be doing business in 3rd world terrorist nations."
# Each fixture page: its comments as (author, time, parent's author, text, quote), in order.
SECTIONS = {
    "wordpress_lawblog_de.html": [
        ("Jens Otto", "2015-12-01T09:12:44+01:00", None,
         "Gilt das auch für geteilte Links mit Vorschaubild?\n"
         "Siehe das Urteil (https://www.bgh.example/urteil-123).", None),
        ("Martina Berg", "2015-12-01T10:02:00+01:00", "Jens Otto",
         "Ja, sofern das Vorschaubild geschützt ist.", None),  # not "Martina BergAutor"
        ("Anwälte sind Abzocker", "2015-12-02T08:00:00+01:00", None,
         "Abmahnanwälte sind Parasiten.", None),  # the pingback before it is not a comment
    ],
    "blogger.html": [
        ("Priya N", "1 December 2015 at 10:40", None,
         "Lovely colours! Which yarn weight did you use?", None),
        ("Helen Marsh", "1 December 2015 at 11:30", "Priya N",
         "Aran weight, 4mm needles.\nPattern link is here (https://ravelry.example/p/harbour).", None),
        ("Brigitte", "1 December 2015 at 13:26", None,
         "Knitted it over the weekend, thank you!", None),  # named, without a profile link
        ("Anonymous", "1 December 2015 at 16:13", None, "Buy cheap followers at followers.example", None),
    ],
    "drupal_news_de.html": [
        ("Hans Müller", "2015-12-01T08:13:20+01:00", None,
         "Endlich eine frühe Fähre.\n\nVereinigte Staaten\nAnker Tag", None),
        ("Erika Schulz", "2015-12-01T09:40:00+01:00", "Hans Müller",
         "Für Schichtarbeiter im Krankenhaus immer noch zu spät, ihr Idioten.", None),
        ("Gast", "2015-12-01T12:00:00+01:00", None, "Was kostet das den Steuerzahler?", None),
    ],
    "xenforo_widget.html": [
        ("Jake Hall", "2015-12-01T10:12:00+0000", None, "Blackberry should exit everything", None),
        ("targetdrone", "2015-12-01T10:40:00+0000", None, TARGETDRONE, None),
        ("Daniel Coca", "2015-12-01T11:02:00+0000", "targetdrone",
         "You're clueless bro, ur comment fits in with the sheep's... bah bah", TARGETDRONE),
    ],
    "discourse_embed.html": [
        ("tomas", "2015-12-01T10:00:00Z", None, "The wall has needed this since the 2013 storm.", None),
        ("ines", "2015-12-01T10:30:00Z", "tomas", "And who pays? Not the ferry company, that's for sure.",
         "The wall has needed this since the 2013 storm."),
    ],
    "viafoura_news.html": [
        ("Margaret O'Neill", "2015-12-01T08:00:00.000Z", None,
         "Eight percent, again. Pensioners cannot keep paying this.", None),
        ("ferrycommuter", "2015-12-01T08:30:00.000Z", "Margaret O'Neill",
         "The operator made a profit last year.", None),
        ("Tom B", "2015-12-01T09:10:00.000Z", None, "Shut up and pay, freeloaders.", None),
    ],
    "livefyre_news.html": [
        ("Lucía G.", "2015-12-01T10:00:00Z", None, "¡Por fin! Llevo años esperando esto.", None),
        ("Pedro", "2015-12-01T10:20:00Z", "Lucía G.", "A las 5:40 sigue siendo tarde para el hospital.", None),
    ],
    "microdata_news_de.html": [
        ("bitwurm", "2015-12-01T14:05:00+01:00", None, "Wann kommt das Update für ältere Modelle?", None),
        ("Netzwacht-Redaktion", "2015-12-01T15:00:00+01:00", "bitwurm", "Laut Hersteller im Januar.", None),
        ("ahnungslos", "2015-12-01T16:20:00+01:00", None, "Einfach den Router wegwerfen.", None),
    ],
    "jsonld_fr.html": [
        ("Camille D.", "2015-12-01T09:00:00+01:00", None, "Enfin ! Les travaux ont duré trois ans.", None),
        ("Luc", "2015-12-01T09:30:00+01:00", "Camille D.",
         "Trois ans et le double du budget, bande d'incapables.", None),
        ("Amélie", "2015-12-01T11:00:00+01:00", None, "Le parking est-il gratuit le dimanche ?", None),
    ],
    "generic_security_news.html": [
        ("root_of_all", "01 Dec 2015, 14:10", None,
         "Vendor says a fix ships in January.\nMitigation: disable remote admin, see the advisory "
         "(https://vendor.example/advisory/77).", None),
        ("m4ria", "01 Dec 2015, 14:30", "root_of_all",
         "January is too late for anyone running these at home.", None),
        ("ano", "01 Dec 2015, 15:02", None, "Who still buys these routers, morons?", None),
    ],
    "rdfa_blog_nl.html": [
        ("Sanne de Vries", "2015-12-01T10:00:00+01:00", None, "Eindelijk een vroege boot!", None),
        ("Kees", "2015-12-01T11:15:00+01:00", None, "Te laat voor de ziekenhuisdiensten, sukkels.", None),
    ],
    "no_comment_section.html": [],  # related and most-commented lists are not comments
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_comment_sections_are_found_by_structure(name):
    found = list(read(PAGES / name, SourceOptions()))
    authors = {f.comment.id: f.comment.author for f in found}
    shown = [
        (c.author, c.posted, authors.get(c.parent_id), c.text, c.quote)
        for c in (f.comment for f in found)
    ]
    assert shown == SECTIONS[name]
    page_words = (
        "cookie Cookies Akzeptieren Impressum Related Antworten Reply Pingback Most commented"
    )
    assert not any(word in f.comment.text for f in found for word in page_words.split())


def test_a_comment_awaiting_the_sites_moderation_is_pending():
    found = list(read(PAGES / "wordpress_lawblog_de.html", SourceOptions()))
    assert [f.comment.status for f in found] == ["visible", "visible", "pending"]
    article = found[0].article
    assert article.title == "Abmahnung wegen Fotos auf Facebook"  # the h1, not the <title>
    assert article.source == "https://kanzlei-berg.example/2015/12/abmahnung-fotos/"


def test_nested_comment_containers_are_read_once_with_their_replies(tmp_path):
    # Each reply sits in a "comments" block inside its parent: one section, read once.
    entry = '<div class="comments"><div class="c-entry"><span class="c-user">u{}</span><div class="c-text"><p>reply {}</p></div>'
    depth = 60
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "".join(entry.format(n, n) for n in range(depth))
                    + "</div></div>" * depth + "</body></html>")  # fmt: skip
    found = [f.comment for f in read(page, SourceOptions())]
    assert [c.author for c in found] == [f"u{n}" for n in range(depth)]
    assert [c.text for c in found][:2] == ["reply 0", "reply 1"]
    assert all(c.parent_id == p.id for p, c in itertools.pairwise(found))
