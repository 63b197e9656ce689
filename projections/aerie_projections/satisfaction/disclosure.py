"""Which groups of a survey may be shown: the threshold, and what subtraction would reveal.

A survey's results are shown per company, site and team, never for a group
chosen by the caller (no filters, no unions), and only once the survey has
closed, so the groups and their answers never change while shown. Within
that fixed hierarchy, two rules decide:

1. **Threshold.** A group with fewer respondents than the survey's threshold
   is withheld.
2. **Complementary withholding.** A shown parent minus its shown children must
   leave no respondents or at least the threshold: otherwise the shown child
   with the fewest respondents is withheld too, until it does. The children of
   a withheld parent are all withheld (what they would subtract from is hidden).

Then every set of respondents anyone can isolate by adding and subtracting
shown groups (a shown group less its largest shown subgroups) holds no one or
at least the threshold: site minus team, company minus sites, and any
combination of them reveal no group smaller than the threshold.

From ``anonymity/2026-12`` a third rule protects against a group that
answered as one (the homogeneity attack, l-diversity):

3. **Diversity.** In every set subtraction can isolate, no single answer to
   any item may hold more than ``most_alike`` of the set's answers (80%): a
   shown team that fails is withheld (``HOMOGENEOUS``); a shown parent whose
   remainder (the parent less its shown children) fails has its shown child
   with the fewest respondents withheld (``COMPLEMENTARY``) until it passes,
   and is itself withheld (``HOMOGENEOUS``, its children with it) when no
   shown child is left. Every isolatable set is a union of such remainders
   and shown teams, and the share of the most common answer in a union is
   never above the largest of its parts', so each such set passes too.

These rules are versioned policy: a survey records the anonymity policy's
version it was published under (its ``policy_version``), and ``rule_of``
gives the rule of that version, so a later, different rule never changes
what an older survey shows. ``RULES`` holds every version's rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from aerie_projections.satisfaction.statistics import (
    COMPANY,
    SITE,
    TEAM,
    GroupKey,
    Item,
    parent_of,
)

BELOW_THRESHOLD = "BELOW_THRESHOLD"
COMPLEMENTARY = "COMPLEMENTARY"
PARENT_WITHHELD = "PARENT_WITHHELD"
HOMOGENEOUS = "HOMOGENEOUS"

Histogram = Sequence[int]
"""How many respondents gave each answer (index = the answer) to one item."""

Answers = Mapping[GroupKey, Mapping[Item, Histogram]]
"""Each group's histogram of each item."""


@dataclass(frozen=True)
class Disclosure:
    """The groups shown, and why each other group is withheld."""

    threshold: int
    shown: frozenset[GroupKey]
    withheld: Mapping[GroupKey, str] = field(default_factory=dict)

    def reason(self, group: GroupKey) -> str | None:
        """None for a shown group; else why it is withheld."""
        if group in self.shown:
            return None
        return self.withheld.get(group, BELOW_THRESHOLD)


def disclose(responses: Mapping[GroupKey, int], threshold: int) -> Disclosure:
    """Decide which of the groups in ``responses`` (group -> respondents) may be shown."""
    children: dict[GroupKey, list[GroupKey]] = {}
    for group in responses:
        parent = parent_of(group)
        if parent is not None:
            children.setdefault(parent, []).append(group)
    withheld: dict[GroupKey, str] = {}
    company: GroupKey = (COMPANY, "", "")
    if responses.get(company, 0) < threshold:
        withheld[company] = BELOW_THRESHOLD
    for level in (COMPANY, SITE):
        for parent in sorted(g for g in responses if g[0] == level):
            _decide_children(parent, children.get(parent, []), responses, threshold, withheld)
    for group in responses:
        if group[0] == TEAM and parent_of(group) not in responses:
            withheld.setdefault(group, PARENT_WITHHELD)
    shown = frozenset(g for g in responses if g not in withheld)
    return Disclosure(threshold, shown, withheld)


def _decide_children(
    parent: GroupKey,
    kids: list[GroupKey],
    responses: Mapping[GroupKey, int],
    threshold: int,
    withheld: dict[GroupKey, str],
) -> None:
    if parent in withheld:
        for kid in kids:
            withheld[kid] = PARENT_WITHHELD if responses[kid] >= threshold else BELOW_THRESHOLD
        return
    for kid in kids:
        if responses[kid] < threshold:
            withheld[kid] = BELOW_THRESHOLD
    shown = sorted((responses[k], k) for k in kids if k not in withheld)
    residual = responses[parent] - sum(n for n, _ in shown)
    while shown and 0 < residual < threshold:
        n, smallest = shown.pop(0)
        withheld[smallest] = COMPLEMENTARY
        residual += n


@dataclass(frozen=True)
class Diversity:
    """The threshold, complementary withholding, and no set that answered (nearly) as one.

    ``most_alike``: the largest share of a set's answers to one item that one
    answer may hold. Above it, the figures would tell each member's answer
    (eight people, all 5: the mean is 5.0) with that confidence.
    """

    most_alike: Fraction

    def __call__(
        self, responses: Mapping[GroupKey, int], threshold: int, answers: Answers
    ) -> Disclosure:
        withheld = dict(disclose(responses, threshold).withheld)
        while self._withhold_one_more(responses, answers, withheld):
            pass
        shown = frozenset(g for g in responses if g not in withheld)
        return Disclosure(threshold, shown, withheld)

    def too_alike(self, histograms: Iterable[Histogram]) -> bool:
        """Whether one answer to any item holds more than ``most_alike`` of the answers."""
        return any(sum(h) > 0 and max(h) > self.most_alike * sum(h) for h in histograms)

    def _withhold_one_more(
        self, responses: Mapping[GroupKey, int], answers: Answers, withheld: dict[GroupKey, str]
    ) -> bool:
        """Withhold one more group if a shown team, or what a shown parent leaves once its
        shown children are taken away, answered too alike; False when every such set passes."""
        shown = sorted(g for g in responses if g not in withheld)
        for team in (g for g in shown if g[0] == TEAM):
            if self.too_alike(answers.get(team, {}).values()):
                withheld[team] = HOMOGENEOUS
                return True
        for parent in (g for g in shown if g[0] != TEAM):
            kids = sorted(
                (responses[g], g) for g in shown if g[0] != COMPANY and parent_of(g) == parent
            )
            if not self.too_alike(_remainder(answers, parent, [k for _, k in kids])):
                continue
            if kids:
                _withhold_with_children(kids[0][1], COMPLEMENTARY, responses, withheld)
            else:
                _withhold_with_children(parent, HOMOGENEOUS, responses, withheld)
            return True
        return False


def _remainder(answers: Answers, parent: GroupKey, kids: Sequence[GroupKey]) -> list[Histogram]:
    """Each item's histogram of ``parent`` less those of ``kids``: the answers subtraction isolates."""
    left: list[Sequence[int]] = []
    for item, histogram in answers.get(parent, {}).items():
        rest = list(histogram)
        for kid in kids:
            for answer, count in enumerate(answers.get(kid, {}).get(item, ())):
                rest[answer] -= count
        left.append(rest)
    return left


def _withhold_with_children(
    group: GroupKey, reason: str, responses: Mapping[GroupKey, int], withheld: dict[GroupKey, str]
) -> None:
    withheld[group] = reason
    for other in responses:
        inside = other[0] != COMPANY and (
            group[0] == COMPANY or (other[0] == TEAM and parent_of(other) == group)
        )
        if inside and other not in withheld:
            withheld[other] = PARENT_WITHHELD


def by_size(responses: Mapping[GroupKey, int], threshold: int, _answers: Answers) -> Disclosure:
    """The threshold and complementary withholding only (``disclose``): answers not looked at."""
    return disclose(responses, threshold)


DisclosureRule = Callable[[Mapping[GroupKey, int], int, Answers], Disclosure]
"""``(respondents per group, threshold, answers per group and item) -> Disclosure``: one
policy version's rule."""

RULES: dict[str, DisclosureRule] = {
    "anonymity/2026-01": by_size,
    "anonymity/2026-12": Diversity(most_alike=Fraction(4, 5)),
}
"""Each anonymity policy version's rule. ``anonymity/2026-01``: the threshold and
complementary withholding, as above. ``anonymity/2026-12``: those, and no set subtraction can
isolate where one answer to an item holds more than 80% of the answers (diversity, above)."""


def rule_of(policy_version: str | None) -> DisclosureRule:
    """The rule of a recorded policy version; ``LookupError`` for one this code does not know."""
    rule = RULES.get(policy_version or "")
    if rule is None:
        raise LookupError(
            f"no disclosure rule for anonymity policy {policy_version!r}: "
            f"known are {', '.join(RULES)}"
        )
    return rule
