"""Article pages saved as HTML, with their comment sections.

Parsed with lxml; `html_comments` finds the comment section by its structure (schema.org
data, the common comment systems' markup, or repeated blocks under a comments container)
and each comment's author, time and body. Nesting gives reply links where the markup
nests replies; quotes give them where it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from copy import deepcopy
from pathlib import Path

import lxml.html
from lxml import etree

from moderation.errors import InputError
from moderation.extract.reading import read_bytes
from moderation.extract.threads import infer_replies
from moderation.records import Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Found, SourceOptions
from moderation.sources.html_comments import Found as Shown
from moderation.sources.html_comments import find_comments
from moderation.sources.html_text import DEEP_HTML, read_html

# Inside a comment's body, parts that are not the commenter's words.
_NOT_WORDS = (
    '//*[contains(@class, "bbCodeBlock-title") or contains(@class, "bbCodeBlock-expandLink")'
    ' or contains(@class, "comment-awaiting-moderation") or contains(@class, "reply")'
    ' or contains(@class, "share")]'
    '|//aside[contains(@class, "quote")]/*[contains(@class, "title")]'  # Discourse: "name:"
)


def read(path: Path, options: SourceOptions) -> Iterator[Found]:
    """The comments of one HTML page (a page is small: read whole)."""
    try:
        root = lxml.html.document_fromstring(_decoded(read_bytes(path)), parser=DEEP_HTML)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(path, f"HTML cannot be read ({exc})") from None
    article = _article(root, path)
    section = find_comments(root)
    if section is None:
        return
    how, shown = section
    comments = [_comment(item, article, how, n) for n, item in enumerate(shown, start=1)]
    for item, comment in zip(shown, comments, strict=True):
        if item.parent is not None:
            comment.parent_id, comment.reply_basis = comments[item.parent].id, ReplyBasis.INDENT
    infer_replies(comments)
    for comment in comments:
        yield Found(article, comment, f"{path}:comment {comment.position}")


def _decoded(data: bytes) -> str | bytes:
    """UTF-8 pages as text; others as bytes, for lxml to decode by their meta charset
    (lxml takes a page without one for Latin-1, which garbles UTF-8 names)."""
    if data.lstrip()[:5].lower() == b"<?xml":  # lxml refuses text with an encoding declaration
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data


def _article(root, path: Path) -> Article:
    title = (root.xpath('string(//meta[@property="og:title"]/@content)') or root.xpath("string(//h1)")
             or root.xpath("string(//title)") or path.name).strip()  # fmt: skip
    url = root.xpath('string(//link[@rel="canonical"]/@href)') or root.xpath(
        'string(//meta[@property="og:url"]/@content)'
    )
    byline = root.xpath('string(//meta[@name="author"]/@content)').strip() or None
    key = url or f"{path.name}|{title}"
    return Article(stable_id("a", "html", key), url or str(path), " ".join(title.split()), byline)


def _comment(item: Shown, article: Article, how: str, position: int) -> Comment:
    quote_author = None
    if isinstance(item.body, str):
        markup = item.body
    else:
        body = deepcopy(item.body)
        body.tail = None
        for part in body.xpath(_NOT_WORDS):
            part.drop_tree()
        quote_author = (
            body.xpath("string(.//blockquote/@data-quote)")  # XenForo
            or body.xpath('string(.//aside[contains(@class, "quote")]/@data-username)')  # Discourse
            or None
        )
        markup = lxml.html.tostring(body, encoding="unicode")
    text, quote, unreadable = read_html(markup)
    system = how.split()[0]
    return Comment(
        id=stable_id("c", system, article.id, item.native or position), article_id=article.id,
        author=item.author or "Anonymous", position=position, text=text, quote=quote,
        quote_author=quote_author, posted=item.posted, unreadable=unreadable,
        status="pending" if item.pending else "visible",
    )  # fmt: skip
