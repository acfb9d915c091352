"""Which model each key of a leaderboard snapshot names (docs/design.md §4 standings).

A board key is resolved like any name (the catalog's names and aliases, a source's registered
keys) but never through a display name a source gave another model (``resolve_key``), so the
order sources are read in changes nothing. Two keys listed in one snapshot are two entries of
the board, so they never share a model: when the catalog folds both into one (``qwen3-235b-a22b``
and its alias ``qwen3-235b-a22b-no-thinking`` on the same board), the key that is the model's
own slug keeps it (else the first key in sorted order) and each other key is its own model.
"""

from __future__ import annotations

from collections.abc import Iterable

from jobs.extract.names import NameResolver, slugify


def board_slugs(keys: Iterable[str], names: NameResolver | None) -> dict[str, str]:
    """Each key's model slug; distinct keys of one snapshot get distinct slugs (a key whose
    own slug is also taken — ``Foo`` beside ``foo`` — is left out)."""
    chosen = {key: (names.resolve_key(key) if names else None) or slugify(key) for key in keys}
    groups: dict[str, list[str]] = {}
    for key, slug in chosen.items():
        groups.setdefault(slug, []).append(key)
    taken = set(groups)
    for slug, group in groups.items():
        if len(group) < 2:
            continue
        keeper = next((key for key in sorted(group) if slugify(key) == slug), min(group))
        for key in sorted(group):
            if key == keeper:
                continue
            own = slugify(key)
            if own in taken:
                del chosen[key]
                continue
            chosen[key] = own
            taken.add(own)
    return chosen
