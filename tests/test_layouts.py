"""Comment-thread layouts as copied from real pages: WordPress, Disqus, Hacker News, XenForo."""

import pytest
from conftest import DATA

from moderation.extract import extract_file, extract_text
from moderation.records import ReplyBasis

LAYOUTS = DATA / "layouts"


def _thread(name: str):
    page = extract_file(LAYOUTS / name)
    position = {c.id: c.position for c in page.comments}
    return page, [(c.author, position.get(c.parent_id), c.reply_basis) for c in page.comments]


def test_wordpress_nested_replies_and_furniture():
    page, thread = _thread("wordpress.txt")
    assert page.layout == "wordpress"
    assert page.article.title == "Council approves new ferry timetable after months of delays"
    assert page.article.byline == "Ruth Adeyemi"
    assert thread == [
        ("Mark Jones", None, None),
        ("Sarah K", 1, ReplyBasis.INDENT),
        ("Mark Jones", 2, ReplyBasis.INDENT),
        ("Pete Nowak", None, None),
        ("Anonymous", None, None),
    ]
    comments = page.comments
    assert comments[0].posted == "November 30, 2015 at 9:14 am"
    assert comments[3].text == (
        "Dropping the late Sunday crossing is a disaster for anyone working weekends.\nWhat were they thinking?"
    )
    # The moderation notice and the reply form are page furniture, not comment text.
    assert comments[4].text == "Typical council. Idiots, the lot of them."
    assert not any("Leave a Reply" in c.text or c.text == "Reply" for c in comments)


def test_disqus_named_parents_quotes_and_byline_is_not_a_comment():
    page, thread = _thread("disqus.txt")
    assert page.layout == "disqus"
    assert page.article.byline == "Omar Farooq"
    assert thread == [
        ("Raj Patel", None, None),
        ("Omar Siddiqui", 1, ReplyBasis.EXPLICIT),
        ("Raj Patel", 2, ReplyBasis.EXPLICIT),
        ("Léa Dubois", None, None),
    ]
    third = page.comments[2]
    assert third.quote == "Businesses here relied on BES for years."
    assert third.text == (
        "Fair, but the alternative was handing every message to the PTA.\n"
        "Then they should be the loudest about keeping it private."
    )
    assert page.comments[0].posted == "3 years ago"
    assert all("△" not in c.text and "Avatar" not in c.text for c in page.comments)


def test_hacker_news_indented_thread_with_angle_quotes():
    page, thread = _thread("hackernews.txt")
    assert page.layout == "hackernews"
    assert page.article.title == "BlackBerry to leave Pakistan over privacy (blackberry.com)"
    assert thread == [
        ("tptacek", None, None),
        ("patio11", 1, ReplyBasis.INDENT),
        ("tptacek", 2, ReplyBasis.INDENT),
        ("jacquesm", None, None),
    ]
    assert page.comments[1].quote == "The interesting detail is that this is about BES"
    assert (
        page.comments[1].text
        == "Right, and 5,000 BES users is a rounding error for them. Cheap principle."
    )
    assert [c.depth for c in page.comments] == [0, 1, 2, 0]


def test_hacker_news_without_indentation_marks_replies_as_inferred():
    flat = "\n".join(line.strip() for line in (LAYOUTS / "hackernews.txt").read_text().splitlines())
    page = extract_text(flat, "flat.txt")
    second, third = page.comments[1:3]
    assert second.reply_basis is ReplyBasis.QUOTE  # quoting its parent still tells which one
    assert third.parent_id == second.id
    assert third.reply_basis is ReplyBasis.ORDER and third.parent_inferred
    assert page.comments[3].parent_id is None  # no "parent" link: top level


def test_xenforo_quotes_with_click_to_expand_link_to_the_quoted_post():
    page, thread = _thread("xenforo_nested.txt")
    assert page.layout == "xenforo"
    assert page.article.title == "BlackBerry leaving Pakistan"
    assert thread == [
        ("dmens", None, None),
        ("Phynaz", 1, ReplyBasis.QUOTE),
        ("SteveGrabowski", 2, ReplyBasis.QUOTE),
        ("Phynaz", 3, ReplyBasis.INDENT),
    ]
    second = page.comments[1]
    assert second.quote_author == "dmens"
    assert second.text == "Good on them. Shame nobody else has the spine."
    assert "Click to expand" not in second.text + (second.quote or "")
    assert second.posted == "Dec 1, 2015"
    assert all(not c.text.startswith("#") for c in page.comments)


@pytest.mark.parametrize(
    "furniture",
    [
        "Read more\nBlackBerry Key2: Everything you need to know\n",
        "  • BlackBerry Key2 LE: Everything you need to know\n    Updates\n",
        "Sign-up to our weekly newsletter\n\nKeep up-to-date with all the latest news.\n",
        "Editors' Recommendations\n\nDavid Curry\nFormer Digital Trends Contributor\n",
        "By Omar Farooq  •  December 1, 2015\nBlackBerry says it will leave.\n",
        "Share this article\nTags: , , ,\n",
    ],
)
def test_page_furniture_yields_no_comments(furniture):
    page = extract_text("A headline about phones\n\nThe article body.\n\n" + furniture, "page.txt")
    assert page.comments == []
