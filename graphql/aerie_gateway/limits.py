"""The gateway's limits on a GraphQL document, measured without expanding fragments.

Strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk every use of
every fragment: ``fragment F0 { ...F1 ...F1 } ... fragment F20 { id }`` is 900
bytes and 2^20 walks, and held the event loop for seconds. Here each fragment
is measured once (its depth, its aliases, its fields and its spreads as if it
were expanded) and an operation adds up the measures of the fragments it
spreads: the cost is linear in the size of the document, whatever the
expansion would be, and the counts are exact Python ints, never materialised.

``limit_extensions`` gives the schema one extension that, per request:

- bounds parsing with graphql-core's token limit (what ``MaxTokensLimiter`` does);
- puts a rule first among the validation rules that measures the document when
  validation enters it and, when it is over a limit, aborts validation there:
  graphql-core's rules never visit a refused document, and a validation cache
  (strawberry's ``ValidationCache``) caches the refusal like any other result;
- gives the rules a budget: the same rule aborts validation once it has used
  ``validation_budget_seconds`` of CPU, and graphql-core's
  ``OverlappingFieldsCanBeMergedRule``, the one standard rule that is quadratic
  in the document and does its work in one step per selection set (300
  repetitions of ``child { id }`` take half a second within 2000 tokens), gets a
  smaller budget of comparisons.

Every refusal is a ``GraphQLError`` with ``extensions.code == "QUERY_TOO_COMPLEX"``
and ``limit``, ``allowed`` and ``actual``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OverlappingFieldsCanBeMergedRule,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

CODE = "QUERY_TOO_COMPLEX"

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
"""Fields whose selections are not counted for depth.

GraphiQL's introspection query nests about ten levels under ``__schema`` (the
``ofType`` chain of ``TypeRef``). Those levels describe the schema, which is
finite, and graphql-core's own ``MaxIntrospectionDepthRule`` (a standard rule)
refuses the introspection nesting that does grow (``fields { type { fields ...``).
Fields under them still count as fields, aliases and spreads.
"""

CLOCK_EVERY_NODES = 64
"""The validation clock reads the CPU time once per this many AST nodes."""

JSON_SAFE = 2**53 - 1
"""Above this a count is reported as a string: JSON clients lose larger ints."""

TOKEN_LIMIT_MESSAGE = "Document contains more than"
"""How graphql-core's parser words a document over ``max_tokens``."""


@dataclass(frozen=True)
class QueryLimits:
    """What one GraphQL document may ask of the gateway.

    Counts are over the document's operations, as if every fragment spread were
    replaced by its fragment: a fragment spread three times counts three times.
    Fragments no operation spreads are not counted (graphql-core's
    ``NoUnusedFragmentsRule`` refuses them).

    - ``max_depth``: object levels in any operation, i.e. fields with a selection
      set nested in one another (``{ node { child { id } } }`` is 2 deep); leaf
      fields, fragment spreads and inline fragments add no level, and
      selections under ``__schema``/``__type`` are not counted (see
      ``INTROSPECTION_ROOTS``). This is the meaning ``QueryDepthLimiter`` gave it.
    - ``max_aliases``: aliased fields.
    - ``max_tokens``: lexical tokens; the parser stops at the first one over.
    - ``max_fields``: field selections the operations would execute once
      fragments are expanded (an upper bound: execution merges repeats).
    - ``max_fragment_spreads``: fragment spreads and inline fragments once
      expanded. Selection sets may be empty, so a chain of spreads that selects
      no field at all still costs work for each spread.
    - ``max_merge_comparisons``: the budget of graphql-core's
      ``OverlappingFieldsCanBeMergedRule``, about one per pair of same-named
      fields it compares: graphql-core's own is 500 000, 0.2 to 1.3 s; one costs
      0.4 to 2.5 microseconds, so 20 000 are at most about 50 ms.
    - ``validation_budget_seconds``: CPU time the validation of a document within
      the other limits may use. GraphiQL's introspection query takes about 12 ms,
      and a document of 2000 tokens up to about 40 ms.
    """

    max_depth: int = 8
    max_aliases: int = 30
    max_tokens: int = 2000
    max_fields: int = 2000
    max_fragment_spreads: int = 2000
    max_merge_comparisons: int = 20_000
    validation_budget_seconds: float = 0.1


@dataclass(frozen=True)
class Cost:
    """What a definition asks for, its fragments expanded (they are not: see ``measure``)."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    spreads: int = 0


@dataclass(frozen=True)
class _Local:
    """A definition's own selections, its fragment spreads not followed.

    ``calls`` holds each fragment spread with the depth it is at, or ``None``
    when it is under an introspection root and adds no depth.
    """

    cost: Cost
    calls: tuple[tuple[str, int | None], ...]


def _local(selection_set: SelectionSetNode) -> _Local:
    """Walk one definition's selections (no recursion: the parser allows 200 levels)."""
    depth = aliases = fields = spreads = 0
    calls: list[tuple[str, int | None]] = []
    stack: list[tuple[SelectionSetNode, int | None]] = [(selection_set, 0)]
    while stack:
        current, level = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FieldNode):
                fields += 1
                if selection.alias is not None:
                    aliases += 1
                nested = selection.selection_set
                if nested is None:
                    continue
                if level is None:
                    stack.append((nested, None))
                    continue
                depth = max(depth, level + 1)
                if selection.name.value in INTROSPECTION_ROOTS:
                    stack.append((nested, None))
                else:
                    stack.append((nested, level + 1))
            elif isinstance(selection, InlineFragmentNode):
                spreads += 1
                stack.append((selection.selection_set, level))
            elif isinstance(selection, FragmentSpreadNode):
                spreads += 1
                calls.append((selection.name.value, level))
    return _Local(Cost(depth, aliases, fields, spreads), tuple(calls))


def _combine(local: _Local, costs: dict[str, Cost]) -> Cost:
    """A definition's cost from its own and that of the fragments it spreads.

    A spread of a fragment not in ``costs`` (unknown, or closing a cycle) adds
    nothing: graphql-core's ``KnownFragmentNamesRule`` and ``NoFragmentCyclesRule``
    report those.
    """
    depth, aliases, fields, spreads = (
        local.cost.depth,
        local.cost.aliases,
        local.cost.fields,
        local.cost.spreads,
    )
    for name, level in local.calls:
        cost = costs.get(name)
        if cost is None:
            continue
        aliases += cost.aliases
        fields += cost.fields
        spreads += cost.spreads
        if level is not None and cost.depth:
            depth = max(depth, level + cost.depth)
    return Cost(depth, aliases, fields, spreads)


def fragment_costs(document: DocumentNode) -> dict[str, Cost]:
    """The cost of each fragment of a document, each computed once.

    Fragments are visited depth first with an explicit stack, callees before
    callers; a spread back to a fragment still on the stack closes a cycle and
    is not followed, so a cyclic document terminates too. When a name is
    defined twice the last definition counts, as in graphql-core's
    ``ValidationContext`` (``UniqueFragmentNamesRule`` refuses the document).
    """
    locals_: dict[str, _Local] = {
        definition.name.value: _local(definition.selection_set)
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    costs: dict[str, Cost] = {}
    for root in locals_:
        if root in costs:
            continue
        path: list[tuple[str, Iterator[tuple[str, int | None]]]] = [
            (root, iter(locals_[root].calls))
        ]
        on_path = {root}
        while path:
            name, calls = path[-1]
            for callee, _level in calls:
                if callee in locals_ and callee not in costs and callee not in on_path:
                    path.append((callee, iter(locals_[callee].calls)))
                    on_path.add(callee)
                    break
            else:
                path.pop()
                on_path.discard(name)
                costs[name] = _combine(locals_[name], costs)
    return costs


def measure(document: DocumentNode) -> list[tuple[OperationDefinitionNode, Cost]]:
    """Each operation of a document with its cost, fragments counted as expanded.

    Linear in the size of the document: nothing is expanded.
    """
    costs = fragment_costs(document)
    return [
        (definition, _combine(_local(definition.selection_set), costs))
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]


def _reportable(count: int) -> int | str:
    return count if count <= JSON_SAFE else f"more than {JSON_SAFE}"


class ValidationRefused(ValidationAbortedError):
    """Stops graphql-core's ``validate``, which keeps this error as the last one.

    graphql-core catches ``ValidationAbortedError`` around its visit of the
    document, so raising one from a rule aborts all the rules at once.
    """


def too_complex(
    message: str,
    limit: str,
    allowed: int | float,
    actual: int | float | str,
    nodes: Sequence[Any] | None = None,
) -> ValidationRefused:
    """A refusal of the document, in the gateway's error shape."""
    return ValidationRefused(
        message,
        nodes,
        extensions={"code": CODE, "limit": limit, "allowed": allowed, "actual": actual},
    )


@dataclass(frozen=True)
class SummedLimit:
    """A limit on a count summed over the document's operations (a field of ``Cost``)."""

    limit: str
    """The name a refusal gives it (``extensions.limit``)."""
    counted: str
    """The field of ``Cost`` it bounds."""
    setting: str
    """The field of ``QueryLimits`` that holds the most allowed."""
    message: str
    """The refusal's words, with ``{count}`` and ``{allowed}``."""


SUMMED_LIMITS = (
    SummedLimit(
        "aliases",
        "aliases",
        "max_aliases",
        "the query uses {count} aliases, counting each use of a fragment;"
        " at most {allowed} are allowed",
    ),
    SummedLimit(
        "fields",
        "fields",
        "max_fields",
        "the query selects {count} fields once its fragments are expanded;"
        " at most {allowed} are allowed: spread fewer fragments or split the query",
    ),
    SummedLimit(
        "fragment spreads",
        "spreads",
        "max_fragment_spreads",
        "the query applies {count} fragment spreads and inline fragments once expanded;"
        " at most {allowed} are allowed: spread fewer fragments or split the query",
    ),
)


def check_document(document: DocumentNode, limits: QueryLimits) -> list[ValidationRefused]:
    """The limits a document breaks, one error per limit; empty when it is within all."""
    measured = measure(document)
    errors: list[ValidationRefused] = []
    if not measured:
        return errors
    deepest, deepest_cost = max(measured, key=lambda item: item[1].depth)
    if deepest_cost.depth > limits.max_depth:
        name = f"operation '{deepest.name.value}'" if deepest.name else "query"
        errors.append(
            too_complex(
                f"the {name} nests {deepest_cost.depth} levels deep;"
                f" at most {limits.max_depth} are allowed",
                "depth",
                limits.max_depth,
                deepest_cost.depth,
                [deepest],
            )
        )
    operations = [operation for operation, _cost in measured]
    for summed in SUMMED_LIMITS:
        count = sum(getattr(cost, summed.counted) for _operation, cost in measured)
        allowed = getattr(limits, summed.setting)
        if count > allowed:
            message = summed.message.format(count=_reportable(count), allowed=allowed)
            errors.append(
                too_complex(message, summed.limit, allowed, _reportable(count), operations)
            )
    return errors


def _over_time(budget: float, spent: float) -> ValidationRefused:
    return too_complex(
        f"validating the query took more than {budget * 1000:g} ms of CPU; simplify it"
        " (fewer repeated fields and fragments) or split it",
        "validation time",
        budget,
        round(spent, 4),
    )


def _limits_rule(limits: QueryLimits) -> type[ASTValidationRule]:
    """The first validation rule: the document's limits, then the clock.

    It measures the document when validation enters it, before any rule visits
    a node, and raises the last refusal (after reporting the others), which
    aborts every rule at once. Within the limits, it reads the CPU time of this
    thread every ``CLOCK_EVERY_NODES`` nodes and aborts when validation has used
    more than ``validation_budget_seconds``: the clock stops work still ahead.
    Not when leaving the document: its validation is then done, and refusing it
    would save nothing (and a pause of the process, say a garbage collection,
    would get a small benign query refused). It cannot stop a rule in the
    middle of one node: the comparison budget bounds the one standard rule that
    does much work in one node. CPU time, not wall time: a busy neighbour must
    not get a benign query refused.
    """

    class QueryLimitsRule(ValidationRule):
        budget: ClassVar[float] = limits.validation_budget_seconds

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.started = time.thread_time()
            self.countdown = CLOCK_EVERY_NODES

        def enter_document(self, node: DocumentNode, *_args: Any) -> None:
            refused = check_document(node, limits)
            if refused:
                *reported, last = refused
                for error in reported:
                    self.report_error(error)
                raise last

        def enter(self, *_args: Any) -> None:
            self.countdown -= 1
            if self.countdown <= 0:
                self.countdown = CLOCK_EVERY_NODES
                self.check_clock()

        def check_clock(self) -> None:
            spent = time.thread_time() - self.started
            if spent > self.budget:
                raise _over_time(self.budget, spent)

    return QueryLimitsRule


def _overlap_rule(max_comparisons: int) -> type[ASTValidationRule]:
    """graphql-core's ``OverlappingFieldsCanBeMergedRule`` with a smaller comparison budget.

    graphql-core (3.3) counts the comparisons of that rule in
    ``rule_context.remaining_complexity_budget`` and aborts validation with a
    bare "Validation aborted." when it goes below zero; here the budget starts
    lower and the abort names the limit. With another graphql-core that has no
    such budget the rule is the standard one, and the clock still applies.
    """

    class BoundedOverlappingFields(OverlappingFieldsCanBeMergedRule):
        max_merge_comparisons: ClassVar[int] = max_comparisons

        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            rule_context = getattr(self, "rule_context", None)
            budget = getattr(rule_context, "remaining_complexity_budget", None)
            if isinstance(budget, int):
                rule_context.remaining_complexity_budget = min(  # type: ignore[union-attr]
                    budget, self.max_merge_comparisons
                )

        def enter_selection_set(self, *args: Any) -> None:
            try:
                super().enter_selection_set(*args)
            except ValidationRefused:
                raise
            except ValidationAbortedError:
                budget = getattr(self.rule_context, "remaining_complexity_budget", 0)
                if not isinstance(budget, int) or budget >= 0:
                    raise  # too many errors, not this budget
                raise ValidationRefused(
                    "checking that the fields with the same name can be merged needs more"
                    f" than {self.max_merge_comparisons} comparisons; select each field"
                    " once per object, or split the query",
                    extensions={
                        "code": CODE,
                        "limit": "merge comparisons",
                        "allowed": self.max_merge_comparisons,
                        "actual": self.max_merge_comparisons - budget,
                    },
                ) from None

    return BoundedOverlappingFields


class QueryLimitsExtension(SchemaExtension):
    """Applies ``QueryLimits`` to each request; build it with ``limit_extensions``.

    Its rules are set in ``on_operation``, before any extension's ``on_validate``
    (``ValidationCache`` validates there), so its place in the list of
    extensions does not matter, except after one that replaces the rules
    (``DisableValidation``).
    """

    def __init__(
        self,
        *,
        limits: QueryLimits,
        first: type[ASTValidationRule],
        overlap: type[ASTValidationRule],
    ) -> None:
        super().__init__()
        self.limits = limits
        self.first = first
        self.overlap = overlap

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.limits.max_tokens
        context.validation_rules = _budgeted(context.validation_rules, self.first, self.overlap)  # type: ignore[arg-type]  # rule classes hash by identity; their instances do not
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if isinstance(error, GraphQLSyntaxError) and TOKEN_LIMIT_MESSAGE in error.message:
                error.extensions = token_limit_extensions(self.limits.max_tokens)


def token_limit_extensions(max_tokens: int) -> dict[str, Any]:
    """The coded extensions of a document refused for its tokens.

    A parser cache that parses before this extension's hook runs leaves the
    error uncoded; the gateway then codes it by the parser's message.
    """
    return {
        "code": CODE,
        "limit": "tokens",
        "allowed": max_tokens,
        "actual": f"more than {max_tokens}",
    }


@functools.lru_cache(maxsize=64)
def _budgeted(
    rules: tuple[type[ASTValidationRule], ...],
    first: type[ASTValidationRule],
    overlap: type[ASTValidationRule],
) -> tuple[type[ASTValidationRule], ...]:
    """The rules with the limits first and the bounded overlap rule in place of graphql-core's.

    The same rules give the same (cached) tuple, so a validation cache keyed by
    the rules keeps hitting.
    """
    others = tuple(
        overlap if rule is OverlappingFieldsCanBeMergedRule else rule
        for rule in rules
        if rule is not first
    )
    return (first, *others)


def limit_extensions(limits: QueryLimits) -> list[Any]:
    """The schema extensions that apply ``limits``; call once per process, not per request.

    Each element is a factory strawberry calls per request (an extension instance
    shared by concurrent requests would share their execution contexts). The
    validation rules are built here, once, so that the rules given to
    graphql-core are the same classes on every request.
    """
    return [
        functools.partial(
            QueryLimitsExtension,
            limits=limits,
            first=_limits_rule(limits),
            overlap=_overlap_rule(limits.max_merge_comparisons),
        )
    ]


__all__ = [
    "CODE",
    "Cost",
    "QueryLimits",
    "QueryLimitsExtension",
    "check_document",
    "fragment_costs",
    "limit_extensions",
    "measure",
]
