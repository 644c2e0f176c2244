"""Campaign definitions as files: JSON, YAML and a runnable AsyncFlow script.

A document holds the definition only (name, description, tags, parameters,
graph, and ``layout.notes`` when the canvas has sticky notes), never ids,
owners or dates, so exporting an imported document gives back the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from django.conf import settings

from ..graph.asyncflow_script import ExportFunction, asyncflow_script, child_key
from ..graph.parameters import json_value_faults
from ..models import Campaign, CampaignVersion, Team, Visibility
from ..step_functions import function_registry
from ..step_functions.builtins import BUILTINS
from .audit import Action
from .campaigns import campaign_create
from .campaigns.layout import campaign_graph, layout_effective
from .errors import ServiceError
from .workflow_refs import graph_with_named_children

DOCUMENT_KIND = "asyncflow-studio/campaign"
DOCUMENT_SCHEMA = 1
FORMATS = ("json", "yaml")


class _PlainYamlLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases, nested at most ``max_depth`` deep.

    An alias repeats a whole subtree by reference: a few hundred bytes of nested aliases expand into
    gigabytes once stored as JSON.  A campaign file never needs them (the studio writes none), so they are
    refused before anything is built, as is nesting that would exhaust the composer's recursion.
    """

    max_depth = 32

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not accepted", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise yaml.composer.ComposerError(
                    None, None, f"nests deeper than {self.max_depth} levels (STUDIO_MAX_JSON_DEPTH)", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _yaml_load(text: str) -> Any:
    loader = _PlainYamlLoader(text)
    loader.max_depth = settings.STUDIO_MAX_JSON_DEPTH
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def campaign_document(campaign: Campaign, version: CampaignVersion | None = None) -> dict:
    """The definition of a campaign (its current version unless one is given) as a plain document."""
    version = version or campaign.current_version
    document = {
        "kind": DOCUMENT_KIND,
        "schema": DOCUMENT_SCHEMA,
        "name": campaign.name,
        "description": campaign.description,
        "tags": list(campaign.tags),
        "parameters": version.parameters,
        # Workflow steps name their campaign as {"id", "name"}: another studio resolves it by name.
        # The steps sit where the campaign's layout puts them (the current version) or where they were saved.
        "graph": graph_with_named_children(campaign_graph(campaign, version)),
    }
    notes = layout_effective(campaign.layout, version.graph)["notes"]
    if notes:
        # Only when there are some, so a file without notes exports as it was imported.
        document["layout"] = {"notes": notes}
    return document


def document_dumps(document: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if fmt == "yaml":
        return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    raise ServiceError({"format": [f"must be one of {', '.join(FORMATS)}"]})


def document_parse(text: Any, fmt: str | None = None) -> dict:
    """A document from JSON or YAML text (YAML is a superset of JSON, so it reads both when no format is given)."""
    if isinstance(text, dict):
        document = text
    else:
        if not isinstance(text, str) or not text.strip():
            raise ServiceError({"document": ["paste or upload a JSON or YAML campaign file"]})
        limit = settings.STUDIO_MAX_DOCUMENT_BYTES
        if len(text.encode()) > limit:
            raise ServiceError({"document": [f"larger than {limit // 1024} KiB (STUDIO_MAX_DOCUMENT_BYTES)"]})
        try:
            document = json.loads(text) if fmt == "json" else _yaml_load(text)
        except RecursionError:
            raise ServiceError(
                {"document": [f"nests deeper than {settings.STUDIO_MAX_JSON_DEPTH} levels (STUDIO_MAX_JSON_DEPTH)"]}
            ) from None
        except (ValueError, yaml.YAMLError) as exc:
            where = getattr(exc, "problem_mark", None)
            at = f" (line {where.line + 1}, column {where.column + 1})" if where is not None else ""
            raise ServiceError(
                {"document": [f"not valid {fmt or 'JSON or YAML'}{at}: {getattr(exc, 'problem', None) or exc}"]}
            ) from None
    if not isinstance(document, dict):
        raise ServiceError({"document": ["must be an object with name, parameters and graph"]})
    faults = json_value_faults(document, where="document", field="document", max_depth=settings.STUDIO_MAX_JSON_DEPTH)
    if faults:
        raise ServiceError({"document": [fault.message for fault in faults]})
    kind = document.get("kind", DOCUMENT_KIND)
    if kind != DOCUMENT_KIND:
        raise ServiceError({"kind": [f"expected {DOCUMENT_KIND!r}, got {kind!r}"]})
    schema = document.get("schema", DOCUMENT_SCHEMA)
    if schema != DOCUMENT_SCHEMA:
        raise ServiceError({"schema": [f"this studio reads schema {DOCUMENT_SCHEMA}, the file has {schema!r}"]})
    unknown = sorted(set(document) - {"kind", "schema", "name", "description", "tags", "parameters", "graph", "layout"})
    if unknown:
        raise ServiceError({"document": [f"unknown field(s): {', '.join(unknown)}"]})
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ServiceError({"name": ["the document needs a name"]})
    if len(name) > 200:
        raise ServiceError({"name": ["at most 200 characters"]})
    description = document.get("description") or ""
    if not isinstance(description, str):
        raise ServiceError({"description": ["must be text"]})
    if "graph" not in document:
        raise ServiceError({"graph": ["the document has no graph"]})
    return document


def campaign_import(
    *, user, document: dict, team: Team | None = None, visibility: str = Visibility.PRIVATE, name: str | None = None
) -> Campaign:
    """Create a campaign from a parsed document, checked like any other new campaign."""
    return campaign_create(
        owner=user,
        name=(name or document["name"]).strip(),
        description=document.get("description") or "",
        parameters=document.get("parameters") or [],
        graph=document["graph"],
        layout=document.get("layout"),
        tags=document.get("tags") or [],
        team=team,
        visibility=visibility,
        note="imported",
        audit_action=Action.CAMPAIGN_IMPORT,
    )


def export_functions() -> dict[str, ExportFunction]:
    """How the script reaches each registered step function."""
    out = {}
    for name, registered in function_registry().items():
        func = registered.func
        builtin = BUILTINS.get(name) is func
        # The script carries async copies of the built-ins, which need nothing injected.
        out[name] = ExportFunction(
            name=name,
            module=getattr(func, "__module__", ""),
            qualname=getattr(func, "__qualname__", name),
            builtin=builtin,
            wants_context=not builtin and "context" in registered.wants,
            wants_inputs=not builtin and "inputs" in registered.wants,
        )
    return out


def _children_definitions(graph: dict) -> dict[str, dict]:
    """Every campaign version the graph's workflow steps run, at any depth, by the script's key."""
    found: dict[str, dict] = {}
    todo = [s for s in graph.get("steps", []) if s.get("kind") == "workflow"]
    while todo:
        step = todo.pop()
        key = child_key(step)
        if key in found:
            continue
        version = (
            CampaignVersion.objects.select_related("campaign")
            .filter(campaign_id=step["campaign"], number=step["version"])
            .first()
        )
        if version is None:
            raise ServiceError(
                {
                    "graph": [
                        f"step {step['id']!r}: campaign {step['campaign']} version {step['version']} no longer exists"
                    ]
                }
            )
        found[key] = {"name": version.campaign.name, "parameters": version.parameters, "graph": version.graph}
        todo.extend(s for s in version.graph.get("steps", []) if s.get("kind") == "workflow")
    return found


def campaign_script(campaign: Campaign, version: CampaignVersion | None = None) -> str:
    """A runnable radical.asyncflow script of the campaign, its workflow steps' campaigns included."""
    version = version or campaign.current_version
    return asyncflow_script(
        campaign_document(campaign, version), export_functions(), _children_definitions(version.graph)
    )
