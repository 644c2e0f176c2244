"""Parsed campaign versions, cached per process: versions never change once written."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..graph import Dag
from ..graph.templating import placeholders_in
from ..graph.workflows import step_result_references
from ..models import CampaignVersion, Run


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
    version = CampaignVersion.objects.only("parameters", "graph").get(pk=version_id)
    return _definition(version.parameters, version.graph)


# A test run's graph is written once, at its creation, like a version's.
@lru_cache(maxsize=128)
def _test_run_definition(run_id: int) -> VersionDefinition:
    run = Run.objects.only("version__parameters", "test_graph").select_related("version").get(pk=run_id)
    return _definition(run.version.parameters, run.test_graph or {"steps": [], "edges": []})


# Where a test run keeps its sample upstream results, beside the one step it runs (``Run.test_graph``).
TEST_INPUTS_KEY = "upstream"


def run_definition(run: Run) -> VersionDefinition:
    """What the run executes: its version, or for a test run the one step it was given."""
    if run.test_graph is not None:
        return _test_run_definition(run.pk)
    return version_definition(run.version_id)


def graph_definition(parameters: list[dict], graph: dict) -> VersionDefinition:
    return _definition(parameters, graph)


def _definition(parameters: list[dict], graph: dict) -> VersionDefinition:
    from ..step_functions import function_registry

    functions = function_registry()
    reads_results = set()
    templated_kwargs = set()
    for step in graph["steps"]:
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
        parameters=parameters,
        graph=graph,
        dag=Dag.from_graph(graph),
        steps={s["id"]: s for s in graph["steps"]},
        reads_results=frozenset(reads_results),
        templated_kwargs=frozenset(templated_kwargs),
    )
