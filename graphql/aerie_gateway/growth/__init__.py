"""The growth paths in GraphQL: the ladder, readiness, energy, the boards, the energy bill,
the site overview, team regrouping; and what regrouping answers."""

from aerie_events.catalog.performance import REGROUPING_ACCEPTED, REGROUPING_PROPOSED
from aerie_services.performance import REGROUPING

from aerie_gateway.commands import Answer
from aerie_gateway.domain import GatewayDomain
from aerie_gateway.growth.queries import GrowthQueries
from aerie_gateway.growth.regrouping import (
    ProposalAccepted,
    ProposalRecorded,
    proposal_accepted,
    proposal_recorded,
)
from aerie_gateway.growth.statement import STATEMENT, statement_routes
from aerie_gateway.growth.types import placement_of
from aerie_gateway.permissions import COMPANY, SELF, SITE, TEAM, Placement, grants, target

GROWTH_VIEW = grants(agent=SELF, team_lead=TEAM, site_manager=SITE, qa=COMPANY, hr=COMPANY)
"""Who may read an employee's growth path, readiness and energy."""
BOARDS = grants(agent=SITE, team_lead=SITE, site_manager=SITE, qa=COMPANY, hr=COMPANY)
"""The daily boards: everyone of the site sees them."""
AGGREGATES = grants(analyst=COMPANY, hr=COMPANY, site_manager=SITE)


@target("Employee.growthPath")
@target("Employee.readiness")
def _the_employee(source: object, _info: object, _arguments: object) -> Placement:
    return source.placement  # type: ignore[attr-defined]


DOMAIN = GatewayDomain(
    name="growth",
    query=GrowthQueries,
    fields={
        "Query.growthPath": GROWTH_VIEW,
        "Query.readiness": GROWTH_VIEW,
        "Query.energy": GROWTH_VIEW,
        "Query.leaderboard": BOARDS,
        "Query.annualStatement": STATEMENT,
        "Query.siteOverview": AGGREGATES,
        "Query.regroupingProposal": REGROUPING,
        "Employee.growthPath": GROWTH_VIEW,
        "Employee.readiness": GROWTH_VIEW,
    },
    as_parent={
        "Criterion": "key label required actual met",
        "PathChange": "kind occurredOn before after reason policyVersion criteria",
        "NextStep": "step label met policyVersion windowStart windowEnd criteria",
        "GrowthPath": "employeeId stage star track levelSince post asOf history progress",
        "ReadinessReason": "kind reason",
        "Readiness": "employeeId ready asOf reasons",
        "EnergyDay": (
            "day energy policyVersion teamId callsAnswered averageHandlingSeconds "
            "firstContactResolution customerSatisfaction qaScore attendance"
        ),
        "EnergyDecision": (
            "kind windowStart windowEnd kpiDays energy rewardAmount level days acceptanceTest "
            "orderId startsOn endsOn policyVersion"
        ),
        "Energy": "employeeId start end average latest days decisions",
        "LeaderboardEntry": "rank employeeId displayName teamId value",
        "Leaderboard": "siteId teamId metric day higherIsBetter entries",
        "StatementCourse": "courseId courseTitle outcome score day retake",
        "MonthEnergy": "month energy days",
        "BoardHighlight": "metric days first topThree",
        "AnnualStatement": (
            "employeeId displayName year stage star starsGained starsLost graduated "
            "trainingsPassed trainingsFailed courses energyByMonth energyTrend rewards "
            "rewardTotal offpostTrainings issuesRaised issuesResolved couponsGranted couponTotal "
            "suggestionsAdopted highlights changes printableUrl"
        ),
        "LevelCount": "level headcount",
        "Figures": (
            "headcount ready byStage byStar promotions demotions graduations averageEnergy"
        ),
        "TeamOverview": "teamId headcount figures",
        "SiteOverview": "siteId start end asOf figures teams",
        "ProposedTeam": "teamId size starTotal averageStar byStar bySkill",
        "ProposedMove": "employeeId fromTeamId toTeamId star",
        "RegroupingProposal": (
            "proposalId siteId proposedOn teamCount optimal moves sizeSpread starTotalSpread "
            "teams assignments acceptedOn"
        ),
        "ProposalRecorded": "result proposal",
        "TransferAnswer": "employeeId toTeamId eventId duplicate code message",
        "ProposalAccepted": "result transfers",
    },
    answers={
        REGROUPING_PROPOSED: Answer(ProposalRecorded, proposal_recorded),
        REGROUPING_ACCEPTED: Answer(ProposalAccepted, proposal_accepted),
    },
    routes=statement_routes,
)

__all__ = ["DOMAIN", "placement_of"]
