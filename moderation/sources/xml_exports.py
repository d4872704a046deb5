"""Disqus XML and WordPress WXR exports, streamed and parsed safely.

defusedxml refuses entity declarations and external references, so a billion-laughs
file or one that points at a local file or URL is an error, never a blow-up or a leak.
Elements are cleared as soon as they are read: memory stays flat however large the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

import defusedxml
from defusedxml.ElementTree import DefusedXMLParser

from moderation.errors import InputError
from moderation.records import Article, Comment, ReplyBasis, stable_id
from moderation.sources.base import Bad, Found, SourceOptions, open_binary
from moderation.sources.html_text import read_html

DSQ_ID = "{http://disqus.com/disqus-internals}id"


def read_disqus(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """Posts of a Disqus export, with their threads as articles; deleted and spam kept."""
    threads: dict[str, Article] = {}
    for number, element in _elements(path):
        tag = _local(element.tag)
        if tag == "thread" and element.get(DSQ_ID) and len(element):
            key = element.get(DSQ_ID)
            title = _child_text(element, "title") or _child_text(element, "link") or key
            threads[key] = Article(
                stable_id("a", "disqus", key), _child_text(element, "link") or str(path), title
            )
            element.clear()
        elif tag == "post":
            yield _disqus_post(path, number, element, threads)
            element.clear()


def _disqus_post(
    path: Path, number: int, post: Element, threads: dict[str, Article]
) -> Found | Bad:
    key = post.get(DSQ_ID)
    thread = _child(post, "thread")
    article = threads.get(thread.get(DSQ_ID)) if thread is not None else None
    if key is None or article is None:
        return Bad(str(path), number, "post without an id or a known thread")
    text, quote, unreadable = read_html(_child_text(post, "message"))
    parent = _child(post, "parent")
    parent_key = parent.get(DSQ_ID) if parent is not None else None
    author = _child(post, "author")
    name = (
        (_child_text(author, "name") or _child_text(author, "username"))
        if author is not None
        else ""
    )
    status = (
        "spam" if _true(post, "isSpam") else "deleted" if _true(post, "isDeleted") else "visible"
    )
    comment = Comment(
        id=stable_id("c", "disqus", key), article_id=article.id, author=name or "Guest", position=number,
        text=text, quote=quote, parent_id=stable_id("c", "disqus", parent_key) if parent_key else None,
        reply_basis=ReplyBasis.EXPLICIT if parent_key else None, posted=_child_text(post, "createdAt") or None,
        status=status, unreadable=unreadable,
    )  # fmt: skip
    return Found(article, comment, f"{path}:{number}")


def read_wxr(path: Path, options: SourceOptions) -> Iterator[Found | Bad]:
    """Reader comments of a WordPress export; pingbacks and trackbacks are not comments."""
    comments: list[tuple[int, Element]] = []  # of the item being read, with their lines
    for number, element in _elements(path):
        tag = _local(element.tag)
        if tag == "comment":
            comments.append((number, element))
        elif tag == "item":
            post_id = _child_text(element, "post_id") or _child_text(element, "link")
            article = Article(stable_id("a", "wordpress", post_id), _child_text(element, "link") or str(path),
                              _child_text(element, "title") or post_id)  # fmt: skip
            for line, comment in comments:
                found = _wxr_comment(path, line, article, post_id, comment)
                if found is not None:
                    yield found
            comments = []
            element.clear()


def _wxr_comment(
    path: Path, number: int, article: Article, post_id: str, element: Element
) -> Found | Bad | None:
    if _child_text(element, "comment_type") in ("pingback", "trackback"):
        return None
    key = _child_text(element, "comment_id")
    if not key:
        return Bad(str(path), number, f"comment without an id on post {post_id}")
    text, quote, unreadable = read_html(_child_text(element, "comment_content"))
    parent = _child_text(element, "comment_parent")
    approved = _child_text(element, "comment_approved")
    # WordPress: 1 published, 0 awaiting approval, spam, trash (deleted, restorable).
    status = {"0": "pending", "spam": "spam", "trash": "trash"}.get(approved, "visible")
    comment = Comment(
        id=stable_id("c", "wordpress", post_id, key), article_id=article.id,
        author=_child_text(element, "comment_author") or "Anonymous", position=int(key) if key.isdigit() else number,
        text=text, quote=quote,
        parent_id=stable_id("c", "wordpress", post_id, parent) if parent and parent != "0" else None,
        reply_basis=ReplyBasis.EXPLICIT if parent and parent != "0" else None,
        posted=_child_text(element, "comment_date_gmt") or None, status=status, unreadable=unreadable,
    )  # fmt: skip
    return Found(article, comment, f"{path}:{number}")


def _elements(path: Path) -> Iterator[tuple[int, Element]]:
    """(line where it starts, element) at the end of each element; hostile XML is refused.

    The line is the element's own: a warning about a post names the post's line. (Python's
    iterparse gives no positions, so the parser is fed here with a tree builder that notes
    each start tag's line.)
    """
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False, forbid_entities=True,
                              forbid_external=True)  # fmt: skip
    builder.line = lambda: parser.parser.CurrentLineNumber
    try:
        with open_binary(path) as stream:
            while chunk := stream.read(1 << 16):
                parser.feed(chunk)
                yield from builder.take()
            parser.close()
            yield from builder.take()
    except defusedxml.DefusedXmlException as exc:
        raise InputError(
            path,
            f"refused: the XML declares entities or external references ({type(exc).__name__})",
        ) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(
            path, f"XML is malformed or truncated ({exc.msg if hasattr(exc, 'msg') else exc})", line
        ) from None
    except (EOFError, OSError) as exc:
        raise InputError(path, f"stream ends early ({exc})") from None


class _LineBuilder(TreeBuilder):
    """A tree builder that hands over each element as it ends, with its start line."""

    def __init__(self) -> None:
        super().__init__()
        self.line: Callable[[], int] = lambda: 0
        self._starts: list[int] = []
        self._ended: list[tuple[int, Element]] = []

    def start(self, tag, attrs) -> Element:
        self._starts.append(self.line())
        return super().start(tag, attrs)

    def end(self, tag) -> Element:
        element = super().end(tag)
        self._ended.append((self._starts.pop(), element))
        return element

    def take(self) -> list[tuple[int, Element]]:
        ended, self._ended = self._ended, []
        return ended


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _child_text(element: Element | None, name: str) -> str:
    child = _child(element, name) if element is not None else None
    return (child.text or "").strip() if child is not None else ""


def _true(element: Element, name: str) -> bool:
    return _child_text(element, name).lower() == "true"
