"""The seed pages: four comments from the Tom's Hardware thread, none from the others."""

from pathlib import Path

import pytest
from conftest import SEEDS, THREAD_SEED

from moderation.extract import extract_file
from moderation.records import ReplyBasis


@pytest.fixture(scope="module")
def thread():
    return extract_file(THREAD_SEED).comments


def test_the_thread_has_four_comments_by_the_right_authors(thread):
    assert [c.author for c in thread] == ["Jake Hall", "targetdrone", "Daniel Coca", "Jake Hall"]
    assert [c.position for c in thread] == [1, 2, 3, 4]


def test_own_text_of_each_comment(thread):
    assert thread[0].text == "Blackberry should exit everything"
    assert thread[1].text.startswith("Good. Western companies should not be doing business")
    assert thread[1].text.endswith("even if they have nuclear weapons or a space program.")
    assert (
        thread[2].text
        == "Jake Hall, you're clueless bro, ur comment fits in with the sheep's... bah bah"
    )


def test_the_quote_is_kept_apart_from_the_commenters_own_words(thread):
    reply = thread[3]
    assert reply.text == "Blah, blah, blaaaaahhh"
    assert (
        reply.quote
        == "Jake Hall, you're clueless bro, ur comment fits in with the sheep's... bah bah"
    )
    assert reply.quote_author == "17050032"
    assert "said:" not in reply.text


def test_the_quoting_comment_replies_to_the_comment_it_quotes(thread):
    assert thread[3].parent_id == thread[2].id
    assert thread[3].reply_basis is ReplyBasis.QUOTE
    assert not thread[3].parent_inferred
    assert thread[3].depth == 2


def test_addressing_someone_by_name_is_an_inferred_reply(thread):
    assert thread[2].parent_id == thread[0].id
    assert thread[2].reply_basis is ReplyBasis.NAME
    assert thread[2].parent_inferred
    assert thread[2].depth == 1


def test_top_level_comments_have_no_parent(thread):
    assert thread[0].parent_id is None and thread[1].parent_id is None
    assert thread[0].depth == thread[1].depth == 0


def test_ids_are_stable_and_distinct(thread):
    again = extract_file(THREAD_SEED).comments
    assert [c.id for c in again] == [c.id for c in thread]
    assert len({c.id for c in thread}) == 4


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.iterdir() if p != THREAD_SEED))
def test_page_furniture_is_never_a_comment(seed):
    page = extract_file(SEEDS / seed)
    assert page.comments == []
    assert page.article.title


def test_article_title_and_byline():
    assert extract_file(THREAD_SEED).article.title.startswith("BlackBerry Could Exit Pakistan Soon")
    page = extract_file(SEEDS / "000_72455f4dee662bd6.txt")
    assert page.article.byline == "Jennifer Hong"


def test_the_same_page_copied_elsewhere_keeps_its_ids(tmp_path: Path):
    copy = tmp_path / THREAD_SEED.name
    copy.write_bytes(THREAD_SEED.read_bytes())
    assert [c.id for c in extract_file(copy).comments] == [
        c.id for c in extract_file(THREAD_SEED).comments
    ]
