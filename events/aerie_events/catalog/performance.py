"""Performance's events: daily KPI facts, the growth ladder, what the energy value leads
to, and team regrouping."""

from __future__ import annotations

from typing import Any

from aerie_events.catalog.kit import EventType, Upcasters, define
from aerie_events.fields import Field

CONTEXT = "performance"

KPI_RECORDED = "kpi.recorded"
CHICK_GRADUATED = "chick.graduated"
STAR_PROMOTED = "star.promoted"
STAR_DEMOTED = "star.demoted"
TRACK_CHANGED = "track.changed"
ENERGY_REWARDED = "energy.rewarded"
OFFPOST_TRAINING_ORDERED = "offpost_training.ordered"
EMPLOYEE_REPOSITIONED = "employee.repositioned"
REGROUPING_PROPOSED = "regrouping.proposed"
REGROUPING_ACCEPTED = "regrouping.accepted"

CRITERION = Field(
    "record",
    "One criterion of the ladder policy, as it was checked.",
    fields={
        "key": Field("id", "The criterion, e.g. course:C-EMPATHY or average:qa_score."),
        "label": Field("text", "What it asks, in words.", max_length=200),
        "required": Field("text", "What the policy requires.", max_length=100),
        "actual": Field("text", "What the employee had.", max_length=100),
        "met": Field("bool", "Whether it was met."),
    },
)
CRITERIA = Field(
    "list",
    "Every criterion of the step, met (a step is refused unless all are).",
    item=CRITERION,
    max_items=30,
)
ENERGY_VALUE = Field(
    "decimal", "The week's energy value.", minimum=0, maximum=1000, inclusive_minimum=True
)
KPI_FIELDS: dict[str, Field] = {
    "calls_answered": Field("int", "Calls the agent answered that day.", minimum=0, maximum=1000),
    "average_handling_seconds": Field(
        "int", "Average handling time of those calls, in seconds.", minimum=0, maximum=7200
    ),
    "first_contact_resolution": Field(
        "decimal",
        "Share of calls resolved at first contact, in %.",
        minimum=0,
        maximum=100,
        inclusive_minimum=True,
    ),
    "customer_satisfaction": Field(
        "decimal",
        "Average customer satisfaction, 1 (low) to 5 (high).",
        minimum=1,
        maximum=5,
        inclusive_minimum=True,
    ),
    "qa_score": Field(
        "decimal",
        "Quality-inspection score, 0 to 100.",
        minimum=0,
        maximum=100,
        inclusive_minimum=True,
    ),
    "attendance": Field(
        "decimal",
        "Share of the scheduled time present, in %.",
        minimum=0,
        maximum=100,
        inclusive_minimum=True,
    ),
}
TRACK_CHOICES = ("agent", "team_lead", "group_leader", "specialist", "trainer", "qa")
POSTS = ("back_office", "support_desk")
WEEK: dict[str, Field] = {
    "window_start": Field("date", "First day (a Monday) of the week of KPI facts that decided it."),
    "window_end": Field("date", "Last day of that week."),
    "kpi_days": Field("int", "Days with KPI facts in the week.", minimum=0, maximum=7),
    "energy": ENERGY_VALUE,
}
ASSIGNMENT = Field(
    "record",
    "One agent's team in a regrouping proposal.",
    fields={
        "employee_id": Field("id", "The agent."),
        "from_team_id": Field("id", "Their team now."),
        "to_team_id": Field("id", "Their team in the proposal."),
        "star": Field("int", "Their star level.", minimum=1, maximum=5),
    },
)
TEAM_BALANCE = Field(
    "record",
    "One proposed team in numbers.",
    fields={
        "team_id": Field("id", "The team."),
        "size": Field("int", "Members.", minimum=0, maximum=10000),
        "star_total": Field("int", "Sum of the members' stars.", minimum=0, maximum=50000),
        "by_star": Field("scores", "Members per star level (1 to 5).", minimum=0, maximum=10000),
        "by_skill": Field(
            "scores",
            "Members per answering permission (skill).",
            minimum=0,
            maximum=10000,
            required=False,
        ),
    },
)

TYPES: tuple[EventType, ...] = (
    define(
        KPI_RECORDED,
        CONTEXT,
        "A site's daily KPI facts of one agent, for one local day at the site.",
        KPI_FIELDS,
        day=Field("date", "The day the facts are of: the site's local date."),
        team_id=Field("id", "The agent's team that day (the boards rank within it)."),
    ),
    define(
        CHICK_GRADUATED,
        CONTEXT,
        "A chick eagle (a new agent in coaching) became a flying eagle at one star.",
        graduated_on=Field("date", "Day it takes effect."),
        reason=Field("text", "Why.", max_length=500),
        criteria=CRITERIA,
    ),
    define(
        STAR_PROMOTED,
        CONTEXT,
        "An agent moved one star up the growth ladder, the policy's criteria met.",
        from_star=Field("int", "Star level before.", minimum=1, maximum=4),
        to_star=Field("int", "Star level after.", minimum=2, maximum=5),
        reason=Field("text", "Why the agent was promoted.", max_length=500),
        promoted_on=Field("date", "Day the new level takes effect."),
        criteria=CRITERIA,
        schema_version=2,
    ),
    define(
        STAR_DEMOTED,
        CONTEXT,
        "An agent moved one star down the growth ladder after sustained low performance.",
        from_star=Field("int", "Star level before.", minimum=2, maximum=5),
        to_star=Field("int", "Star level after.", minimum=1, maximum=4),
        reason=Field("text", "Why the agent was demoted.", max_length=500),
        demoted_on=Field("date", "Day the new level takes effect."),
        criteria=CRITERIA,
    ),
    define(
        TRACK_CHANGED,
        CONTEXT,
        "A five-star agent moved to a management or support track (or back to the agent track).",
        from_track=Field("enum", "Track before.", choices=TRACK_CHOICES),
        to_track=Field("enum", "Track after.", choices=TRACK_CHOICES),
        reason=Field("text", "Why.", max_length=500),
        changed_on=Field("date", "Day it takes effect."),
        criteria=CRITERIA,
    ),
    define(
        ENERGY_REWARDED,
        CONTEXT,
        "An agent's week of overflowing energy earned a reward in proportion to the overflow.",
        WEEK,
        reward_amount=Field("decimal", "The reward.", minimum=0, maximum=100000),
        currency=Field("enum", "Currency of the reward.", choices=("CNY",)),
    ),
    define(
        OFFPOST_TRAINING_ORDERED,
        CONTEXT,
        "An agent's low energy sent them to off-post training (seven days and a test when very low).",
        WEEK,
        order_id=Field("id", "The order's identifier."),
        level=Field("enum", "How low the energy was.", choices=("low", "very_low")),
        days=Field("int", "Days off post.", minimum=1, maximum=30),
        acceptance_test=Field("bool", "Whether an acceptance test closes it."),
        starts_on=Field("date", "First day off post."),
        ends_on=Field("date", "Last day off post."),
    ),
    define(
        EMPLOYEE_REPOSITIONED,
        CONTEXT,
        "An agent who failed the acceptance test after off-post training moved to another "
        "post; it names the week of KPI facts that ordered the training.",
        order_id=Field("id", "The off-post training order it follows."),
        from_track=Field("enum", "Their track.", choices=TRACK_CHOICES),
        to_post=Field("enum", "The post they move to.", choices=POSTS),
        reason=Field("text", "Why.", max_length=500),
        repositioned_on=Field("date", "Day it takes effect."),
        window_start=Field(
            "date",
            "First day of the week of KPI facts behind the order (null when recorded "
            "under version 1, which did not name it: see the order).",
            nullable=True,
        ),
        window_end=Field("date", "Last day of that week (null as above).", nullable=True),
        schema_version=2,
    ),
    define(
        REGROUPING_PROPOSED,
        CONTEXT,
        "Balanced teams were proposed for a site's available agents (by star level and skills).",
        keyed_by="proposal_id",
        proposal_id=Field("id", "The proposal."),
        site_id=Field("id", "The site regrouped."),
        proposed_on=Field("date", "The site's date of the proposal."),
        team_count=Field("int", "Teams asked for.", minimum=1, maximum=500),
        assignments=Field("list", "Each available agent's team.", item=ASSIGNMENT, max_items=5000),
        teams=Field("list", "Each proposed team in numbers.", item=TEAM_BALANCE, max_items=500),
        optimal=Field("bool", "Whether the solver proved no better balance exists."),
        moves=Field("int", "Agents who change team.", minimum=0, maximum=5000),
        size_spread=Field("int", "Largest minus smallest team size.", minimum=0, maximum=5000),
        star_total_spread=Field(
            "int", "Largest minus smallest star total of a team.", minimum=0, maximum=50000
        ),
    ),
    define(
        REGROUPING_ACCEPTED,
        CONTEXT,
        "A regrouping proposal was accepted: its transfers are recorded one by one.",
        keyed_by="proposal_id",
        proposal_id=Field("id", "The proposal."),
        site_id=Field("id", "Its site."),
        accepted_on=Field("date", "Day the new teams start."),
        moves=Field("int", "Agents who change team.", minimum=0, maximum=5000),
    ),
)


def _star_promoted_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A promotion recorded before the ladder policy checked it carries no criteria."""
    return {**payload, "criteria": []}


def _employee_repositioned_1_to_2(payload: dict[str, Any]) -> dict[str, Any]:
    """A version-1 re-positioning named only its off-post order; the order names the week of
    KPI facts behind it, so the week reads as unknown here rather than guessed."""
    return {**payload, "window_start": None, "window_end": None}


UPCASTERS: Upcasters = {
    (STAR_PROMOTED, 1): _star_promoted_1_to_2,
    (EMPLOYEE_REPOSITIONED, 1): _employee_repositioned_1_to_2,
}
