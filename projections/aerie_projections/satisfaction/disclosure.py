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

These rules are versioned policy: a survey records the anonymity policy's
version it was published under (its ``policy_version``), and ``rule_of``
gives the rule of that version, so a later, different rule never changes
what an older survey shows. ``RULES`` holds every version's rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aerie_projections.satisfaction.statistics import COMPANY, SITE, TEAM, GroupKey, parent_of

BELOW_THRESHOLD = "BELOW_THRESHOLD"
COMPLEMENTARY = "COMPLEMENTARY"
PARENT_WITHHELD = "PARENT_WITHHELD"


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


DisclosureRule = Callable[[Mapping[GroupKey, int], int], Disclosure]
"""``(respondents per group, threshold) -> Disclosure``: one policy version's rule."""

RULES: dict[str, DisclosureRule] = {"anonymity/2026-01": disclose}
"""Each anonymity policy version's rule. ``anonymity/2026-01``: the threshold and
complementary withholding, as above."""


def rule_of(policy_version: str | None) -> DisclosureRule:
    """The rule of a recorded policy version; ``LookupError`` for one this code does not know."""
    rule = RULES.get(policy_version or "")
    if rule is None:
        raise LookupError(
            f"no disclosure rule for anonymity policy {policy_version!r}: "
            f"known are {', '.join(RULES)}"
        )
    return rule
