from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping


def find_cycle(nodes: Iterable[str], successors: Mapping[str, Iterable[str]]) -> list[str] | None:
    """Return one cycle as a closed path ``[a, b, ..., a]``, or None when acyclic.

    Iterative DFS so a 10 000-step chain cannot hit Python's recursion limit.
    """
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {n: WHITE for n in nodes}
    for root in colour:
        if colour[root] != WHITE:
            continue
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(successors.get(root, ())))]
        path = [root]
        colour[root] = GREY
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                if colour.get(child, BLACK) == GREY:
                    return path[path.index(child) :] + [child]
                if colour.get(child) == WHITE:
                    colour[child] = GREY
                    path.append(child)
                    stack.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
            if not advanced:
                colour[node] = BLACK
                path.pop()
                stack.pop()
    return None


class Dag:
    """An acyclic step graph: ids in declaration order plus edges."""

    def __init__(self, step_ids: Iterable[str], edges: Iterable[tuple[str, str]]):
        self.step_ids: list[str] = list(step_ids)
        self.predecessors: dict[str, list[str]] = {s: [] for s in self.step_ids}
        self.successors: dict[str, list[str]] = {s: [] for s in self.step_ids}
        # A set, not ``in list``: a join of 100 000 steps would be quadratic.
        seen: set[tuple[str, str]] = set()
        for source, target in edges:
            if (source, target) not in seen:
                seen.add((source, target))
                self.predecessors[target].append(source)
                self.successors[source].append(target)
        self._order_index: dict[str, int] | None = None

    @classmethod
    def from_graph(cls, graph: Mapping) -> Dag:
        """The step-level DAG of a (validated) graph; edges that name blocks are expanded."""
        from .blocks import expand_edges

        edges, _ = expand_edges(graph)
        return cls((s["id"] for s in graph.get("steps", [])), edges)

    def topological_order(self) -> list[str]:
        """Kahn's algorithm, stable with respect to declaration order."""
        indegree = {s: len(p) for s, p in self.predecessors.items()}
        queue = deque(s for s in self.step_ids if indegree[s] == 0)
        order: list[str] = []
        while queue:
            node = queue.popleft()
            order.append(node)
            for child in self.successors[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    queue.append(child)
        if len(order) != len(self.step_ids):
            raise ValueError("graph has a cycle")
        return order

    def roots(self) -> list[str]:
        return [s for s in self.step_ids if not self.predecessors[s]]

    def ancestors(self, step_id: str) -> set[str]:
        return self._reach(step_id, self.predecessors)

    def is_ancestor(self, ancestor: str, step_id: str) -> bool:
        """Whether ``ancestor`` is upstream of ``step_id``, without collecting every ancestor.

        The backward search skips steps that come before ``ancestor`` in topological order (none of them can
        lead back to it), so checking each step of a chain against its predecessor costs O(1), not O(n).
        """
        if ancestor not in self.predecessors or step_id not in self.predecessors:
            return False
        if self._order_index is None:
            self._order_index = {s: i for i, s in enumerate(self.topological_order())}
        index = self._order_index
        floor = index[ancestor]
        if floor >= index[step_id]:
            return False
        seen: set[str] = set()
        stack = [step_id]
        while stack:
            for parent in self.predecessors[stack.pop()]:
                if parent == ancestor:
                    return True
                if parent not in seen and index[parent] > floor:
                    seen.add(parent)
                    stack.append(parent)
        return False

    def descendants(self, step_id: str) -> set[str]:
        return self._reach(step_id, self.successors)

    def ready(self, states: Mapping[str, str], *, done: str = "succeeded", waiting: str = "pending") -> list[str]:
        """Steps still ``waiting`` whose predecessors are all ``done``."""
        return [
            s
            for s in self.step_ids
            if states.get(s) == waiting and all(states.get(p) == done for p in self.predecessors[s])
        ]

    def depths(self) -> dict[str, int]:
        depth: dict[str, int] = {}
        for node in self.topological_order():
            depth[node] = max((depth[p] + 1 for p in self.predecessors[node]), default=0)
        return depth

    @staticmethod
    def _reach(start: str, adjacency: Mapping[str, list[str]]) -> set[str]:
        seen: set[str] = set()
        stack = list(adjacency[start])
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(adjacency[node])
        return seen
