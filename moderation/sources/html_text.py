"""Comment bodies that arrive as HTML (Disqus, WordPress, Hacker News): text and quote.

Parsed with lxml, never with regular expressions; scripts and styles are dropped, and
<blockquote> becomes the comment's quote, kept apart from the commenter's own words.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from moderation.extract.normalise import normalise_text

_BLOCKS = {"p", "div", "li", "pre"}


def html_to_text(markup: str) -> tuple[str, str | None]:
    """(own text, quoted text or None) of an HTML comment body."""
    if "<" not in markup and "&" not in markup:
        return normalise_text(markup), None
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalise_text(markup), None
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    quotes = []
    for quote in root.xpath("//blockquote"):
        quotes.append(normalise_text(_text(quote)))
        quote.drop_tree()
    return normalise_text(_text(root)), "\n\n".join(q for q in quotes if q) or None


def _text(element) -> str:
    for node in element.iter():
        if node.tag in _BLOCKS:  # a paragraph starts on a new line (HN writes bare <p>)
            node.text = "\n" + (node.text or "")
        elif node.tag == "br":
            node.tail = "\n" + (node.tail or "")
    return element.text_content()
