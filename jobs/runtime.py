"""Wiring of the ingestion side: the poller with its fetcher and parser, from settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from jobs.catalogsync import sync_catalog, sync_crown_rule
from jobs.fetch.fetcher import Fetcher, FetchSettings
from jobs.fetch.sandbox import ParseSandbox
from jobs.interpret import FactInterpreter
from jobs.poll import Poller
from jobs.schedule.derived import DerivedFetches
from jobs.schedule.sourcefile import SourceConfig
from jobs.schedule.sourceload import load_sources
from service.bootstrap import Services
from service.bundled import config_dir
from service.settings import Settings

#: Derived fetches are small documents (an API entry, a README): a tighter cap, and no retries
#: within the fetch (a failure is retried later by the target's own backoff).
DERIVED_FETCH = FetchSettings(max_bytes=2 * 2**20, retries=0, total_deadline=30.0)


@dataclass
class Ingestion:
    """A poller, the derived fetches, and what they own (closed together)."""

    poller: Poller
    fetcher: Fetcher
    sandbox: ParseSandbox
    derived: DerivedFetches
    derived_fetcher: Fetcher

    def close(self) -> None:
        self.fetcher.close()
        self.derived_fetcher.close()
        self.sandbox.close()


def build_ingestion(services: Services, workers: int = 2, demo: bool = False) -> Ingestion:
    """A poller over ``services``' store with a real fetcher, a sandboxed parser and extraction.

    The catalog file and the crown rule are synced into the log first, so every later decision
    can rely on them. With ``demo``, derived Hugging Face fetches read the bundled fixture
    folder ``config/demo/hf`` instead of ``[hf] base_url``: the demo never leaves the machine.
    """
    catalog, _appended = sync_catalog(services)
    sync_crown_rule(services)
    fetcher = Fetcher(FetchSettings(allow_private=services.settings.fetch.allow_private))
    sandbox = ParseSandbox(workers=workers)
    interpreter = FactInterpreter(
        catalog, services.reads, services.settings.ingest.downloads_threshold
    )
    poller = Poller(
        services.store, fetcher, sandbox, interpreters=[interpreter], clock=services.clock
    )
    hf = services.settings.hf
    if demo:
        demo_hf = (sources_path(services, demo=True).parent / "hf").resolve()
        hf = hf.model_copy(update={"base_url": demo_hf.as_uri()})
    derived_fetcher = Fetcher(
        replace(DERIVED_FETCH, allow_private=services.settings.fetch.allow_private)
    )
    derived_poller = Poller(
        services.store, derived_fetcher, sandbox, interpreters=[interpreter], clock=services.clock
    )
    derived = DerivedFetches(derived_poller, lambda: services.reads.view().states["catalog"], hf)
    return Ingestion(poller, fetcher, sandbox, derived, derived_fetcher)


def sources_path(services: Services, demo: bool = False) -> Path:
    """The sources file of ``services``' settings (``sources_file``)."""
    return sources_file(services.settings, demo)


def sources_file(settings: Settings, demo: bool = False) -> Path:
    """The sources file: the settings' one; with ``demo`` the demo beside it, else the one
    crownlog ships with (an installed crownlog has no config folder of its own)."""
    if not demo:
        return settings.sources
    beside = settings.sources.parent / "demo" / "sources.toml"
    return beside if beside.is_file() else config_dir() / "demo" / "sources.toml"


def enabled_sources(path: Path) -> list[SourceConfig]:
    """The enabled sources of ``path``."""
    return [source for source in load_sources(path) if source.enabled]


def archive_files(source: SourceConfig) -> list[Path]:
    """The archived snapshots named by a source's ``archive`` glob, in name order."""
    if not source.archive:
        return []
    pattern = Path(source.archive)
    return sorted(pattern.parent.glob(pattern.name))


def backfill_archives(ingestion: Ingestion, services: Services, sources: list[SourceConfig]) -> int:
    """Backfill every source's archive (appends nothing for snapshots already in the log)."""
    from jobs.backfill import backfill

    appended = 0
    for source in sources:
        files = archive_files(source)
        if files:
            report = backfill(ingestion.poller, source, files, ingestion.sandbox, services.clock())
            appended += report.appended
    return appended
