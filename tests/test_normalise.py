"""Unicode oddities in copied pages are normalised before anything reads the text."""

from moderation.extract import extract_text

THREAD = "Headline of the story\n\n  • {author}\n    {text}\n"


def _only_comment(author: str, text: str):
    (comment,) = extract_text(THREAD.format(author=author, text=text), "page.txt").comments
    return comment


def test_non_breaking_and_zero_width_spaces():
    comment = _only_comment("Jake\u00a0Hall", "you\u00a0are\u200b clue\u200bless")
    assert comment.author == "Jake Hall"
    assert comment.text == "you are clueless"


def test_mojibake_and_full_width_letters_are_repaired():
    comment = _only_comment("reader", "It\u00e2\u20ac\u2122s \uff33\uff34\uff35\uff30\uff29\uff24")
    assert comment.text == "It's STUPID"


def test_windows_line_endings_and_tabs():
    page = extract_text(
        "Headline of the story\r\n\r\n  \u2022 reader\r\n\tFirst line\r\n\tsecond line\r\n", "p.txt"
    )
    assert page.comments[0].text == "First line\nsecond line"
