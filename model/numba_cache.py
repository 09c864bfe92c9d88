"""What it takes for numba's cache to hold the model's compiled log density across processes.

PyTensor's numba backend caches a compiled function under a key built from its graph: every
op's key and, for every node, where its inputs come from. A function with one op that has no
key, or whose graph comes out in another order in another process, is compiled again from
scratch: for this model's log density and gradient, ~20-25 s of every warm `oomcast run`
(issue 15; measured with NUMBA_DEBUG_CACHE=1, which showed a new key saved by each run). Two
causes, both fixed here before anything is compiled with the NUMBA backend (`prepare`,
called by model/inference.py):

1. `Erfcx` (PyMC's `normal_lcdf` lower tail: the "no AGI yet" likelihood and the capability
   block) runs scipy's cython erfcx through a function pointer, which numba cannot cache. A
   numba implementation with a key replaces it:
       erfcx(x) = exp(x^2) erfc(x)                     for x < 12 (libm's erfc; exp(x^2)
                                                        overflows to +inf below x ~ -26.6,
                                                        the function's own limit),
       erfcx(x) = 1 / (x sqrt(pi)) sum_{n=0}^{9} (-1)^n (2n - 1)!! / (2 x^2)^n   for x >= 12
   (the n = 10 term is below 3e-16 of the sum at x = 12); relative error below 1e-13
   against scipy.special.erfcx (tests/test_backend.py).
2. PyTensor's rewrites leave the two inputs of some `Eq` nodes (shape checks of the
   gradient graph) and the conditions of some `Assert` nodes in an order that follows object
   identities, so it differs between processes. A last rewrite (`CanonicalInputOrder`,
   registered for the numba backend only, after every other rewrite) sorts them by a
   structural key of their subgraphs, and lets an Assert(a, a == b) pass the side of the
   equality with the smaller key. Each change is an identity (a == b is b == a; an Assert
   holds when all its conditions hold; where a == b holds, a is b), so the function is
   unchanged.
"""

from __future__ import annotations

import hashlib
import math

#: Bump when an implementation here changes (it is part of numba's cache keys).
IMPLEMENTATION_VERSION = 2
#: Where erfcx's asymptotic series takes over from exp(x^2) erfc(x).
ERFCX_ASYMPTOTIC_FROM = 12.0
ERFCX_SERIES_TERMS = 10
#: log of the largest double: exp(x^2) overflows beyond it.
ERFCX_EXP_OVERFLOW = 709.78
#: Position of CanonicalInputOrder in PyTensor's rewrite database: after merge3 (100) and
#: every backend-specific rewrite.
CANONICAL_ORDER_POSITION = 120

_prepared = False


def erfcx_value(x: float) -> float:
    """erfcx(x) by the two branches of the module docstring (plain Python: numba compiles this
    same function, and the test compares it with scipy)."""
    if x < 0.0 and x * x > ERFCX_EXP_OVERFLOW:
        return math.inf  # exp(x^2) erfc(x) > 2 exp(709.78): beyond the largest double
    if x < ERFCX_ASYMPTOTIC_FROM:
        return math.exp(x * x) * math.erfc(x)
    inv = 1.0 / (2.0 * x * x)
    term, total = 1.0, 1.0
    for n in range(1, ERFCX_SERIES_TERMS):
        term *= -(2 * n - 1) * inv
        total += term
    return total / (x * math.sqrt(math.pi))


def structural_keys(fgraph) -> dict:
    """A key per variable of `fgraph` that depends only on the graph's structure: an input's
    position, a constant's bytes, or an op's text with its inputs' keys and the output's
    index; the same in every process (object identities never enter it). The inputs that
    `canonical_input_order` may permute enter in sorted order (and an Assert's value as the
    canonical side of its equality), so a key does not depend on the order it repairs."""
    import numpy as np

    from pytensor.graph.basic import Constant

    keys = {v: f"input{i}" for i, v in enumerate(fgraph.inputs)}

    def key_of(var):
        if var not in keys:
            if isinstance(var, Constant):
                data = np.asarray(var.data)
                keys[var] = "const:" + hashlib.sha256(
                    data.dtype.str.encode() + repr(data.shape).encode() + data.tobytes()
                ).hexdigest()
            else:  # reached only through the toposort below
                raise KeyError(var)
        return keys[var]

    for node in fgraph.toposort():
        input_keys = [key_of(v) for v in node.inputs]
        positions = _symmetric_inputs(node)
        for i, k in zip(positions, sorted(input_keys[i] for i in positions), strict=True):
            input_keys[i] = k
        alternative = _equal_alternative(node, keys)
        if alternative is not None:
            input_keys[0] = keys[alternative]
        inputs = ",".join(input_keys)
        base = hashlib.sha256(f"{type(node.op).__name__}|{node.op}|{inputs}".encode()).hexdigest()
        for j, out in enumerate(node.outputs):
            keys[out] = f"{base}:{j}"
    return keys


def _symmetric_inputs(node) -> tuple[int, ...]:
    """Positions of `node`'s inputs that may be permuted without changing its outputs."""
    from pytensor.raise_op import CheckAndRaise
    from pytensor.scalar.basic import EQ
    from pytensor.tensor.elemwise import Elemwise

    if isinstance(node.op, Elemwise) and isinstance(node.op.scalar_op, EQ):
        return (0, 1)
    if isinstance(node.op, CheckAndRaise):
        return tuple(range(1, len(node.inputs)))  # input 0 is the value passed through
    return ()


def _equal_alternative(node, keys):
    """For an Assert whose value a is one side of one of its conditions a == b (possibly as a
    scalar, ScalarFromTensor(a == b)): the side with the smaller structural key (the Assert
    passes a through only where a == b holds, so either side is the same value); else None."""
    from pytensor.raise_op import CheckAndRaise

    from pytensor.tensor.basic import ScalarFromTensor

    if not isinstance(node.op, CheckAndRaise):
        return None
    value = node.inputs[0]
    for cond in node.inputs[1:]:
        owner = cond.owner
        if owner is not None and isinstance(owner.op, ScalarFromTensor):
            owner = owner.inputs[0].owner
        if owner is not None and _symmetric_inputs(owner) == (0, 1) and value in owner.inputs:
            a, b = owner.inputs
            if a.type == b.type == value.type:
                return min((a, b), key=lambda v: keys[v])
    return None


def canonical_input_order(fgraph) -> int:
    """Sort the symmetric inputs of every Eq and Assert node by `structural_keys`, and pass
    the canonical side of an equality through an Assert (`_equal_alternative`); returns the
    number of nodes changed."""
    keys = structural_keys(fgraph)
    changed = 0
    for node in list(fgraph.toposort()):
        alternative = _equal_alternative(node, keys)
        if alternative is not None and alternative is not node.inputs[0]:
            fgraph.change_node_input(node, 0, alternative, reason="canonical_input_order")
            changed += 1
        positions = _symmetric_inputs(node)
        if len(positions) < 2:
            continue
        current = [node.inputs[i] for i in positions]
        ordered = sorted(current, key=lambda v: keys[v])
        if ordered == current or len({v.type for v in current}) != 1:
            continue
        for i, var in zip(positions, ordered, strict=True):
            fgraph.change_node_input(node, i, var, reason="canonical_input_order")
        changed += 1
    return changed


def _canonical_order_rewriter():
    from pytensor.graph.rewriting.basic import GraphRewriter

    class CanonicalInputOrder(GraphRewriter):
        """See the module docstring, cause 2."""

        def add_requirements(self, fgraph):
            pass

        def apply(self, fgraph):
            canonical_input_order(fgraph)

    return CanonicalInputOrder()


def prepare() -> None:
    """Register the cacheable erfcx and the canonical input order (idempotent)."""
    global _prepared
    if _prepared:
        return
    from pytensor.compile.mode import optdb
    from pytensor.link.numba.dispatch import basic as numba_basic
    from pytensor.link.numba.dispatch.basic import register_funcify_and_cache_key
    from pytensor.link.numba.dispatch.scalar import scalar_op_cache_key
    from pytensor.scalar.math import Erfcx

    kernel = numba_basic.numba_njit(erfcx_value)

    @register_funcify_and_cache_key(Erfcx)
    def numba_funcify_erfcx(op, node=None, **kwargs):
        @numba_basic.numba_njit
        def erfcx(x):
            return kernel(x)

        # numba's cache entry refers to this module by name: a renamed module gets a new key
        return erfcx, scalar_op_cache_key(
            op, implementation=f"{__name__}.erfcx_value-v{IMPLEMENTATION_VERSION}")

    optdb.register("oomcast_canonical_input_order", _canonical_order_rewriter(), "numba",
                   position=CANONICAL_ORDER_POSITION)
    _prepared = True
