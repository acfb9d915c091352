"""The catalog fold: labs and models with current facts, each traceable to its event."""

from __future__ import annotations

from service.projections import catalog
from service.projections.catalog_view import fact, lab_view, model_view, provenance
from service.projections.digest import digest, fold_all
from tests.unit.eventbuilders import Log, cast


def fold(log: Log) -> catalog.Catalog:
    return fold_all(log.events)["catalog"]


def test_model_view_has_the_design_shape_with_city_from_its_lab() -> None:
    """A registered, released, specified model reads back in the docs/design.md model shape."""
    log = cast(Log())
    log.spec("glm-4.5", "2025-07-28", params_total=355_000_000_000, params_active=32_000_000_000)
    log.spec("glm-4.5", "2025-07-29", architecture="MoE", context_length=131072)
    view = model_view(fold(log), "glm-4.5")
    assert view is not None
    assert {key: view[key] for key in ("slug", "name", "lab", "city", "country")} == {
        "slug": "glm-4.5",
        "name": "GLM-4.5",
        "lab": "zhipu",
        "city": "Beijing",
        "country": "CN",
    }
    assert (view["params_total"], view["params_active"]) == (355_000_000_000, 32_000_000_000)
    assert (view["architecture"], view["context_length"]) == ("MoE", 131072)
    assert (view["license"], view["open_weights"]) == ("MIT", True)
    assert view["released_at"] == "2025-07-28T00:00:00.000000+00:00"


def test_higher_confidence_wins_over_a_later_report() -> None:
    """A confident early report beats a later, less confident one."""
    log = Log()
    log.spec("kimi-k2", "2025-07-11", params_total=1_000_000_000_000, confidence=0.95)
    log.spec("kimi-k2", "2025-07-20", params_total=1_043_000_000_000, confidence=0.6)
    assert fact(fold(log).models["kimi-k2"], "params_total") == 1_000_000_000_000


def test_equal_confidence_later_occurred_at_wins_even_if_appended_earlier() -> None:
    """With equal confidence the report about the later moment wins, not the later append."""
    log = Log()
    log.downloads("kimi-k2", 90_000, "2025-08-01", likes=2000)
    log.downloads("kimi-k2", 40_000, "2025-07-20", likes=900)  # backfilled, older
    fields = fold(log).models["kimi-k2"]
    assert (fact(fields, "downloads"), fact(fields, "likes")) == (90_000, 2000)


def test_same_time_and_confidence_later_position_wins() -> None:
    """Two reports of one moment at equal confidence: the later append wins."""
    log = Log()
    log.spec("step-3", "2025-07-31", params_total=321_000_000_000, confidence=0.8)
    log.spec("step-3", "2025-07-31", params_total=316_000_000_000, confidence=0.8)
    assert fact(fold(log).models["step-3"], "params_total") == 316_000_000_000


def test_every_fact_traces_to_the_position_that_set_it() -> None:
    """Provenance maps each field to the position of its winning event."""
    log = Log()
    registered = log.model("glm-4.5", "GLM-4.5", "zhipu", "2025-05-01")
    spec = log.spec("glm-4.5", "2025-07-28", params_total=355_000_000_000)
    traced = provenance(fold(log), "model", "glm-4.5")
    assert traced == {
        "lab": registered.position,
        "name": registered.position,
        "params_total": spec.position,
    }


def test_license_change_to_proprietary_closes_the_weights() -> None:
    """``Proprietary`` (any case) means closed weights."""
    log = cast(Log())
    log.license_changed("glm-4.5", "PROPRIETARY", "2025-09-01", previous="MIT")
    fields = fold(log).models["glm-4.5"]
    assert (fact(fields, "license"), fact(fields, "open_weights")) == ("PROPRIETARY", False)


def test_score_row_hints_only_fill_gaps() -> None:
    """A leaderboard row's license counts only when the model's own facts lack one."""
    log = cast(Log())
    log.score("lmarena-text", "glm-4.5", 1438, "2025-08-15", license="Proprietary")
    log.score("lmarena-text", "hunyuan-a13b", 1300, "2025-08-15", license="Tencent", name="HY")
    state = fold(log)
    assert fact(state.models["glm-4.5"], "open_weights") is True
    assert fact(state.models["hunyuan-a13b"], "open_weights") is True
    assert fact(state.models["hunyuan-a13b"], "name") == "HY"


def test_a_hint_fills_each_gap_on_its_own_and_changes_nothing_the_model_said() -> None:
    """A row hinting at three facts of a model whose own reports give two of them sets the
    third; a row hinting only at facts the model reported itself changes nothing at all."""
    log = Log()
    log.model("m-1", "M One", "lab-x", "2025-08-01")
    log.license_changed("m-1", "Apache-2.0", "2025-08-02")  # its own license and open weights
    log.model("m-2", "M Two", "lab-x", "2025-08-01")
    log.released("m-2", "2025-08-01", "2025-08-01", open_weights=True)  # no license named
    state = fold(log)
    touched = state.changes.count
    log.score("aa-index", "m-1", 60, "2025-08-15", license="Proprietary", name="Hinted")
    catalog.apply(state, log.events[-1])
    assert (fact(state.models["m-1"], "license"), fact(state.models["m-1"], "name")) == (
        "Apache-2.0",
        "M One",
    )
    assert fact(state.models["m-1"], "open_weights") is True
    assert state.changes.count == touched  # nothing to dump again at the next snapshot
    log.score("aa-index", "m-2", 61, "2025-08-15", license="MIT", name="Hinted")
    catalog.apply(state, log.events[-1])
    assert fact(state.models["m-2"], "name") == "M Two"  # registered: above a hint
    assert fact(state.models["m-2"], "license") == "MIT"  # a gap: the hint fills it
    assert fact(state.models["m-2"], "open_weights") is True
    log.model("m-3", "M Three", "lab-x", "2025-08-01")  # a name, no weights status
    log.score("aa-index", "m-3", 62, "2025-08-15", open_weights=True, name="Hinted")
    log.license_changed("m-4", "MIT", "2025-08-02")  # a license, never registered: no name
    log.score("aa-index", "m-4", 63, "2025-08-15", license="Apache-2.0", name="Hinted")
    fold_all(log.events[-4:], {"catalog": state})
    assert (fact(state.models["m-3"], "open_weights"), fact(state.models["m-3"], "name")) == (
        True,
        "M Three",
    )
    assert (fact(state.models["m-4"], "license"), fact(state.models["m-4"], "name")) == (
        "MIT",
        "Hinted",
    )
    assert state.changes.since(touched) == ["m-4", "m-3", "m-2"]


def test_lab_update_moves_its_models() -> None:
    """A lab's new city is every one of its models' city."""
    log = cast(Log())
    log.lab_updated("google", "2025-06-01", city="Mountain View", country="US")
    state = fold(log)
    assert lab_view(state, "google") == {
        "slug": "google",
        "name": "Google DeepMind",
        "aliases": [],
        "city": "Mountain View",
        "country": "US",
    }
    assert model_view(state, "gemini-2.5-pro")["city"] == "Mountain View"  # type: ignore[index]


def test_unknown_events_and_unknown_slugs_are_ignored() -> None:
    """Events other folds use change nothing here; unknown slugs read as None."""
    log = cast(Log())
    before = digest("catalog", fold(log))
    log.mention("kimi-k2", "2025-07-12")
    log.method_changed("lmarena-text", "v2", "2025-07-23")
    assert digest("catalog", fold(log)) == before
    assert model_view(fold(log), "nope") is None
    assert lab_view(fold(log), "nope") is None


def test_copy_and_dump_load() -> None:
    """A copy is unaffected by folding on; a dump loads back to the same digest."""
    log = cast(Log())
    state = fold(log)
    kept = catalog.copy(state)
    catalog.apply(state, log.license_changed("glm-4.5", "Proprietary", "2025-09-01"))
    assert fact(kept.models["glm-4.5"], "open_weights") is True
    assert digest("catalog", catalog.load(catalog.dump(state))) == digest("catalog", state)
