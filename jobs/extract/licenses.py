"""Licences, normalised to SPDX-like ids, from prose and from Hugging Face ``license:`` tags."""

from __future__ import annotations

import re
from collections.abc import Iterator

PROPRIETARY = "Proprietary"

#: Licence names in prose, most specific first ("modified MIT" before "MIT").
_PROSE: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, flags), spdx)
    for pattern, flags, spdx in (
        (r"modified[\s-]*mit|修改版\s*MIT|修改[后後]的\s*MIT", re.I, "Modified-MIT"),
        (r"(?<![A-Za-z])MIT(?![A-Za-z])", 0, "MIT"),
        (r"apache(?:[\s-]*licen[cs]e)?[\s,(-]*(?:version\s*|v)?2(?:\.0)?", re.I, "Apache-2.0"),
        (r"llama[\s-]*4[\s-]*(?:community[\s-]*licen[cs]e|社区许可|社區許可)", re.I,
         "Llama-4-Community"),
        (r"llama[\s-]*3\.1[\s-]*community[\s-]*licen[cs]e", re.I, "Llama-3.1-Community"),
        (r"gemma[\s-]*(?:terms(?:[\s-]*of[\s-]*use)?|licen[cs]e|授权|授權|许可|許可|使用条款|使用條款)",
         re.I, "Gemma"),
        (r"qwen[\s-]*research[\s-]*licen[cs]e", re.I, "Qwen-Research"),
        (r"(?:qwen|tongyi[\s-]*qianwen)[\s-]*licen[cs]e|通义千问许可|通義千問許可", re.I, "Qwen"),
        (r"deepseek[\s-]*(?:model[\s-]*)?licen[cs]e", re.I, "DeepSeek"),
        (
            r"(?:tencent[\s-]*)?hunyuan[\s-]*(?:a13b[\s-]*)?community[\s-]*licen[cs]e"
            r"|混元[^,。]{0,8}(?:社区|社區)许可|混元[^,。]{0,8}(?:社区|社區)許可",
            re.I,
            "Tencent-Hunyuan-Community",
        ),
        (r"minimax[\s-]*model[\s-]*agreement", re.I, "MiniMax-Model-Agreement"),
        (r"cc[\s-]*by[\s-]*nc[\s-]*4\.0", re.I, "CC-BY-NC-4.0"),
        (r"cc[\s-]*by[\s-]*4\.0", re.I, "CC-BY-4.0"),
        (r"(?:closed[\s-]*(?:source|weights?)|proprietary|api[\s-]*only"
         r"|only\s+(?:available\s+)?(?:through|via)\s+(?:the\s+|its\s+|an\s+)?API"
         r"|闭源|閉源|不开源|未开源|不開源|未開源)", re.I, PROPRIETARY),
    )
)  # fmt: skip
#: Words that make "MIT" or "Apache 2.0" in a sentence a licence rather than a university.
_LICENCE_CONTEXT = re.compile(
    r"licen[cs]|under|terms|agreement|许可|許可|协议|協議|授权|授權|开源|開源|open[\s-]*(?:source|weight)"
    r"|权重|權重",
    re.I,
)
_OPEN = re.compile(
    r"(?<!not )(?<!non-)(?<![不未非])(?:open[\s-]*(?:sourced?|weights?)|开源|開源|开放权重|開放權重"
    r"|权重开放|權重開放"
    # "with its weights fully disclosed", "publishes all weights", "權重已公開"
    r"|\bweights\s+(?:are\s+|were\s+)?(?:fully\s+|publicly\s+|freely\s+)?"
    r"(?:disclosed|published|downloadable|(?:publicly\s+|freely\s+)?available)"
    r"|\bpublish(?:es|ed)?\s+(?:all\s+|its\s+|the\s+)?(?:model\s+)?weights"
    r"|(?:公开|公開)(?:了)?(?:模型)?权重|(?:公开|公開)(?:了)?(?:模型)?權重"
    r"|权重已?(?:公开|开放)|權重已?(?:公開|開放))",
    re.IGNORECASE,
)
#: "open-source models", "proprietary and open-weight rivals", "开源社区": words about the field,
#: not about the subject. Used with ``match(text, pos)``, so no "^" (it would not match at pos).
GENERIC = re.compile(
    r"\s*(?:(?:and|or|/|&|与|與|和|及)\s*(?:[\w-]+\s+)?)?"
    r"(?:models|LLMs|AI\b|rivals|alternatives|community|peers|competitors|counterparts|ecosystem"
    r"|world|space|landscape|fields?\b|filters?|categor(?:y|ies)|leaderboards?|rankings?|race\b"
    r"|movement|projects?\b|labs?\b|releases\b|checkpoints?\b|distilled\b|社区|社區|生态|生態|界"
    r"|阵营|陣營|厂商|廠商)",
    re.I,
)
_HF_TAGS = {
    "mit": "MIT", "apache-2.0": "Apache-2.0", "modified-mit": "Modified-MIT",
    "llama4": "Llama-4-Community", "llama-4": "Llama-4-Community",
    "llama3.1": "Llama-3.1-Community", "gemma": "Gemma",
    "qwen": "Qwen", "qwen-research": "Qwen-Research", "deepseek": "DeepSeek",
    "cc-by-4.0": "CC-BY-4.0", "cc-by-nc-4.0": "CC-BY-NC-4.0", "proprietary": PROPRIETARY,
    "tencent-hunyuan-community": "Tencent-Hunyuan-Community",
}  # fmt: skip


#: Licence names that are also ordinary words or names (MIT the university) need context.
AMBIGUOUS = frozenset({"MIT"})


def licence_context(text: str, start: int, end: int) -> bool:
    """True if ``text[start:end]`` talks about licensing (so "MIT" is not the university)."""
    return _LICENCE_CONTEXT.search(text, start, end) is not None


def licences_in(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """``(start, end, licence)`` for each licence named in ``text[start:end]``, not overlapping."""
    taken: list[tuple[int, int]] = []
    for pattern, spdx in _PROSE:
        for found in pattern.finditer(text, start, end):
            if any(s < found.end() and found.start() < e for s, e in taken):
                continue
            taken.append(found.span())
            if spdx == PROPRIETARY and GENERIC.match(text, found.end(), end):
                continue
            yield found.start(), found.end(), spdx


def open_weights_in(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Spans where ``text[start:end]`` says a model's weights are open."""
    for found in _OPEN.finditer(text, start, end):
        if not GENERIC.match(text, found.end(), end):
            yield found.span()


def normalize_licence(name: str | None) -> str | None:
    """An SPDX-like id for a licence tag or column (``apache-2.0`` → ``Apache-2.0``).

    ``other`` and ``unknown`` carry no information and give None; an unrecognised name is kept
    as written so nothing is lost.
    """
    if name is None or not name.strip():
        return None
    tag = name.strip().removeprefix("license:").strip()
    lowered = tag.lower().replace(" ", "-").replace("_", "-")
    if lowered in ("other", "unknown", "n/a", "none"):
        return None
    if lowered in _HF_TAGS:
        return _HF_TAGS[lowered]
    prose = next((spdx for pattern, spdx in _PROSE if pattern.fullmatch(tag)), None)
    return prose or tag


def is_open(licence: str | None) -> bool | None:
    """Open weights unless the licence is proprietary; None when the licence is unknown."""
    return None if licence is None else licence != PROPRIETARY
