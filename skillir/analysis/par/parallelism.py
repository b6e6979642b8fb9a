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

from collections.abc import Iterable
from dataclasses import dataclass

DLP_ITEMS = 4
_Adjacency = list[dict[int, None]]  # node → its neighbours, in the order the edges came


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


def _chains(succ: _Adjacency, pred: _Adjacency) -> list[list[int]]:
    heads = [
        n for n in range(len(pred)) if len(pred[n]) != 1 or len(succ[next(iter(pred[n]))]) != 1
    ]
    chains = []
    for head in heads:
        chain = [head]
        while len(succ[chain[-1]]) == 1:
            nxt = next(iter(succ[chain[-1]]))
            if len(pred[nxt]) != 1:
                break
            chain.append(nxt)
        chains.append(chain)
    return chains


def _graph(count: int, edges: Iterable[tuple[int, int]]) -> tuple[_Adjacency, _Adjacency]:
    """Successors and predecessors of each node (duplicate edges count once)."""
    succ: _Adjacency = [{} for _ in range(count)]
    pred: _Adjacency = [{} for _ in range(count)]
    for u, v in edges:
        succ[u][v] = None
        pred[v][u] = None
    return succ, pred


def _topological(succ: _Adjacency, pred: _Adjacency) -> list[int]:
    """The nodes in an order where each comes after its predecessors; ValueError on a cycle."""
    waiting = [len(p) for p in pred]
    ready = [n for n, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in succ[n]:
            waiting[m] -= 1
            if not waiting[m]:
                ready.append(m)
    if len(order) != len(pred):
        raise ValueError("the task graph has a cycle")
    return order


def plan_regions(
    count: int,
    edges: list[tuple[int, int]],
    single: set[int],
    mapped: dict[int, int | None],
    dlp_items: int = DLP_ITEMS,
) -> Regions:
    """Regions of a DAG of `count` tasks; `single`: tasks that are one tool call; `mapped`:
    tasks mapped over items (value: how many, None when unknown)."""
    succ, pred = _graph(count, edges)
    order = _topological(succ, pred)
    chains = _chains(succ, pred)
    owner = {t: i for i, chain in enumerate(chains) for t in chain}
    seg_succ, seg_pred = _graph(
        len(chains),
        ((owner[u], owner[v]) for u in range(count) for v in succ[u] if owner[u] != owner[v]),
    )
    level: dict[int, int] = {}
    for s in _topological(seg_succ, seg_pred):
        level[s] = max((level[p] + 1 for p in seg_pred[s]), default=0)
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
    for t in order:
        finish[t] = 1 + max((finish[p] for p in pred[t]), default=0)
    return Regions(levels, kinds, sum(weight.values()), max(finish.values(), default=0))
