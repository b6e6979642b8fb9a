"""Every use of xDSL's private API in skillir, in one module.

Three hot paths do less than xDSL's public API does for them, by reading or writing the fields
behind it: walking nested ops (`walk_ops`, for `Operation.walk`), building a region op with no
operands or results (`new_field_op`, for `Operation.create`) and making a text or span
attribute (`verify_only`, for `Attribute.__post_init__`). They read and write private fields of
xdsl 0.74 (`Region._first_block`, `Block._first_op`, `Operation._next_op`, `_operands` ...) as
its own `Operation.__init__`, `Block.__init__` and `Region.add_block` do; the pin
`xdsl>=0.74,<0.75` keeps those fields, and `tests/test_dialect_private.py` compares each
function with the public API it replaces, for every op of the five dialects. Nothing else in
the tree touches a private name of xDSL.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TypeVar

from xdsl.dialects.builtin import UNKNOWN_LOC
from xdsl.ir import Attribute, Block, Operation, Region, SSAValues
from xdsl.irdl import AttributeDef, IRDLOperation, OptionalDef, PropertyDef

OpT = TypeVar("OpT", bound=IRDLOperation)


def walk_ops(node: Operation | Region) -> list[Operation]:
    """What `node.walk()` yields (an op itself, then every op nested in it, in order), as a
    list; it follows xDSL's linked lists of blocks and ops directly, a few times faster, and
    with a stack instead of recursion, so any nesting depth walks."""
    out: list[Operation] = []
    pending: list[Operation] = []  # where to go on: the first op still to walk of each level
    if isinstance(node, Region):
        _push_blocks((node,), pending)
    else:
        out.append(node)
        _push_blocks(node.regions, pending)
    while pending:
        child: Operation | None = pending.pop()
        while child is not None:
            out.append(child)
            for region in child.regions:
                first = region._first_block
                if first is not None and (
                    first._first_op is not None or first._next_block is not None
                ):
                    break
            else:  # nothing nested: on to the next sibling
                child = child._next_op
                continue
            if child._next_op is not None:
                pending.append(child._next_op)
            if len(child.regions) == 1 and first._next_block is None:
                child = first._first_op  # the common case, one block: walk it now
            else:
                _push_blocks(child.regions, pending)
                break
    return out


def _push_blocks(regions: tuple[Region, ...], pending: list[Operation]) -> None:
    """Push the first op of every block of `regions`, the first block's last (popped first)."""
    firsts = []
    for region in regions:
        block = region._first_block
        while block is not None:
            if block._first_op is not None:
                firsts.append(block._first_op)
            block = block._next_block
    pending.extend(reversed(firsts))


def verify_only(self: Attribute) -> None:
    """`Attribute.__post_init__` less its check that the class is a `Data` or a
    `ParametrizedAttribute` (a subclass of `Data` always is): making the attribute takes half
    the time, and the frontend makes a few per block. Set as a `Data` subclass's
    `__post_init__`."""
    self.verify()


_NO_VALUES: SSAValues = SSAValues()


@cache
def _defaults(cls: type[IRDLOperation]) -> tuple[dict[str, Attribute], dict[str, Attribute]]:
    """The properties and attributes IRDL's `__post_init__` fills in when absent."""
    op_def = cls.get_irdl_definition()

    def filled(fields: Mapping[str, PropertyDef | AttributeDef]) -> dict[str, Attribute]:
        return {
            name: field.default_value
            for name, field in fields.items()
            if not isinstance(field, OptionalDef) and field.default_value is not None
        }

    return filled(op_def.properties), filled(op_def.attributes)


def new_field_op(cls: type[OpT], properties: dict[str, Attribute]) -> OpT:
    """What `cls.create(properties=properties, regions=[Region(Block())])` returns, for an op
    with no operands, results or successors and one region, built in a fifth of the time (the
    parser builds some 80 ops per skill); it keeps `properties` as the op's dict.

    `Operation.__init__` is generic: it builds use lists for zero operands and successors, SSA
    results for zero result types, attaches the region and block through checks that a fresh
    region and block always pass, and IRDL's `__post_init__` looks the definition up to fill in
    defaults. This sets the nine fields those steps leave behind directly (defaults from a
    per-class table).
    """
    block = Block.__new__(Block)
    block._args = ()
    block._first_op = block._last_op = None
    region = Region.__new__(Region)
    region._first_block = region._last_block = block
    block.parent = region
    op = cls.__new__(cls)
    op._operands = _NO_VALUES
    op._operand_uses = ()
    op.results = _NO_VALUES
    default_props, default_attrs = _defaults(cls)
    for name, value in default_props.items():
        properties.setdefault(name, value)
    op.properties = properties
    op.attributes = dict(default_attrs)
    op.location = UNKNOWN_LOC
    op._successors = ()
    op._successor_uses = ()
    op.regions = (region,)
    region.parent = op
    return op
