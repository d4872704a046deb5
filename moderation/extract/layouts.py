"""Comment-thread layouts as they look when a page is saved or copied as plain text.

Each layout describes the header line that starts a comment, what closes one, and what
inside a thread is page furniture. `find_thread` tries them all and keeps the layout that
recognises the most comments; text with no comment headers (an article with newsletter
boxes, "Read more" links and author bios) yields none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moderation.extract.normalise import normalise_body

# A commenter's display name: one to five words, no sentence punctuation.
_NAME = r"[\w@][\w.'@-]*(?: [\w.'@-]+){0,4}"
_AGO = r"(?:\d+|an?) (?:second|minute|hour|day|week|month|year)s? ago"
_DATE = (
    r"(?:[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}"
    r"(?:,? (?:at )?\d{1,2}:\d{2}(?: ?[AaPp]\.?[Mm]\.?)?)?"
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?)"
)

# Words that head furniture blocks; a "comment" by one of these is a misreading.
_FURNITURE_NAMES = {
    "advertisement",
    "comments",
    "editors' recommendations",
    "login",
    "menu",
    "newsletter",
    "next",
    "previous",
    "read more",
    "related",
    "related articles",
    "reply",
    "share",
    "sign up",
    "subscribe",
    "updates",
}


_BYLINE_START = re.compile(r"(?:by|posted by|written by|posted on)\b")


@dataclass
class RawComment:
    """A comment as a layout found it, before quotes and reply links are worked out."""

    author: str
    indent: int
    line: int  # 1-based line of its header in the normalised text
    body: list[str] = field(default_factory=list)
    posted: str | None = None
    parent_author: str | None = None  # named in the header: Disqus "Omar > Raj"
    marked_reply: bool = False  # the source says "reply" but not to which comment
    closed: bool = False


@dataclass(frozen=True)
class Layout:
    """How one kind of comment thread reads as text."""

    name: str
    header: re.Pattern[str]  # groups: indent, author; optional posted, parent, links
    ends: re.Pattern[str] | None = None  # a line that closes the comment ("Reply")
    skip: re.Pattern[str] | None = None  # furniture lines inside a thread ("Avatar")
    date_line: re.Pattern[str] | None = None  # a date on its own line after the header
    body_indented: bool = False  # the body sits deeper than the header (bulleted threads)
    quote_styles: tuple[str, ...] = ()  # "said" (XenForo) and/or "angle" ("> quoted")

    def parse(self, lines: list[str]) -> list[RawComment]:
        """Every comment this layout recognises in the lines, in page order."""
        found: list[RawComment] = []
        current: RawComment | None = None
        for number, line in enumerate(lines, start=1):
            header = self.header.fullmatch(line)
            if header and _plausible_author(header["author"]):
                current = _raw_from_header(header, number)
                found.append(current)
            elif current is not None and not current.closed:
                self._add_line(current, line)
        return [raw for raw in found if normalise_body(raw.body)]

    def _add_line(self, current: RawComment, line: str) -> None:
        stripped = line.strip()
        if self.ends is not None and self.ends.fullmatch(stripped):
            current.closed = True
        elif self.body_indented and stripped and _indent(line) <= current.indent:
            current.closed = True  # back at the thread's margin: the thread is over
        elif self.skip is not None and self.skip.fullmatch(stripped):
            pass
        elif (
            self.date_line is not None
            and current.posted is None
            and not any(b.strip() for b in current.body)
            and self.date_line.fullmatch(stripped)
        ):
            current.posted = stripped
        else:
            current.body.append(line)


def _raw_from_header(header: re.Match[str], number: int) -> RawComment:
    groups = header.groupdict()
    links = groups.get("links") or ""
    return RawComment(
        author=header["author"].strip(),
        indent=len(header["indent"]),
        line=number,
        posted=groups.get("posted"),
        parent_author=(groups.get("parent") or None),
        marked_reply="parent" in links.split(" | "),
    )


def _plausible_author(name: str) -> bool:
    name = name.strip()
    folded = name.casefold()
    return (
        bool(name)
        and len(name) <= 40
        and folded not in _FURNITURE_NAMES
        and not _BYLINE_START.match(folded)  # "By Omar Farooq • December 1": the article's byline
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


XENFORO = Layout(
    name="xenforo",
    # "  • Jake Hall", then the comment indented below it (Tom's Hardware and other forums).
    header=re.compile(rf"(?P<indent> *)[•·●▪◦‣*] +(?P<author>{_NAME})"),
    ends=None,
    skip=re.compile(r"(?:Reply|Report|Like|Quote|#\d+|\d+ (?:likes?|points?))"),
    date_line=re.compile(rf"{_DATE}|{_AGO}"),
    body_indented=True,
    quote_styles=("said",),
)

WORDPRESS = Layout(
    name="wordpress",
    # "Mark Jones says:", a date line, the comment, then "Reply".
    header=re.compile(rf"(?P<indent> *)(?P<author>{_NAME}) says:"),
    ends=re.compile(r"(?:Reply|Reply ↓|Log in to Reply)"),
    skip=re.compile(r"Your comment is awaiting moderation\.?"),
    date_line=re.compile(rf"{_DATE}(?: (?:at )?\d{{1,2}}:\d{{2}} ?[ap]m)?", re.IGNORECASE),
    quote_styles=("angle",),
)

DISQUS = Layout(
    name="disqus",
    # "Omar Siddiqui > Raj Patel • 3 years ago", the comment, then "17 △ ▽ • Reply • Share ›".
    header=re.compile(
        rf"(?P<indent> *)(?P<author>{_NAME})(?: *(?:>|→|➦|↪) *(?P<parent>{_NAME}))?"
        rf" +• +(?P<posted>{_AGO}|{_DATE})(?: +edited)?"
    ),
    ends=re.compile(r"(?:\d+ *)?(?:△ *)?(?:▽ *)?(?:• *)?Reply(?: *• *Share ›?)?"),
    skip=re.compile(r"Avatar|see more|Show more replies|Load more comments|−|\+"),
    quote_styles=("angle",),
)

HACKER_NEWS = Layout(
    name="hackernews",
    # "pg 2 days ago | parent | next [–]", the comment, then "reply".
    header=re.compile(
        rf"(?P<indent> *)(?P<author>[A-Za-z0-9_-]{{2,15}}) (?P<posted>{_AGO}|on {_DATE})"
        r"(?P<links>(?: \| (?:parent|prev|next|root|context|on: [^|]*?))*) *(?:\[[–-]\d*\])?"
    ),
    ends=re.compile(r"reply"),
    quote_styles=("angle",),
)

LAYOUTS: tuple[Layout, ...] = (XENFORO, WORDPRESS, DISQUS, HACKER_NEWS)


def find_thread(lines: list[str]) -> tuple[Layout | None, list[RawComment]]:
    """The layout that recognises the most comments in the lines, and those comments."""
    best: tuple[Layout | None, list[RawComment]] = (None, [])
    for layout in LAYOUTS:
        found = layout.parse(lines)
        if len(found) > len(best[1]):
            best = (layout, found)
    return best
