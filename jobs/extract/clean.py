"""The text extraction reads: the original with markup, noise and spec-sheet layout undone.

``clean`` runs the passes in order — markup (``jobs.extract.markup``), NFKC folding
(``jobs.extract.text``), noise (``jobs.extract.noise``), spec-sheet joins
(``jobs.extract.specsheet``) — and keeps, through every pass, the offset of each character in
the original, so evidence is always quoted from the text the source sent.
"""

from __future__ import annotations

from jobs.extract.markup import strip_markup
from jobs.extract.noise import remove_noise
from jobs.extract.specsheet import join_spec_lines
from jobs.extract.text import Normalized, normalize


def clean(text: str) -> Normalized:
    """``text`` ready for extraction, mapped back to ``text``'s offsets."""
    marked = strip_markup(Normalized(text, tuple(range(len(text))), len(text)))
    folded = normalize(marked.text)
    # Compose: a folded character's origin is the origin of the character it came from.
    composed = (
        Normalized(folded.text, tuple(marked.origin[i] for i in folded.origin), len(text))
        if marked.text != text
        else folded
    )
    return join_spec_lines(remove_noise(composed))
