"""Finding the comment section of an HTML page by its structure, and each comment's parts.

Tried in order, the first that finds comments wins:
1. schema.org `Comment` in JSON-LD (`"comment": [...]`, replies nested);
2. schema.org `Comment` in microdata or RDFa (`itemtype=".../Comment"`,
   `itemprop="comment"`, `typeof="Comment"`);
3. the markup of the common comment systems (WordPress themes, Blogger, Drupal, XenForo
   threads and its comment widget, Discourse embeds, Disqus, Livefyre, Viafoura); where
   several match, the one that finds the most comments;
4. repeated blocks under a comments container (an id or class naming comments, replies or
   discussion, in several languages) that each carry an author or a time, and text.

trafilatura finds a page's comment section but gives its text as one piece, without
authors, times or replies; no library splits a section into comments, so this module
does, over lxml's tree. Nothing outside a comment's own element is read into it, so
article text, navigation and cookie notices stay out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, field

from lxml import etree
from lxml.cssselect import CSSSelector

from moderation.extract.normalise import normalise_text

# Words a comment system puts beside a name: badges ("Author", "Autor") and verbs ("says:").
_BADGES = re.compile(
    r"(?:\s+(?:author|autor|autorin|auteur|autrice|autore|admin|administrator|moderator|"
    r"moderatorin|staff|redaktion|editor|verified|op|mod))+\s*$",
    re.IGNORECASE,
)
_SAYS = re.compile(
    r"\s*(?:says|said|wrote|sagt|schreibt|schrieb|meint|dit|a dit|a écrit|écrit|escribió|dice|"
    r"ha scritto|schreef|zegt)\s*:?\s*$",
    re.IGNORECASE,
)
# Drupal writes "(not verified)" after the name of a commenter without an account.
_UNVERIFIED = re.compile(
    r"\s*\((?:not verified|nicht überprüft|non vérifié|no verificado|non verificato|niet geverifieerd)\)$",
    re.IGNORECASE,
)
_BADGE_CLASS = re.compile(r"badge|label|role|flair|tag\b|staff|bypostauthor-|says", re.IGNORECASE)
# One word of an id or class that names a comments container: "comments", "comment-list",
# "commentlist", "kommentare", "reacties"; not "most-commented" or "comment-count".
_CONTAINER = re.compile(
    r"(?:[a-z]+[-_])?(?:comments?|kommentare?|leserkommentare|commentaires?|comentarios?|"
    r"commenti|reacties|discussion|diskussion|replies|responses)"
    r"(?:[-_]?(?:list|area|section|thread|wrapper|container|block|box|stream|body|content|widget))?",
    re.IGNORECASE,
)
_AUTHORISH = re.compile(r"author|user|name|\bfn\b|poster|nick|autor|auteur|member", re.IGNORECASE)
_TIMEISH = re.compile(r"date|time|datum|zeit|posted|ago|when", re.IGNORECASE)
_FURNITURE = re.compile(
    r"reply|respond|share|report|like|vote|action|awaiting|avatar|meta|footer|toolbar|menu|"
    r"button|permalink|edit",
    re.IGNORECASE,
)
_AWAITING = (".comment-awaiting-moderation", ".moderation-notice")
_NOT_COMMENTS = re.compile(r"pingback|trackback|comment-form|respond|commentform|reply-form")


@dataclass
class Found:
    """One comment as the page shows it, before it becomes a `Comment`."""

    element: etree._Element | None
    native: str  # the page's own id of the comment, or its position
    author: str | None
    body: etree._Element | str  # an element, or HTML (JSON-LD)
    posted: str | None
    parent: int | None = None  # index of the parent in the list, from nesting
    pending: bool = False  # the page says it awaits the site's moderation


@dataclass(frozen=True)
class System:
    """How one comment system marks up a comment: CSS selectors, most specific first."""

    name: str
    item: str
    author: tuple[str, ...]
    body: tuple[str, ...]
    time: tuple[str, ...] = ("time",)
    author_attribute: str | None = None  # the item's attribute holding the name
    id_attributes: tuple[str, ...] = ("id",)
    nested_in: str | None = None  # class of the block after a comment that holds its replies
    compiled: dict = field(default_factory=dict, compare=False, repr=False)

    def select(self, selector: str, element) -> list:
        if selector not in self.compiled:
            self.compiled[selector] = CSSSelector(selector)
        return self.compiled[selector](element)


SYSTEMS = (
    System(
        "wordpress",
        "li.comment, article.comment, div.comment, li.review",
        author=(".fn", ".comment-author .url", ".comment-author cite", ".comment-author"),
        body=(".comment-content", ".comment-text", ".comment-body > p:first-of-type"),
        time=("time", ".comment-metadata a", ".commentmetadata a", ".comment-meta a"),
    ),
    System(
        "blogger",
        "li.comment, div.comment-thread li.comment",
        author=("cite.user", ".comment-header .user", ".profile-name-link"),
        body=(".comment-content",),
        time=(".datetime a", ".comment-timestamp a"),
    ),
    System(
        "blogger-classic",
        "dl#comments-block > dt.comment-author",
        author=("a[rel=nofollow]", "a"),
        body=(),  # the <dd class="comment-body"> after it
        time=(),
    ),
    System(
        "drupal",
        "article.comment, div.comment.js-comment, article.js-comment",
        author=(".comment__author .username", ".username", ".comment__author", ".author"),
        body=(
            ".comment__content .field--name-comment-body",
            ".field--name-comment-body",
            ".comment__content",
            ".content",
        ),
        time=("time", ".comment__time", ".submitted"),
        nested_in="indented",
    ),
    System(
        "xenforo",
        "article.message, li.message, li.js-comment, div.js-comment",
        author=(".message-name .username", ".username", ".message-name"),
        body=(".bbWrapper",),
        time=("time",),
        author_attribute="data-author",
        id_attributes=("data-content", "id"),
    ),
    System(
        "discourse",
        "article.post, div.topic-post",
        author=(".username", ".names .first", ".author"),
        body=(".cooked",),
        time=("time", ".post-date", ".relative-date"),
        id_attributes=("id", "data-post-id"),
    ),
    System(
        "disqus",
        "li.post",
        author=(".author", ".publisher-anchor-color"),
        body=(".post-message",),
        time=("time", ".post-meta a", ".time-ago"),
    ),
    System(
        "livefyre",
        "article.fyre-comment-article, div.fyre-comment-wrapper",
        author=(".fyre-comment-username", ".fyre-comment-user"),
        body=(".fyre-comment",),
        time=(".fyre-comment-date", "time"),
        id_attributes=("data-message-id", "id"),
    ),
    System(
        "viafoura",
        "div.vf-comment, li.vf-comment, article.vf-comment",
        author=(".vf-username", ".vf-comment-header__heading", ".vf-author"),
        body=(".vf-content-text", ".vf-comment__content", ".vf-comment-text"),
        time=("time", ".vf-comment-header__time", ".vf-time"),
        id_attributes=("data-id", "id"),
    ),
)

MICRODATA = System(
    "schema.org",
    '[itemtype$="schema.org/Comment"], [itemtype$="schema.org/Comment/"], [itemprop~="comment"], '
    '[typeof~="Comment"], [typeof~="schema:Comment"]',
    author=('[itemprop~="author"] [itemprop~="name"]', '[itemprop~="author"]',
            '[property~="author"] [property~="name"]', '[property~="author"]'),
    body=('[itemprop~="text"]', '[itemprop~="description"]', '[property~="text"]'),
    time=('[itemprop~="dateCreated"]', '[itemprop~="datePublished"]', '[property~="dateCreated"]',
          "time"),
)  # fmt: skip


def find_comments(root) -> tuple[str, list[Found]] | None:
    """(how they were found, the comments in page order), or None: no comment section."""
    found = _json_ld(root)
    if found:
        return "schema.org JSON-LD", found
    found = _from_system(MICRODATA, root)
    if found:
        return "schema.org", found
    best: tuple[str, list[Found]] | None = None
    for system in SYSTEMS:
        found = _from_system(system, root)
        if found and (best is None or _fullness(found) > _fullness(best[1])):
            best = (system.name, found)
    return best or _generic(root)


def _fullness(found: list[Found]) -> tuple[int, int, int]:
    """Comments found, then how many have an author and a time: where two systems' markup
    matches (Blogger's and WordPress's both use li.comment), the one that reads more."""
    return (
        len(found),
        sum(f.author is not None for f in found),
        sum(f.posted is not None for f in found),
    )


def _from_system(system: System, root) -> list[Found]:
    if system.name == "blogger-classic":
        return _blogger_classic(system, root)
    items = [e for e in system.select(system.item, root) if not _NOT_COMMENTS.search(_classes(e))]
    index = {element: n for n, element in enumerate(items)}
    found = []
    for element in items:
        body = _own(system, system.body, element, index)
        if body is None:
            continue
        found.append(
            Found(
                element, _native(element, system.id_attributes, len(found) + 1),
                _author(system, element, index), body, _time(system, element, index),
                pending=_own(system, _AWAITING, element, index) is not None,
            )
        )  # fmt: skip
    _link_nesting(found, system)
    return found


def _own(system: System, selectors, element, index: dict):
    """The first element a selector finds inside `element` and not inside a reply of it."""
    for selector in selectors:
        for match in system.select(selector, element):
            if _owner(match, index) is element:
                return match
    return None


def _owner(node, index: dict):
    """The nearest comment element that holds `node`."""
    for ancestor in node.iterancestors():
        if ancestor in index:
            return ancestor
    return None


def _author(system: System, element, index: dict) -> str | None:
    if system.author_attribute and element.get(system.author_attribute):
        return clean_author(element.get(system.author_attribute))
    name = _own(system, system.author, element, index)
    return clean_name(name) if name is not None else None


def clean_name(element) -> str | None:
    """A name element's text, without badges inside it ("Martina Berg" + "Autor")."""
    copy = deepcopy(element)
    for child in list(copy.iterdescendants()):
        if isinstance(child.tag, str) and _BADGE_CLASS.search(_classes(child)):
            child.drop_tree()
    return clean_author(" ".join("".join(copy.itertext()).split()))


def clean_author(name: str | None) -> str | None:
    """A name without "says:" after it or a badge word ("Author", "Autor") at its end."""
    if not name:
        return None
    name = _UNVERIFIED.sub("", " ".join(normalise_text(name).split()))
    for _ in range(2):
        name = _SAYS.sub("", name)
        stripped = _BADGES.sub("", name)
        name = stripped if stripped else name  # a commenter may be called "Admin"
    return name.strip(" ,:-·•|") or None


def _time(system: System, element, index: dict) -> str | None:
    node = _own(system, system.time, element, index)
    if node is None:
        return None
    for attribute in ("datetime", "content", "title", "data-time", "data-timestamp"):
        value = node.get(attribute)
        if value and value.strip():
            return value.strip()
    inner = node.find(".//time")
    if inner is not None and inner.get("datetime"):
        return inner.get("datetime")
    text = " ".join("".join(node.itertext()).split())
    return text or None


def _native(element, attributes: tuple[str, ...], position: int) -> str:
    for attribute in attributes:
        value = element.get(attribute)
        if value:
            return (
                re.sub(r"^(?:comment|post|js-post|li-comment|div-comment|c)[-_]?", "", value)
                or value
            )
    return str(position)


def _link_nesting(found: list[Found], system: System) -> None:
    """Each reply's parent: the comment whose element holds it, or (Drupal) the comment
    just before the `indented` block that holds it."""
    index = {f.element: n for n, f in enumerate(found)}
    for item in found:
        owner = _owner(item.element, index)
        if owner is not None:
            item.parent = index[owner]
        elif system.nested_in:
            holder = next((a for a in item.element.iterancestors()
                           if system.nested_in in _classes(a).split()), None)  # fmt: skip
            before = holder.getprevious() if holder is not None else None
            while before is not None and before not in index:
                before = before.getprevious()
            if before is not None:
                item.parent = index[before]


def _blogger_classic(system: System, root) -> list[Found]:
    """Old Blogger templates: <dt class="comment-author">NAME said...</dt>, then the
    comment in <dd class="comment-body"> and its time in <dd class="comment-footer">."""
    found = []
    for n, head in enumerate(system.select(system.item, root), start=1):
        body = head.getnext()
        while body is not None and "comment-body" not in _classes(body):
            body = body.getnext()
        if body is None:
            continue
        footer = body.getnext()
        posted = None
        if footer is not None and "comment-footer" in _classes(footer):
            posted = " ".join("".join(footer.itertext()).split()) or None
        link = head.find(".//a")
        author = clean_name(link) if link is not None and link.text else clean_name(head)
        found.append(
            Found(head, (head.get("id") or str(n)).removeprefix("c"), author, body, posted)
        )
    return found


def _json_ld(root) -> list[Found]:
    found: list[Found] = []
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, RecursionError):
            continue
        for holder in _walk(data):
            comments = holder.get("comment")
            if isinstance(comments, dict):
                comments = [comments]
            if isinstance(comments, list) and any(_is_comment(c) for c in comments):
                _add_json_ld(comments, None, found)
                return found
    return found


def _walk(value, depth: int = 0) -> Iterator[dict]:
    if depth > 20:
        return
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, depth + 1)


def _is_comment(value) -> bool:
    kind = value.get("@type") if isinstance(value, dict) else None
    kinds = kind if isinstance(kind, list) else [kind]
    return "Comment" in kinds and isinstance(value.get("text") or value.get("description"), str)


def _add_json_ld(comments: list, parent: int | None, found: list[Found]) -> None:
    for comment in comments:
        if not _is_comment(comment):
            continue
        author = comment.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        name = author.get("name") if isinstance(author, dict) else author
        here = len(found)
        found.append(Found(
            None, str(comment.get("@id") or comment.get("identifier") or here + 1),
            clean_author(name if isinstance(name, str) else None),
            comment.get("text") or comment.get("description"),
            comment.get("dateCreated") or comment.get("datePublished"), parent,
        ))  # fmt: skip
        replies = comment.get("comment")
        if isinstance(replies, dict):
            replies = [replies]
        if isinstance(replies, list):
            _add_json_ld(replies, here, found)


def _generic(root) -> tuple[str, list[Found]] | None:
    """Repeated blocks under a comments container that each carry an author or a time.
    Only outermost containers are read: one inside another is read with it."""
    best: list[Found] = []
    for container in root.iter(etree.Element):
        if not _names_comments(container) or _NOT_COMMENTS.search(_label(container)):
            continue
        if any(_names_comments(a) for a in container.iterancestors()):
            continue
        found = _generic_items(container)
        if len(found) > len(best):
            best = found
    return ("generic", best) if best else None


def _generic_items(container) -> list[Found]:
    groups: dict[tuple, list] = {}
    for element in container.iterdescendants(("li", "article", "div", "section")):
        groups.setdefault((element.tag, _classes(element)), []).append(element)
    best: list[Found] = []
    for (_tag, classes), elements in groups.items():
        if len(elements) < 2 and not any(_CONTAINER.fullmatch(w) for w in classes.split()):
            continue  # one block is a comment only if its class says so
        members = set(elements)
        holders = {a for e in elements for a in e.iterancestors()}  # hold a reply somewhere
        found = []
        for element in elements:
            comment = _generic_comment(element, members, holders)
            if comment is None:
                break  # the group is comments only if every block is one
            found.append(comment)
        if len(found) == len(elements) and len(found) > len(best):
            best = found
    index = {f.element: n for n, f in enumerate(best)}
    for item in best:
        owner = _owner(item.element, index)
        item.parent = index[owner] if owner is not None else None
    return best


def _own_parts(element, members: set) -> list:
    """The elements inside `element` in page order, not inside a reply nested in it."""
    parts, stack = [], list(reversed(element))
    while stack:
        node = stack.pop()
        if isinstance(node.tag, str) and node not in members:
            parts.append(node)
            stack.extend(reversed(node))
    return parts


def _generic_comment(element, members: set, holders: set) -> Found | None:
    """A block with an author-like or time-like part and a text part of its own (not in a
    reply nested in it, and not holding one)."""
    own = [e for e in _own_parts(element, members) if e not in holders]
    author = next((e for e in own if _AUTHORISH.search(_label(e))
                   and "".join(e.itertext()).strip()), None)  # fmt: skip
    stamp = next((e for e in own if e.tag == "time" or _TIMEISH.search(_label(e))), None)
    if author is None and stamp is None:
        return None
    parts = {author, stamp} - {None}
    texts = [e for e in own if e.tag in ("div", "p", "section")
             and not any(p in parts for p in e.iterdescendants())
             and not _FURNITURE.search(_label(e)) and not _AUTHORISH.search(_label(e))
             and not _TIMEISH.search(_label(e))]  # fmt: skip
    body = max(texts, key=lambda e: len("".join(e.itertext()).strip()), default=None)
    if body is None or not "".join(body.itertext()).strip():
        return None
    while body.getparent() is not None and body.getparent() is not element and body.tag == "p":
        body = body.getparent()  # paragraphs of one text: their block
    posted = None
    if stamp is not None:
        posted = stamp.get("datetime") or " ".join("".join(stamp.itertext()).split()) or None
    return Found(element, element.get("id") or "", clean_name(author) if author is not None else None,
                 body, posted)  # fmt: skip


def _names_comments(element) -> bool:
    return any(_CONTAINER.fullmatch(word) for word in _label(element).split())


def _classes(element) -> str:
    return element.get("class") or "" if isinstance(element.tag, str) else ""


def _label(element) -> str:
    """What an element calls itself: its id, classes and itemprop."""
    return " ".join(
        filter(None, (element.get("id"), element.get("class"), element.get("itemprop")))
    )
