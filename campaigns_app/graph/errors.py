from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class GraphFault:
    """One thing wrong with a definition, pointing at what the user must fix."""

    message: str
    field: str = "graph"
    step: str | None = None
    edge: tuple[str, str] | None = None
    path: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        out: dict = {"message": self.message}
        if self.step is not None:
            out["step"] = self.step
        if self.edge is not None:
            out["edge"] = {"source": self.edge[0], "target": self.edge[1]}
        if self.path:
            out["path"] = list(self.path)
        return out


@dataclass
class GraphError(Exception):
    """Raised with every fault found, so the editor can mark them all at once."""

    faults: list[GraphFault] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f.message for f in self.faults)

    def by_field(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for fault in self.faults:
            out.setdefault(fault.field, []).append(fault.as_dict())
        return out


@dataclass
class FaultCollector:
    """Faults gathered while a definition is read, so all of them are reported at once."""

    faults: list[GraphFault] = field(default_factory=list)

    def add(self, message: str, **where: Any) -> None:
        self.faults.append(GraphFault(message, **where))
