"""Parsed campaign versions, cached per process: versions never change once written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..graph import Dag
from ..graph.templating import placeholders_in
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
    # Function steps with a placeholder in their kwargs: their rendered values are checked against the schema.
    templated_kwargs: frozenset[str] = frozenset()


# Safe because a version row is never updated; ids of committed versions are
# never handed out again (only a rolled-back insert's id can be reused).
@lru_cache(maxsize=512)
def version_definition(version_id: int) -> VersionDefinition:
    from ..step_functions import function_registry

    version = CampaignVersion.objects.only("parameters", "graph").get(pk=version_id)
    functions = function_registry()
    reads_results = set()
    templated_kwargs = set()
    for step in version.graph["steps"]:
        if step["kind"] == "function" and placeholders_in(step.get("kwargs")):
            templated_kwargs.add(step["id"])
        wants_inputs = (
            step["kind"] == "function"
            and step.get("function") in functions
            and ("inputs" in functions[step["function"]].wants)
        )
        if wants_inputs or step_result_references(step):
            reads_results.add(step["id"])
    return VersionDefinition(
        parameters=version.parameters,
        graph=version.graph,
        dag=Dag.from_graph(version.graph),
        steps={s["id"]: s for s in version.graph["steps"]},
        reads_results=frozenset(reads_results),
        templated_kwargs=frozenset(templated_kwargs),
    )
