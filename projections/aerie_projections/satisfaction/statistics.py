"""Running sums of survey answers, and the statistics they give.

Every statistic of an item in a group comes from sums that only ever add:
the number of answers, the sum of the values and of their squares, the sum
of each value times the same respondent's overall satisfaction, and a
histogram of the values (0..10). A first answer adds its contribution; a
correction adds the new one and subtracts the one it replaces. So a batch of
answers becomes one row of deltas per survey, group and item, and
``ItemStatistics.of`` turns the sums into the mean, the favourable and
unfavourable shares, eNPS and the Pearson correlation with overall
satisfaction. ``batch_statistics`` computes the same from the answers
themselves, in two passes, to check the incremental path against.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aerie_events.rules.scales import HISTOGRAM_SIZE, Scale

COMPANY = "company"
SITE = "site"
TEAM = "team"

GroupKey = tuple[str, str, str]
"""``(kind, site_id, team_id)``: ``("company", "", "")``, ``("site", s, "")``, ``("team", s, t)``."""

Item = tuple[str, str]
"""``(role, question_id)``: ``("overall", "")``, ``("enps", "")`` or ``("driver", question id)``."""

OVERALL: Item = ("overall", "")
ENPS: Item = ("enps", "")


def groups_of(site_id: str, team_id: str) -> tuple[GroupKey, GroupKey, GroupKey]:
    """The company, the site and the team an answer counts in."""
    return (COMPANY, "", ""), (SITE, site_id, ""), (TEAM, site_id, team_id)


def parent_of(group: GroupKey) -> GroupKey | None:
    kind, site_id, _ = group
    if kind == TEAM:
        return (SITE, site_id, "")
    if kind == SITE:
        return (COMPANY, "", "")
    return None


def items_of(answer: Mapping[str, Any]) -> list[tuple[Item, int]]:
    """Each item of an answer (``overall``, ``enps``, ``drivers``) with its value."""
    return [
        (OVERALL, answer["overall"]),
        (ENPS, answer["enps"]),
        *((("driver", question_id), value) for question_id, value in answer["drivers"].items()),
    ]


@dataclass
class ItemSums:
    """The running sums of one item in one group; ``y`` is the respondent's overall satisfaction."""

    n: int = 0
    sum_x: int = 0
    sum_xx: int = 0
    sum_xy: int = 0
    counts: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_SIZE)

    def add(self, x: int, y: int, sign: int = 1) -> None:
        self.n += sign
        self.sum_x += sign * x
        self.sum_xx += sign * x * x
        self.sum_xy += sign * x * y
        self.counts[x] += sign

    def merge(self, other: ItemSums) -> None:
        self.n += other.n
        self.sum_x += other.sum_x
        self.sum_xx += other.sum_xx
        self.sum_xy += other.sum_xy
        self.counts = list(map(operator.add, self.counts, other.counts))

    def is_zero(self) -> bool:
        return not (self.n or self.sum_x or self.sum_xx or self.sum_xy or any(self.counts))


SumsKey = tuple[str, GroupKey, Item]
"""``(survey_id, group, item)``."""


def fold(answers: Iterable[Mapping[str, Any]]) -> dict[SumsKey, ItemSums]:
    """The deltas a sequence of ``survey.answered`` payloads makes to the running sums.

    Each answer counts in its team, its site and the company; a correction
    (with ``previous``) also takes the answer it replaces away. Team deltas
    are summed first and rolled up once, so the work per answer is one pass
    over its items. Keys whose deltas cancel out are left out.
    """
    teams: dict[tuple[str, str, str], dict[Item, ItemSums]] = {}
    for answer in answers:
        place = (answer["survey_id"], answer["site_id"], answer["team_id"])
        sums = teams.setdefault(place, {})
        _add(sums, answer, 1)
        if answer.get("previous"):
            _add(sums, answer["previous"], -1)
    deltas: dict[SumsKey, ItemSums] = {}
    for (survey_id, site_id, team_id), items in teams.items():
        for group in groups_of(site_id, team_id):
            for item, item_sums in items.items():
                deltas.setdefault((survey_id, group, item), ItemSums()).merge(item_sums)
    return {key: sums for key, sums in deltas.items() if not sums.is_zero()}


def _add(sums: dict[Item, ItemSums], answer: Mapping[str, Any], sign: int) -> None:
    y = answer["overall"]
    for item, x in items_of(answer):
        entry = sums.get(item)
        if entry is None:
            entry = sums[item] = ItemSums()
        entry.add(x, y, sign)


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when either variable does not vary (or n < 2)."""
    if n < 2:
        return None
    var_x = n * sxx - sx * sx
    var_y = n * syy - sy * sy
    if var_x <= 0 or var_y <= 0:
        return None
    r = (n * sxy - sx * sy) / math.sqrt(var_x * var_y)
    return max(-1.0, min(1.0, r))


@dataclass(frozen=True)
class ItemStatistics:
    """One item in one group: what analysts read. Shares are 0..1; eNPS is -100..100."""

    responses: int
    mean: float | None
    favourable: float | None
    unfavourable: float | None
    correlation: float | None
    enps: float | None = None

    @classmethod
    def of(
        cls, sums: ItemSums, overall: ItemSums, scale: Scale, *, is_enps: bool
    ) -> ItemStatistics:
        """The statistics of ``sums``; ``overall`` are the overall item's sums in the same group."""
        n = sums.n
        if n <= 0:
            return cls(0, None, None, None, None, None)
        return cls(
            responses=n,
            mean=sums.sum_x / n,
            favourable=scale.favourable(sums.counts) / n,
            unfavourable=scale.unfavourable(sums.counts) / n,
            correlation=pearson(
                n, sums.sum_x, overall.sum_x, sums.sum_xx, overall.sum_xx, sums.sum_xy
            ),
            enps=scale.enps(sums.counts) if is_enps else None,
        )


def batch_statistics(
    answers: Sequence[Mapping[str, Any]],
    scales: Mapping[Item, Scale],
) -> dict[tuple[GroupKey, Item], ItemStatistics]:
    """The statistics of each group and item computed from the answers directly, in two passes.

    ``answers`` are the responses' last answers (``overall``, ``enps``,
    ``drivers``, ``site_id``, ``team_id``); the reference the running sums are
    checked against.
    """
    values: dict[tuple[GroupKey, Item], list[tuple[int, int]]] = {}
    for answer in answers:
        for group in groups_of(answer["site_id"], answer["team_id"]):
            for item, x in items_of(answer):
                values.setdefault((group, item), []).append((x, answer["overall"]))
    return {
        key: _directly(pairs, scales[key[1]], is_enps=key[1] == ENPS)
        for key, pairs in values.items()
    }


def _directly(pairs: Sequence[tuple[int, int]], scale: Scale, *, is_enps: bool) -> ItemStatistics:
    n = len(pairs)
    xs = [x for x, _ in pairs]
    ys = [y for _, y in pairs]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    spread = math.sqrt(sum(d * d for d in dx) * sum(d * d for d in dy))
    correlation = (
        sum(a * b for a, b in zip(dx, dy, strict=True)) / spread if spread > 1e-12 else None
    )
    promoters = sum(1 for x in xs if scale.is_promoter(x))
    detractors = sum(1 for x in xs if scale.is_detractor(x))
    return ItemStatistics(
        responses=n,
        mean=mean_x,
        favourable=sum(1 for x in xs if x >= scale.favourable_from) / n,
        unfavourable=sum(1 for x in xs if x <= scale.unfavourable_to) / n,
        correlation=None if n < 2 else correlation,
        enps=(promoters - detractors) / n * 100.0 if is_enps else None,
    )
