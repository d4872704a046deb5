"""Threats and attacks on groups, read as grammar rather than matched as fixed phrases.

A phrase list matches "kill you" and misses "Muslims should all be killed", "I want to
kill all trans people" and "Someone should snap the necks of all those immigrants". Here a
threat is a violent verb (in its forms) or outcome, in one of the shapes threats take,
aimed at "you" or a group:

- intent or a call to act: "I will / I'm going to / someone should / let's" + verb + target
- the target's fate: target + "should / must / ought to / deserve to" + "be killed", "die"
- a wish: "I hope" + target + "die(s)", "get shot"
- "death to" + target, "kill all" + group at the start of a sentence

An attack on a group is an identity term (the rule file's `identity` section) with hatred
("I hate", "I can't stand"), a negative word from the rule's lists ("are vermin", "are
nothing but scum") or a denial of their humanity ("are not human").

Negation turns either off: "No Muslim ought to be executed", "I would never hurt you",
"Women are not stupid". The patterns run on de-obfuscated, lower-case text with quoted and
reported speech blanked out (see `quoting`), and only on comments in which the rule
file's one-pass scan found a verb or term they need.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property

from moderation.rules.matching import compile_regex

_VERBS = (
    "kill", "murder", "shoot", "hang", "burn", "stab", "execute", "lynch", "slaughter",
    "exterminate", "gas", "behead", "decapitate", "strangle", "drown", "butcher", "massacre",
    "torture", "beat", "rape", "bomb", "nuke", "stone", "eradicate", "annihilate", "eliminate",
    "hurt", "harm", "attack", "punch", "wipe out", "gun down", "mow down", "run over",
    "string up", "put down", "blow up", "cut up", "chop up", "shoot up", "finish off",
    "get rid of", "deal with", "take out", "put a bullet in", "put bullets in",
    "(?:snap|break|wring|slit|cut) the (?:necks?|throats?) of", "smash the (?:skulls?|heads?) of",
    "burn down the houses of", "beat the shit out of", "beat up", "ethnically cleanse",
)  # fmt: skip
_PARTICIPLES = (
    "killed", "murdered", "shot", "hanged", "hung", "burned", "burnt", "stabbed", "executed",
    "lynched", "slaughtered", "exterminated", "gassed", "beheaded", "decapitated", "strangled",
    "drowned", "butchered", "massacred", "tortured", "beaten", "raped", "bombed", "nuked",
    "stoned", "eradicated", "annihilated", "eliminated", "hurt", "harmed", "attacked",
    "punched", "wiped out", "gunned down", "mowed down", "run over", "strung up", "put down",
    "blown up", "culled", "purged", "put to death", "lined up", "finished off", "dealt with",
    "taken out", "ethnically cleansed", "wiped off the (?:face of the )?(?:earth|planet|map)",
)  # fmt: skip
_OUTCOMES = (
    "die", "dies", "rot", "perish", "suffer", "burn", "drown", "hang", "be dead", "drop dead",
    "go extinct", "die out", "get what'?s coming", "not exist", "cease to exist", "not live",
    "not be alive", "be put to death", "be exterminated",
)  # fmt: skip
# Words without which no threat, or no attack beside an identity term, can be read: the
# patterns run only on sentences that have one, and the rule file's one-pass scan looks
# for them first (squeezed: "wipe out" as "wipeout").
THREAT_CUE_WORDS = (
    "kill", "murder", "shoot", "shot", "hang", "hung", "burn", "stab", "execut", "lynch",
    "slaughter", "extermin", "gass", "behead", "decapitat", "strangl", "drown", "butcher",
    "massacr", "tortur", "beat", "rape", "raping", "bomb", "nuke", "nuking", "stone",
    "eradicat", "annihilat", "eliminat", "hurt", "harm", "attack", "punch", "die", "dying",
    "dead", "death", "perish", "suffer", "extinct", "cull", "purg", "bullet", "neck",
    "throat", "skull", "rot",
)  # fmt: skip
THREAT_CUE_PHRASES = (
    "wipe out", "wiped out", "gun down", "gunned down", "mow down", "mowed down", "run over",
    "string up", "strung up", "put down", "blow up", "blown up", "cut up", "chop up",
    "finish off", "rid of", "deal with", "dealt with", "take out", "taken out", "lined up",
    "ethnically cleans",
)  # fmt: skip
# Words of attacks and threats, for the vocabulary whose evasion is undone.
HATRED_WORDS = ("hate", "despise", "detest", "loathe", "abhor")
THREAT_WORDS = (
    "kill", "murder", "shoot", "shot", "hang", "hung", "burn", "stab", "execute", "lynch",
    "slaughter", "exterminate", "behead", "strangle", "drown", "butcher", "massacre",
    "torture", "rape", "bomb", "nuke", "eradicate", "annihilate", "eliminate", "hurt",
    "harm", "attack", "punch", "die", "dead", "death", "perish", "bullet",
)  # fmt: skip
HATE_WORDS = (*HATRED_WORDS, "shot", "shoot", "hang", "burn")
_HATRED = (
    "hate", "despise", "detest", "loathe", "abhor", "can'?t stand", "cannot stand",
    "can'?t bear", "(?:am|'m|are|'re) disgusted by", "(?:am|'m|are|'re) sick of",
    "(?:am|'m|are|'re) tired of", "have no respect for", "want nothing to do with",
)  # fmt: skip
_INHUMAN = (
    "not (?:even )?(?:human|people|real people|persons|welcome|equal|normal|natural|our equals)",
    "not worth (?:anything|it|saving|the air|a damn|a thing|living|respect)",
    "less than human", "lesser beings?", "a waste of (?:space|oxygen|air|skin|life)",
    "(?:a )?(?:plague|disease|virus|cancer|burden|infestation|blight) (?:on|to|of)",
)  # fmt: skip
_BELONG = (
    "belong (?:in|at|on) (?:a |the )?(?:zoo|cage|cages|kitchen|prison|jail|hell|gutter|gas chamber|camps?)",
    "(?:should|must|need to|needs to|ought to) (?:all )?(?:go back|be deported|be sent back|"
    "be locked up|be banned|be sterilised|be sterilized|be removed|disappear|not be allowed|"
    "stay in the kitchen|leave|get out|not vote|not breed)",
)  # fmt: skip
_PEOPLE = (
    "people", "persons", "person", "men", "man", "women", "woman", "folks", "folk", "kids",
    "guys", "girls", "boys", "community", "communities", "population", "immigrants", "lot",
)  # fmt: skip
_DETERMINERS = (
    "all", "every", "each", "any", "the", "these", "those", "some", "more", "such", "of",
    "many", "most", "your", "next", "other", "few", "one", "two", "fucking", "damn", "bloody",
    "last", "single", "remaining",
    "filthy", "dirty", "stupid", "disgusting",
)  # fmt: skip
_INTENSIFIERS = (
    "all", "just", "nothing but", "no better than", "no more than", "nothing more than",
    "basically", "simply", "truly", "really", "so", "such", "the", "a", "an", "total",
    "complete", "absolute", "utter", "fucking", "bloody", "like", "always", "a bunch of",
    "a pack of", "kind of", "sort of", "nothing", "but", "little", "damn", "goddamn", "mere",
    "more", "most", "very", "human", "walking", "total", "complete",
    "too", "inherently", "naturally", "by nature", "born", "deep down", "still", "literally",
)  # fmt: skip
_NEGATION = re.compile(
    r"\b(?:no|not|never|nobody|noone|none|neither|nor|nothing|without|hardly|dont|doesnt|didnt|"
    r"cant|wont|wouldnt|shouldnt|isnt|arent|mustnt)\b|n't\b"
)
# "I can't wait to", "I won't hesitate to": negative words that do not negate a threat.
_NOT_NEGATION = re.compile(
    r"\b(?:can'?t|cannot|won'?t|wouldn'?t|don'?t|do not|will not|would not|not) (?:wait|hesitate|"
    r"mind|think twice|stop|only|just|stand|bear)\b|\bno (?:mercy|doubt|problem|hesitation|way they)\b"
    r"|\b(?:nothing but|nothing more than|no better than|no more than|none other than)\b"
)
_CLAUSE_END = re.compile(r"[.!?;\n]|,\s*(?:but|and|so|because)\b")


def _alternatives(items: Iterable[str], escape: bool = False) -> str:
    ordered = sorted(set(items), key=len, reverse=True)
    return "|".join(
        r"\s+".join(re.escape(p) if escape else p for p in item.split()) for item in ordered
    )


class Grammar:
    """Threat and group-attack patterns over one rule file's identity terms."""

    def __init__(self, identity_terms: Iterable[str]) -> None:
        terms = _alternatives((t.lower() for t in identity_terms), escape=True) or "(?!)"
        people = _alternatives(_PEOPLE)
        det = rf"(?:(?:{_alternatives(_DETERMINERS)})\s+){{0,4}}"
        self.group = rf"{det}(?:{terms})(?:\s+(?:{people}))?(?:\s+like\s+(?:you|them|her|him))?"
        anyone = (
            r"(?:you|ya|u|y'?all|youse|them|him|her|everyone|everybody|every\s+one\s+of\s+"
            r"(?:you|them)|people\s+like\s+(?:you|them|that|this)|those\s+people|these\s+people"
            r"|you\s+all|you\s+people|all\s+of\s+(?:you|them))"
        )
        target = rf"(?:{self.group}|{det}{anyone})\b"
        verb = rf"(?:{_alternatives(_VERBS)})(?:s|es|ed|ing)?"
        done = rf"(?:{_alternatives(_PARTICIPLES)})"
        fate = rf"(?:{_alternatives(_OUTCOMES)})"
        # One possessive run of helper words after the subject: a word is never tried by two
        # loops, so no text can make the patterns backtrack (hostile comments repeat words).
        helpers = (
            r"(?:\s+(?:will|shall|am|are|is|going|gonna|to|want|wanna|would|love|like|intend|"
            r"plan|need|needs|have|has|must|should|could|might|can'?t|cannot|wait|about|ready|"
            r"really|definitely|personally|'ll|'m|just|happily|gladly|soon|all|go|come|and|"
            r"fucking|totally|literally|eventually|someday|actually|finally|quietly|slowly|"
            r"be|able|help|ought|oughta|gotta|start|can)\b)*+"
        )
        intent = rf"\b(?:i|we|im|ima|i'?m|we'?re|i'?ll|we'?ll|i'?d|we'?d){helpers}"
        call = (
            r"\b(?:someone|somebody|anyone|anybody|everyone|nobody|no\s+one|noone|people|they|you|we|y'?all|the"
            r"\s+government|the\s+police|cops|society|the\s+world|our\s+country|let'?s|lets|"
            rf"let\s+us|time\s+to|it'?s\s+time\s+to){helpers}"
        )
        modal = (
            r"(?:should|must|ought\s+to|oughta|need\s+to|needs\s+to|deserve\s+to|deserves\s+to|"
            r"have\s+to|has\s+to|are\s+going\s+to|are\s+gonna|gonna|will|are\s+to|gotta|"
            r"better|had\s+better|can|could|would)"
        )
        filler = r"(?:\s+(?:all|really|just|definitely|simply|each|fucking|every\s+one)\b)*+"
        self.threats = [
            re.compile(rf"(?:{intent}|{call})\s+{verb}\s+{target}"),
            re.compile(rf"(?:^|[.!?;:\n]\s*)(?:just\s+|go\s+|so\s+|now\s+)?{verb}\s+{target}"),
            re.compile(rf"{target}{filler}\s+{modal}{filler}\s+(?:be|get)(?:\s+all)?\s+{done}"),
            re.compile(rf"{target}{filler}\s+{modal}{filler}\s+{fate}\b"),
            re.compile(rf"{target}{filler}\s+deserves?\s+(?:death|a\s+bullet|to\s+be\s+{done})"),
            re.compile(
                rf"\b(?:i|we)\s+(?:hope|wish|pray)\s+(?:that\s+)?{target}{filler}\s+"
                rf"(?:(?:will\s+)?{fate}|(?:get|gets|got|are|is|will\s+be|be)\s+{done})\b"
            ),
            re.compile(rf"\bdeath\s+to\s+{target}"),
            re.compile(
                rf"\b(?:love|like|want|wanna|happy|glad|enjoy|pay|wait)\s+to\s+(?:see|watch)\s+"
                rf"{target}{filler}\s+(?:{fate}|get\s+{done}|be\s+{done}|{done})\b"
            ),
            re.compile(r"\bthe\s+only\s+good\s+\w+(?:\s+\w+)?\s+(?:is|are)\s+(?:a\s+)?dead\b"),
        ]
        self.hatred_of_them = re.compile(
            rf"\b(?:i|we)(?:\s+(?:really|just|absolutely|truly|fucking|so|still|honestly|do))*"
            rf"\s+(?:{_alternatives(_HATRED)})\s+(?:them|(?:every\s+(?:single\s+)?one|each|all)\s+"
            r"of\s+them|them\s+all)\b"
        )
        self.cursing = re.compile(
            rf"(?:^|[.!?;:\n]\s*)(?:fuck|screw|damn|to\s+hell\s+with|down\s+with)\s+{self.group}\b"
        )
        self.hatred = re.compile(
            rf"\b(?:i|we)(?:\s+(?:really|just|absolutely|truly|fucking|so|still|honestly|do|"
            rf"all|totally|genuinely))*\s+(?:{_alternatives(_HATRED)})\s+{self.group}\b"
        )
        self.inhuman = [
            re.compile(
                rf"{self.group}{filler}\s+(?:are|is|r|were|will\s+always\s+be|be){filler}\s+"
                rf"(?:{_alternatives(_INHUMAN)})"
            ),
            re.compile(rf"{self.group}{filler}\s+(?:{_alternatives(_BELONG)})"),
        ]
        self.intensifiers = rf"(?:\s+(?:{_alternatives(_INTENSIFIERS)})\b)*+"
        # Words without which no pattern can match: the patterns run only on sentences
        # that have one.
        # RE2, not re: an alternation of some hundred words is tried at every character,
        # which RE2's automaton does at once.
        cues = [rf"{w}\w*" for w in THREAT_CUE_WORDS] + list(THREAT_CUE_PHRASES)
        self.threat_cue = compile_regex(rf"\b(?:{_alternatives(cues)})")
        hatred = _alternatives(HATRED_WORDS)
        self.attack_cue = compile_regex(rf"\b(?:{terms}|{hatred})(?:s|d|ing)?\b")

    def threats_in(self, text: str, negations: bool = False) -> Iterator[tuple[int, int]]:
        """(start, end) of each threat in lower-case text, negated ones left out; or with
        `negations`, only the negated ones ("No one should kill them")."""
        for start, end in _sentences(text, self.threat_cue):
            for pattern in self.threats:
                for match in pattern.finditer(text, start, end):
                    if negated(text, match.start(), match.end()) == negations:
                        yield match.span()

    @cached_property
    def group_pattern(self) -> re.Pattern[str]:
        return re.compile(self.group)

    def attribute(self, negative: str) -> re.Pattern[str]:
        """The pattern of a group said to be one of the negative words."""
        return _attribute_pattern(self.group, self.intensifiers, negative)

    def attacks_in(self, text: str, negative: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each attack on a group; `negative` is an alternation of the
        negative words of the rule's lists ("vermin|scum|...")."""
        attribute = self.attribute(negative) if negative else None
        for start, end in _sentences(text, self.attack_cue):
            for match in self.hatred.finditer(text, start, end):
                if not negated(text, match.start(), match.end()):
                    yield match.span()
            for match in self.cursing.finditer(text, start, end):
                yield match.span()
            for pattern in self.inhuman:  # their own "not" is the attack
                for match in pattern.finditer(text, start, end):
                    yield match.span()
            for match in attribute.finditer(text, start, end) if attribute else ():
                if not negated(text, match.start(), match.end()):
                    yield match.span()
        if self.hatred_of_them.search(text) and self.group_pattern.search(text):
            # "I met many X and I hate every one of them": the group in another sentence
            for match in self.hatred_of_them.finditer(text):
                if not negated(text, match.start(), match.end()):
                    yield match.span()


_SENTENCE_END = re.compile(r"[.!?;\n]")


def _sentences(text: str, cue) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence with a cue word, each once. A sentence starts at the
    mark that ends the one before (patterns read "kill all" after it as a command)."""
    last_end = -1
    for hit in cue.finditer(text):
        if hit.start() < last_end:
            continue
        before = text.rfind(".", 0, hit.start())
        for mark in "!?;\n":
            before = max(before, text.rfind(mark, 0, hit.start()))
        after = _SENTENCE_END.search(text, hit.end())
        last_end = after.end() if after else len(text)
        yield max(before, 0), last_end


_ATTRIBUTES: dict[tuple[str, str, str], re.Pattern[str]] = {}


def _attribute_pattern(group: str, intensifiers: str, negative: str) -> re.Pattern[str]:
    key = (group, intensifiers, negative)
    if key not in _ATTRIBUTES:
        _ATTRIBUTES[key] = re.compile(
            rf"{group}\s+(?:are|is|r|were|will\s+always\s+be|are\s+all|make\s+me\s+sick|"
            rf"sound\s+like|look\s+like|act\s+like|behave\s+like|smell\s+like){intensifiers}\s+"
            rf"(?:{negative})\b"
        )
    return _ATTRIBUTES[key]


def negated(text: str, start: int, end: int, before: int = 80) -> bool:
    """Whether a negation in the clause (from its start, at most `before` characters back,
    to the match's end) turns it off."""
    clause_start = max(
        (m.end() for m in _CLAUSE_END.finditer(text, max(0, start - before), start)), default=0
    )
    clause = _NOT_NEGATION.sub(" ", text[max(clause_start, start - before) : end])
    return _NEGATION.search(clause) is not None


# --- what the one-pass scan looks for -----------------------------------------------------------


def threat_forms(misspellings: Callable[[str], frozenset[str]]) -> frozenset[str]:
    """Squeezed forms one of which a comment must show for a threat to be possible: the
    cue words, and the violent words misspelled."""
    cues = {w for w in THREAT_CUE_WORDS} | {p.replace(" ", "") for p in THREAT_CUE_PHRASES}
    return frozenset(cues) | misspellings(THREAT_WORDS)


def attack_forms(
    terms: Iterable[str], misspellings: Callable[[str], frozenset[str]]
) -> frozenset[str]:
    """Squeezed forms one of which a comment must show for an attack on a group: an
    identity term, or one misspelled, or a word of hatred (before a misspelled term)."""
    terms = [t.replace(" ", "") for t in terms]
    return frozenset(terms) | frozenset(HATRED_WORDS) | misspellings([*terms, *HATRED_WORDS])
