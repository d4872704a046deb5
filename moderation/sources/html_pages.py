"""Article pages saved as HTML, with their comment sections: WordPress, Disqus, XenForo.

Parsed with lxml. Each comment system marks up its thread in its own way; all three are
looked for, and the one that finds comments is used. Nesting gives reply links where the
markup nests replies; XenForo's quotes give them where it does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
from lxml import etree

from moderation.errors import InputError
from moderation.extract.normalise import normalise_text
from moderation.extract.reading import read_bytes
from moderation.extract.threads import infer_replies
from moderation.records import Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Found, SourceOptions
from moderation.sources.html_text import DEEP_HTML, read_html


def _has_class(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


# (layout, comment element, author, body, id attribute prefix)
LAYOUTS = (
    (
        "wordpress",
        f"//li[{_has_class('comment')}]",
        f".//*[{_has_class('fn')}]",
        f".//*[{_has_class('comment-content')}]",
        "comment-",
    ),
    (
        "disqus",
        f"//li[{_has_class('post')}]",
        f".//*[{_has_class('author')}]",
        f".//*[{_has_class('post-message')}]",
        "post-",
    ),
    (
        "xenforo",
        f"//article[{_has_class('message')}]",
        None,
        f".//*[{_has_class('bbWrapper')}]",
        "js-post-",
    ),
)


def read(path: Path, options: SourceOptions) -> Iterator[Found]:
    """The comments of one HTML page (a page is small: read whole)."""
    try:
        root = lxml.html.document_fromstring(read_bytes(path), parser=DEEP_HTML)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(path, f"HTML cannot be read ({exc})") from None
    article = _article(root, path)
    for layout, items, author_path, body_path, prefix in LAYOUTS:
        elements = root.xpath(items)
        if elements:
            comments = [
                _comment(e, article, layout, author_path, body_path, prefix, n)
                for n, e in enumerate(elements, 1)
            ]
            comments = [c for c in comments if c is not None]
            _link_nested(comments, elements, items)
            infer_replies(comments)
            for comment in comments:
                yield Found(article, comment, f"{path}:comment {comment.position}")
            return


def _article(root, path: Path) -> Article:
    title = (root.xpath('string(//meta[@property="og:title"]/@content)') or root.xpath("string(//h1)")
             or root.xpath("string(//title)") or path.name).strip()  # fmt: skip
    url = root.xpath('string(//link[@rel="canonical"]/@href)') or root.xpath(
        'string(//meta[@property="og:url"]/@content)'
    )
    byline = root.xpath('string(//meta[@name="author"]/@content)').strip() or None
    key = url or f"{path.name}|{title}"
    return Article(stable_id("a", "html", key), url or str(path), " ".join(title.split()), byline)


def _comment(
    element, article: Article, layout, author_path, body_path, prefix, position
) -> Comment | None:
    bodies = element.xpath(body_path)
    if not bodies:
        return None
    body = bodies[0]
    quote_author = None
    if layout == "xenforo":
        author = element.get("data-author") or "Guest"
        for title in body.xpath(
            f".//*[{_has_class('bbCodeBlock-title')} or {_has_class('bbCodeBlock-expandLink')}]"
        ):
            title.drop_tree()
        quote_author = body.xpath("string(.//blockquote/@data-quote)") or None
    else:
        names = element.xpath(author_path)
        author = normalise_text(names[0].text_content()) if names else "Anonymous"
    text, quote, unreadable = read_html(lxml.html.tostring(body, encoding="unicode"))
    native = (element.get("id") or element.get("data-content") or str(position)).removeprefix(
        prefix
    )
    posted = element.xpath("string(.//time/@datetime)") or None
    return Comment(
        id=stable_id("c", layout, article.id, native), article_id=article.id, author=author or "Anonymous",
        position=position, text=text, quote=quote, quote_author=quote_author, posted=posted,
        unreadable=unreadable,
    )  # fmt: skip


def _link_nested(comments: list[Comment], elements: list, items: str) -> None:
    """Replies nested in their parent's element (WordPress and Disqus lists)."""
    by_element = (
        dict(zip(elements, comments, strict=False)) if len(elements) == len(comments) else {}
    )
    for element, comment in by_element.items():
        ancestors = [a for a in element.iterancestors() if a in by_element]
        if ancestors:
            comment.parent_id, comment.reply_basis = by_element[ancestors[0]].id, ReplyBasis.INDENT
