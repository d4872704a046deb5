"""Comment bodies that arrive as HTML (Disqus, WordPress, Hacker News, Coral): text and quote.

Parsed with lxml, never with regular expressions; scripts and styles are dropped, and
<blockquote> becomes the comment's quote, kept apart from the commenter's own words.

libxml2 stops building the tree past a nesting depth (2,048 here, with huge_tree), and
what lies deeper would be silently lost: a comment could hide its words from moderation
that way. So a body with that much markup is also read by the standard library's
tokenizer, which keeps no tree; if it finds words the tree lost, those words are the
comment's text and the body is marked unreadable, for a human to see.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import NamedTuple

import lxml.html
from lxml import etree

from moderation.extract.normalise import normalise_text

_BLOCKS = {
    "p", "div", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd",
    "table", "tr", "td", "th", "section", "article", "header", "footer", "aside", "figure",
    "figcaption", "address", "hr", "details", "summary",
}  # a block starts a new line: "United States" and "Anchor Tag" stay apart  # fmt: skip
DEEP_HTML = lxml.html.HTMLParser(huge_tree=True)  # keeps 2,048 levels of nesting, not 255
_DEEP = 1000  # tags in a body from which its tree may be cut short (libxml2 keeps 2,048 levels)
UNREADABLE = "markup nested too deeply to read as a tree: its text, without structure"
MAX_KEEP = 1_000_000  # characters of one body kept: read, stored and shown to a moderator
NO_WORDS = "markup without words (an image, an embed or empty tags): shown as its source"


class Body(NamedTuple):
    """A comment body as text: own words, quoted words, and why it could not be read fully."""

    text: str
    quote: str | None
    unreadable: str | None = None


def read_html(markup: str) -> Body:
    """The body's own text and quote, and a reason if markup hid part of it or it was cut."""
    if len(markup) > MAX_KEEP:  # reading a 200 MB body took minutes and gigabytes
        body = _read_html(markup[:MAX_KEEP])
        cut = f"{len(markup):,} characters long: the first {MAX_KEEP:,} were kept"
        return body._replace(unreadable="; ".join(filter(None, (cut, body.unreadable))))
    return _read_html(markup)


def _read_html(markup: str) -> Body:
    if "<" not in markup and "&" not in markup:
        return Body(normalise_text(markup), None)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div", parser=DEEP_HTML)
    except (etree.ParserError, ValueError):
        return Body(normalise_text(markup), None)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    quotes = []
    for quote in root.xpath("//blockquote"):
        quotes.append(normalise_text(_text(quote)))
        quote.drop_tree()
    body = Body(normalise_text(_text(root)), "\n\n".join(q for q in quotes if q) or None)
    if not (body.text or body.quote) and markup.strip():  # an image, an embed, empty tags
        return Body(markup.strip(), None, NO_WORDS)
    if markup.count("<") < _DEEP:
        return body
    flat = normalise_text(_Flat.read(markup))
    read = len("".join((body.text + (body.quote or "")).split()))
    if len("".join(flat.split())) > read:
        return Body(flat, None, UNREADABLE)
    return body


def _text(element) -> str:
    for node in element.iter():
        if node.tag in _BLOCKS:  # a paragraph starts on a new line (HN writes bare <p>)
            node.text = "\n" + (node.text or "")
        elif node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif node.tag == "a":
            _show_target(node)
    return element.text_content()


def _show_target(link) -> None:
    """A link's address written after its words, "here (https://spam.example/buy)": a
    moderator sees where it goes, and rules count it, where "here" alone hid it."""
    target = (link.get("href") or "").strip()
    words = link.text_content().strip()
    if not target.startswith(("http://", "https://", "www.")) or target.rstrip("/") in (
        words.rstrip("/"),
        "http://" + words.rstrip("/"),
        "https://" + words.rstrip("/"),
    ):
        return  # a page anchor, a mailto, or a link that shows its own address
    link.tail = f" ({target})" + (link.tail or "")


class _Flat(HTMLParser):
    """Every piece of text outside script and style, in order, whatever the nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._hidden = 0

    @classmethod
    def read(cls, markup: str) -> str:
        reader = cls()
        reader.feed(markup)
        reader.close()
        return " ".join(reader.pieces)

    def handle_starttag(self, tag, attrs) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.pieces.append(data.strip())
