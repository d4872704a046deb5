"""Words a commenter quotes or reports rather than says: they are not the commenter's own.

`Statements like "women are scum" are hurtful` and `Stop saying that immigrants should
die` use hateful words to condemn them. Structured quotes (a blockquote, a "X said:"
block) are kept apart by extraction as the comment's `quote`; these are the quotes written
inline in the text, which plain-text archives and live requests carry in every format:
text in quotation marks (straight, curly, low-high, guillemets) and the clause after a
verb of saying ("to say", "like saying", "wrote", "stop calling").

`own_words` blanks them out with spaces, so offsets into it are offsets into the text and
a rule that reads `in: own` highlights the right characters.
"""

from __future__ import annotations

import re

# Opening mark -> closing marks. A straight single quote counts only where it cannot be
# an apostrophe: not between letters ("don't") and not after an s ("the kids' toys").
_PAIRS = re.compile(
    r"\"[^\"\n]{1,400}\"|“[^”\n]{1,400}[”\"]|„[^“”\n]{1,400}[“”]|«[^»\n]{1,400}»|»[^«\n]{1,400}«"
    r"|\u2039[^\u203a\n]{1,400}\u203a|\u2018[^\u2019\n]{1,400}\u2019(?![a-z])|(?<![\w'])'[^'\n]{1,400}'(?![a-z])",
    re.IGNORECASE,
)
# A verb of saying, then what was said: up to the end of the sentence.
_REPORTED = re.compile(
    # "to say" reports only after a verb like "dare" or before "that" or a colon: "easy to
    # say when it isn't your job, you idiot" is the commenter's own.
    r"\b(?:(?:dares?|dared|likes?|liked|wants?|wanted|continues?|continued|go(?:es)? on|went on|"
    r"chooses?|chose|tends?|used|the nerve|the gall) to (?:say|write|post|tweet)"
    r"|to (?:say|write)(?= that\b|:)|like saying|saying|wrote|writes|writing|tweeted"
    r"|(?:stop|quit|keep|by|for|from|of|about|when|while) calling|things like|statements like"
    r"|comments like|phrases like|words like|claims? that|claiming that"
    # what others think or say: "people still think that ...", "anyone who says ..."
    r"|(?:people|they|some|someone|anyone|those|who|others|many|folks|he|she|you)\s+(?:still\s+|"
    r"really\s+|actually\s+|honestly\s+)?(?:think|thinks|believe|believes|say|says|said|"
    r"claim|claims|argue|argues|insist|insists|suggest|suggests|tweet|tweets|shout|shouts))\b",
    re.IGNORECASE,
)
_SAID = re.compile(r"[:,]?\s*(?:that\s+)?(?P<said>[^.!?\n]{3,400})", re.IGNORECASE)
# "I have to say", "needless to say": the commenter's own words follow.
_OWN_SAYING = re.compile(
    r"(?:\b(?:i|we)(?:'m| am|'re| are)? (?:have|got|need|going|want|must|would like|'d like|just)"
    r"|\bneedless|\blet me|\bsad|\bsorry|\bhate)\s*$",
    re.IGNORECASE,
)
REPORTED_REACH = 40  # characters before a verb of saying where the one who says it may stand
_MARKS = ('"', "“", "„", "«", "»", "\u2039", "\u2018", "'")
_MARKERS = (
    "say",
    "writ",
    "wrote",
    "tweet",
    "calling",
    " like ",
    "claim",
    "think",
    "believe",
    "said",
    "argue",
    "insist",
    "suggest",
    "shout",
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every part of the text that is quoted or reported, in order."""
    lowered = text.lower()
    # An apostrophe is in most comments; a quoting single mark starts a word.
    marked = any(m in text for m in _MARKS[:-1]) or " '" in text or text.startswith("'")
    reported = any(m in lowered for m in _MARKERS)
    if not marked and not reported:
        return []  # nearly every comment
    spans = [m.span() for m in _PAIRS.finditer(text)] if marked else []
    for head, said in _reported(text, lowered) if reported else ():
        if said["said"].startswith(_MARKS):
            continue  # what was said is in quotation marks, found above
        if not _OWN_SAYING.search(text, max(0, head.start() - 30), head.start()):
            spans.append(said.span("said"))
    return _merged(spans)


def _reported(text: str, lowered: str):
    """Matches of _REPORTED, looked for only around its verbs (found by plain string search:
    the pattern itself, tried at every character of a long comment, is slow)."""
    places = sorted(i for marker in _MARKERS for i in _find_all(lowered, marker))
    covered = -1
    for place in places:
        if place < covered:
            continue
        start = max(0, place - REPORTED_REACH, covered)
        head = _REPORTED.search(text, start, min(len(text), place + 30))
        said = _SAID.match(text, head.end()) if head is not None else None
        if said is not None:
            covered = said.end()
            yield head, said


def _find_all(text: str, needle: str):
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + 1)


def own_words(text: str, spans: list[tuple[int, int]] | None = None) -> str:
    """The text with what it quotes or reports replaced by spaces (same length)."""
    spans = quoted_spans(text) if spans is None else spans
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], " " * (end - start)]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
