"""Parsed campaign versions, cached per process: versions never change once written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..graph import Dag
from ..graph.workflows import step_result_references
from ..models import CampaignVersion


@dataclass(frozen=True)
class VersionDefinition:
    parameters: list[dict]
    graph: dict
    dag: Dag
    steps: dict[str, dict]
    # Steps whose templates (kwargs, argv, env, parameters, for_each) name an upstream result, or whose
    # function takes ``inputs``.
    reads_results: frozenset[str]


# Safe because a version row is never updated; ids of committed versions are
# never handed out again (only a rolled-back insert's id can be reused).
@lru_cache(maxsize=512)
def version_definition(version_id: int) -> VersionDefinition:
    from ..step_functions import function_registry

    version = CampaignVersion.objects.only("parameters", "graph").get(pk=version_id)
    functions = function_registry()
    reads_results = set()
    for step in version.graph["steps"]:
        wants_inputs = step["kind"] == "function" and step.get("function") in functions and (
            "inputs" in functions[step["function"]].wants)
        if wants_inputs or step_result_references(step):
            reads_results.add(step["id"])
    return VersionDefinition(
        parameters=version.parameters,
        graph=version.graph,
        dag=Dag.from_graph(version.graph),
        steps={s["id"]: s for s in version.graph["steps"]},
        reads_results=frozenset(reads_results),
    )
