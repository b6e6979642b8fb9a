"""Parallel regions of a task DAG, its work and its critical path.

Chains (a task whose only successor has it as only predecessor) are contracted into segments;
segments at the same ASAP level of the segment DAG have no path between them, so each level with
two or more segments forms a region: `ilp` when every segment is one single-call task, `tlp`
otherwise (one branch per segment). A task mapped over items (`over`) is a `dlp` region of its
own wherever it sits. Work counts a mapped task once per item (`dlp_items` when the skill does
not say how many); the critical path counts it once, as its items run at once.

    >>> plan_regions(3, [(0, 2), (1, 2)], single={0, 1}, mapped={}).levels
    [[[0], [1]], [[2]]]
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

DLP_ITEMS = 4


@dataclass(frozen=True)
class Regions:
    """Segments (chains of task indices) grouped by level; `kinds[level]` is `ilp`, `tlp` or
    None (a lone segment); work and critical path in task units."""

    levels: list[list[list[int]]]
    kinds: list[str | None]
    work: int
    critical: int

    @property
    def speedup(self) -> float:
        return self.work / self.critical if self.critical else 1.0


def _chains(graph: nx.DiGraph) -> list[list[int]]:
    heads = [
        n
        for n in graph.nodes
        if graph.in_degree(n) != 1 or graph.out_degree(next(iter(graph.predecessors(n)))) != 1
    ]
    chains = []
    for head in heads:
        chain = [head]
        while graph.out_degree(chain[-1]) == 1:
            nxt = next(iter(graph.successors(chain[-1])))
            if graph.in_degree(nxt) != 1:
                break
            chain.append(nxt)
        chains.append(chain)
    return chains


def plan_regions(
    count: int,
    edges: list[tuple[int, int]],
    single: set[int],
    mapped: dict[int, int | None],
    dlp_items: int = DLP_ITEMS,
) -> Regions:
    """Regions of a DAG of `count` tasks; `single`: tasks that are one tool call; `mapped`:
    tasks mapped over items (value: how many, None when unknown)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(edges)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError("the task graph has a cycle")
    chains = _chains(graph)
    owner = {t: i for i, chain in enumerate(chains) for t in chain}
    seg = nx.DiGraph()
    seg.add_nodes_from(range(len(chains)))
    seg.add_edges_from((owner[u], owner[v]) for u, v in graph.edges if owner[u] != owner[v])
    level: dict[int, int] = {}
    for s in nx.topological_sort(seg):
        level[s] = max((level[p] + 1 for p in seg.predecessors(s)), default=0)
    depth = max(level.values(), default=-1) + 1
    levels: list[list[list[int]]] = [[] for _ in range(depth)]
    for s in sorted(level, key=lambda s: chains[s][0]):
        levels[level[s]].append(chains[s])
    kinds: list[str | None] = []
    for group in levels:
        if len(group) < 2:
            kinds.append(None)
        elif all(len(c) == 1 and c[0] in single and c[0] not in mapped for c in group):
            kinds.append("ilp")
        else:
            kinds.append("tlp")
    weight = {t: (mapped[t] or dlp_items) if t in mapped else 1 for t in range(count)}
    finish: dict[int, int] = {}
    for t in nx.topological_sort(graph):
        finish[t] = 1 + max((finish[p] for p in graph.predecessors(t)), default=0)
    return Regions(levels, kinds, sum(weight.values()), max(finish.values(), default=0))
