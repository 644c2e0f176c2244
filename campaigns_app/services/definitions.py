"""Parsed campaign versions, cached per process: versions never change once written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..graph import Dag
from ..models import CampaignVersion


@dataclass(frozen=True)
class VersionDefinition:
    parameters: list[dict]
    graph: dict
    dag: Dag
    steps: dict[str, dict]


# Safe because a version row is never updated; ids of committed versions are
# never handed out again (only a rolled-back insert's id can be reused).
@lru_cache(maxsize=512)
def version_definition(version_id: int) -> VersionDefinition:
    version = CampaignVersion.objects.only("parameters", "graph").get(pk=version_id)
    return VersionDefinition(
        parameters=version.parameters,
        graph=version.graph,
        dag=Dag.from_graph(version.graph),
        steps={s["id"]: s for s in version.graph["steps"]},
    )
