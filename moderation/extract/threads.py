"""From raw comments to `Comment` records: quotes set apart, reply links worked out.

A reply link comes from the strongest evidence there is, in this order: the source names
the parent; the layout nests it; it quotes the parent's words; it addresses the parent's
author by name (inferred); the source marks it a reply without saying to which (inferred).
"""

from __future__ import annotations

import re
from collections import Counter

from moderation.extract.layouts import RawComment
from moderation.extract.normalise import fold, normalise_body
from moderation.records import Comment, ReplyBasis, stable_id

_SAID = re.compile(r"(?P<who>.{1,40}?) said:")
_CLICK_TO_EXPAND = re.compile(r"Click to expand\.{0,3}")
# Enough of a quote to recognise its source, short enough to survive "..." truncation.
_QUOTE_PROBE = 80


def split_quote(lines: list[str], styles: tuple[str, ...]) -> tuple[str, str | None, str | None]:
    """Split a comment body into (own text, quoted text, quoted author)."""
    own: list[str] = []
    quoted: list[list[str]] = []
    quote_author: str | None = None
    in_quote = False
    for line in lines:
        stripped = line.strip()
        said = _SAID.fullmatch(stripped) if "said" in styles else None
        if said and not in_quote:
            quote_author = quote_author or said["who"]
            quoted.append([])
            in_quote = True
        elif in_quote and (not stripped or _CLICK_TO_EXPAND.fullmatch(stripped)):
            in_quote = False
        elif in_quote:
            quoted[-1].append(stripped)
        elif "angle" in styles and stripped.startswith(">"):
            quoted.append([stripped.lstrip("> ")])
        else:
            own.append(line)
    quote = "\n\n".join(normalise_body(block) for block in quoted if block) or None
    return normalise_body(own), quote, quote_author


def build_comments(
    article_id: str, raws: list[RawComment], quote_styles: tuple[str, ...]
) -> list[Comment]:
    """Comments in page order, with quotes apart, parents linked and depths set."""
    comments: list[Comment] = []
    nesting: list[tuple[int, Comment]] = []  # open ancestors by header indentation
    occurrences: Counter[tuple[str, str]] = Counter()
    indented = len({raw.indent for raw in raws}) > 1
    for position, raw in enumerate(raws, start=1):
        text, quote, quote_author = split_quote(raw.body, quote_styles)
        occurrences[(raw.author, text)] += 1
        comment = Comment(
            id=stable_id("c", article_id, raw.author, text, quote, occurrences[(raw.author, text)]),
            article_id=article_id,
            author=raw.author,
            position=position,
            text=text,
            quote=quote,
            quote_author=quote_author,
            posted=raw.posted,
        )
        while nesting and nesting[-1][0] >= raw.indent:
            nesting.pop()
        _link_parent(comment, raw, comments, nesting[-1][1] if nesting and indented else None)
        comments.append(comment)
        nesting.append((raw.indent, comment))
    _set_depths(comments)
    return comments


def _link_parent(
    comment: Comment, raw: RawComment, earlier: list[Comment], nested_under: Comment | None
) -> None:
    named = _latest_by(earlier, raw.parent_author) if raw.parent_author else None
    candidates = (
        (named, ReplyBasis.EXPLICIT),
        (nested_under, ReplyBasis.INDENT),
        (_quoted_comment(comment, earlier), ReplyBasis.QUOTE),
        (_addressed_comment(comment, earlier), ReplyBasis.NAME),
        (earlier[-1] if raw.marked_reply and earlier else None, ReplyBasis.ORDER),
    )
    for parent, basis in candidates:
        if parent is not None:
            comment.parent_id, comment.reply_basis = parent.id, basis
            return


def _latest_by(earlier: list[Comment], author: str) -> Comment | None:
    wanted = author.casefold()
    return next((c for c in reversed(earlier) if c.author.casefold() == wanted), None)


def _quoted_comment(
    comment: Comment, earlier: list[Comment], folded: list[str] | None = None
) -> Comment | None:
    """The latest earlier comment whose text holds what this one quotes (`folded`: the
    thread's texts folded once, where a caller has them)."""
    if not comment.quote:
        return None
    probe = fold(comment.quote)[:_QUOTE_PROBE].rstrip(". ")
    for n in range(len(earlier) - 1, -1, -1):
        text = folded[n] if folded is not None else fold(earlier[n].text)
        if probe and probe in text:
            return earlier[n]
    return None


def _addressed_comment(comment: Comment, earlier: list[Comment]) -> Comment | None:
    """The latest earlier comment whose author this one greets ("Jake Hall, ..." or "@jake").

    Each author is tried once, and only where the name stands in the text at all: a
    thread of thousands of commenters would otherwise compile a pattern per pair.
    """
    text, tried = comment.text.lower(), {comment.author.lower()}
    for candidate in reversed(earlier):
        lowered = candidate.author.lower()
        if lowered in tried:
            continue
        tried.add(lowered)
        if not (text.startswith((lowered, "@" + lowered)) or "@" + lowered in text):
            continue
        name = re.escape(candidate.author)
        opening = re.match(rf"@?{name}\b\s*[,:!-]", comment.text, re.IGNORECASE)
        if opening or re.search(rf"(?<!\w)@{name}\b", comment.text, re.IGNORECASE):
            return candidate
    return None


def infer_replies(comments: list[Comment]) -> None:
    """For comments whose source gives no parent: link by quoted text, then by name."""
    folded = [fold(c.text) for c in comments] if any(c.quote for c in comments) else None
    for i, comment in enumerate(comments):
        if comment.parent_id is not None:
            continue
        earlier = comments[:i]
        for parent, basis in (
            (_quoted_comment(comment, earlier, folded), ReplyBasis.QUOTE),
            (_addressed_comment(comment, earlier), ReplyBasis.NAME),
        ):
            if parent is not None:
                comment.parent_id, comment.reply_basis = parent.id, basis
                break
    _set_depths(comments)


def _set_depths(comments: list[Comment]) -> None:
    by_id = {c.id: c for c in comments}
    for comment in comments:  # parents always come earlier in the page
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        comment.depth = parent.depth + 1 if parent else 0
