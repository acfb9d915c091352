"""Parameter counts of one sentence, attributed to models.

``jobs.extract.params`` says which figures are parameter counts; this module says whose. Beyond
the clause rules of ``jobs.extract.attribution`` it handles the shapes where a figure carries no
cue of its own but borrows one from a parallel figure:

- ``A and B have 355B and 106B parameters, respectively`` / ``A、B总参数分别为3550亿和1060亿``;
- ``GLM-4.5 (355B)`` — a bare size in brackets right after a name;
- ``355B total parameters versus 671B for DeepSeek-R1`` — the counterpart in a comparison;
- ``总参数1060亿，而GLM-4.5为3550亿`` — a later clause "<name> is N" after a cued figure;
- ``X的参数量与Y相同，均为6710亿`` — the cue ends the previous clause.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from jobs.extract.attribution import Clause, Sentence, owner_at
from jobs.extract.generic import class_spans
from jobs.extract.hedges import HEDGE
from jobs.extract.names import Match
from jobs.extract.params import FIGURE, Figure, parameter_figures

#: (model, field, value, confidence)
SizeFact = tuple[str, str, int, float]

_RESPECTIVELY = re.compile(r"respectively|分别|分別", re.IGNORECASE)
_JOINED = re.compile(r"\s*(?:and|&|和|与|與|及|、|,|/)\s*", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*[(\[]\s*")
#: Between the figures of one list when the first carries its own cue ("21B 參數與 117B").
_JOINED_CUE = re.compile(r"\s*(?:参数|參數|parameters?)?\s*(?:and|&|和|与|與|及|、|,|/)\s*", re.I)
_TOTAL_WORD = re.compile(r"total|总|總", re.IGNORECASE)
_COPULA = re.compile(r"\s*(?:为|為|是|达|達|has|had|is|at|with)\s*", re.IGNORECASE)
_CARRIED = re.compile(
    r"\s*(?:均|都|同样|同樣|also|both)?\s*(?:为|為|是|达|達|达到|達到|is|are|at)\s*"
)
#: "<name> is <size>." closing its clause: the size of the model, as in "DeepSeek v3 is 671B".
_IS_SIZE = re.compile(r"\s*(?:is|was|has|:)\s*", re.IGNORECASE)
_PARAM_NOUN = re.compile(r"参数|參數|parameters?", re.IGNORECASE)


def sentence_sizes(text: str, sentence: Sentence, names: list[Match]) -> Iterator[SizeFact]:
    """Every parameter count of ``sentence`` with the model it belongs to.

    A count restated in other words ("17 billion active parameters, meaning that they process
    input using 17 billion parameters") keeps its explicit role: the same value as an owner's
    active count is no total unless the text says "total".
    """
    if HEDGE.search(text, sentence.start, sentence.end):
        return  # "据传", "或已突破", "reportedly": a rumour states no count
    found = list(_sizes(text, sentence, names))
    active = {(owner, value) for owner, field, value, _c, _e in found if field == "params_active"}
    for owner, field, value, confidence, explicit in found:
        if field == "params_total" and (owner, value) in active and not explicit:
            continue
        yield owner, field, value, confidence


def _sizes(
    text: str, sentence: Sentence, names: list[Match]
) -> Iterator[tuple[str, str, int, float, bool]]:
    paired, handled = _respectively(text, sentence, names)
    yield from ((*fact, True) for fact in paired)
    skip = [(m.start, m.end) for m in names] + class_spans(text, sentence.start, sentence.end)
    earlier: list[Figure] = []  # cued figures of earlier clauses, for "而GLM-4.5为3550亿"
    previous: Clause | None = None
    for clause in sentence.clauses:
        figures = parameter_figures(text, (clause.start, clause.end), skip)
        outside = [f for f in figures if f.cued and not _compared(clause, f.start)]
        for figure in figures:
            if figure.start in handled:
                continue
            owners, penalty = owner_at(text, clause, figure.start)
            role: str | None = figure.role
            confidence = figure.confidence
            if not figure.cued:
                role, confidence = _borrowed(text, clause, previous, figure, outside + earlier)
            explicit = _TOTAL_WORD.search(text, max(0, figure.start - 16), figure.end + 16)
            for owner in owners if role else ():
                yield owner, f"params_{role}", figure.value, confidence - penalty, bool(explicit)
        earlier.extend(outside)
        previous = clause


def _respectively(
    text: str, sentence: Sentence, names: list[Match]
) -> tuple[list[SizeFact], set[int]]:
    """Names and figures paired in order, and the positions of the figures used: with
    "respectively"/"分别", or without it when the figures come in joined lists as long as the
    joined list of names ("gpt-oss-20b 與 gpt-oss-120b，共 21B 與117B 參數，對應 3.6B 與 5.1B")."""
    keyword = _RESPECTIVELY.search(text, sentence.start, sentence.end) is not None
    if keyword:
        models = list(dict.fromkeys(m.slug for m in names))
    else:
        groups = list(dict.fromkeys(c.group for c in sentence.clauses if len(c.group) > 1))
        if len(groups) != 1:
            return [], set()
        models = list(groups[0])
    figures = parameter_figures(
        text, (sentence.start, sentence.end), [(m.start, m.end) for m in names]
    )
    roles: list[str | None] = [f.role if f.cued else None for f in figures]
    for index, figure in enumerate(figures):
        for other in (index - 1, index + 1):
            if figure.cued or not 0 <= other < len(figures) or not figures[other].cued:
                continue
            first, last = sorted((figures[other], figure), key=lambda f: f.start)
            if _JOINED.fullmatch(text, first.end, last.start):
                roles[index] = figures[other].role
                break
    paired: list[SizeFact] = []
    used: set[int] = set()
    for role in ("total", "active"):
        ordered = [f for f, r in zip(figures, roles, strict=True) if r == role]
        joined = all(
            _JOINED.fullmatch(text, a.end, b.start) or _JOINED_CUE.fullmatch(text, a.end, b.start)
            for a, b in itertools.pairwise(ordered)
        )
        if len(models) > 1 and len(ordered) == len(models) and (keyword or joined):
            for model, figure in zip(models, ordered, strict=True):
                paired.append((model, f"params_{role}", figure.value, 0.8))
                used.add(figure.start)
    return paired, used


def _borrowed(
    text: str, clause: Clause, previous: Clause | None, figure: Figure, cued: list[Figure]
) -> tuple[str | None, float]:
    """The role a bare figure borrows from its context, and the confidence of the borrowing."""
    before = [m for m in clause.mentions if m.end <= figure.start]
    if before and _BRACKETED.fullmatch(text, before[-1].end, figure.start):
        return "total", 0.6
    if cued and _compared(clause, figure.start):
        return cued[0].role, 0.6
    if cued and before and _COPULA.fullmatch(text, before[-1].end, figure.start):
        return cued[0].role, 0.6
    if (
        before
        and _IS_SIZE.fullmatch(text, before[-1].end, figure.start)
        and not text[figure.end : clause.end].strip(" \t\n.。!！?？)")
    ):
        return "total", 0.6  # "DeepSeek v3 is 671B."
    if (
        previous is not None
        and _PARAM_NOUN.search(text, previous.start, previous.end)
        and not FIGURE.search(text, previous.start, previous.end)
        and _CARRIED.fullmatch(text, clause.start, figure.start)
    ):
        return "total", 0.7
    return None, 0.0


def _compared(clause: Clause, position: int) -> bool:
    return any(start <= position < end for start, end in clause.comparisons)
