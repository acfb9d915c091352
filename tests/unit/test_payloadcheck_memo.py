"""Payload verdicts remembered by signature (type, schema, field names, value types) never
let a later payload of the same names but other kinds through."""

from __future__ import annotations

from service.payloadcheck import payload_problem


def test_a_sound_signature_does_not_pass_a_value_of_another_kind() -> None:
    sound = {"slug": "glm-4.5", "name": "GLM-4.5", "lab": "zhipu"}
    for _ in range(2):  # the second time from the memo
        assert payload_problem("ModelRegistered", 1, sound) is None
    assert payload_problem("ModelRegistered", 1, {**sound, "lab": 7}) == (
        "ModelRegistered field lab is 7, not null or text"
    )
    assert payload_problem("ModelRegistered", 1, {**sound, "lab": None}) is None


def test_lists_are_judged_by_their_items_every_time() -> None:
    """A list of texts is sound; a list with a number in it, of the same signature, is not."""
    texts = {"slug": "glm-4.5", "name": "GLM-4.5", "aliases": ["glm"]}
    for _ in range(2):
        assert payload_problem("ModelRegistered", 1, texts) is None
    problem = payload_problem("ModelRegistered", 1, {**texts, "aliases": ["glm", 4]})
    assert problem is not None and problem.startswith("ModelRegistered field aliases is")


def test_names_in_another_order_or_an_unknown_type_are_judged_afresh() -> None:
    sound = {"slug": "glm-4.5", "name": "GLM-4.5"}
    assert payload_problem("ModelRegistered", 1, sound) is None
    assert payload_problem("ModelRegistered", 1, dict(reversed(sound.items()))) is None
    assert payload_problem("NoSuchType", 1, sound) == "unknown event type 'NoSuchType'"
    assert payload_problem("ModelRegistered", 1, {"slug": "x"}) == (
        "ModelRegistered payload lacks name"
    )
