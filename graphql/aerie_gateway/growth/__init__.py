"""The growth paths in GraphQL: the ladder, readiness, energy, the boards, the energy bill,
the site overview, team regrouping; and the writes of KPI facts, steps and learning."""

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.growth.mutations import GrowthMutations
from aerie_gateway.growth.queries import GrowthQueries
from aerie_gateway.growth.statement import STATEMENT, statement_routes
from aerie_gateway.growth.types import placement_of
from aerie_gateway.permissions import COMPANY, SELF, SITE, TEAM, Placement, grants, target

GROWTH_VIEW = grants(agent=SELF, team_lead=TEAM, site_manager=SITE, qa=COMPANY, hr=COMPANY)
"""Who may read an employee's growth path, readiness and energy."""
BOARDS = grants(agent=SITE, team_lead=SITE, site_manager=SITE, qa=COMPANY, hr=COMPANY)
"""The daily boards: everyone of the site sees them."""
AGGREGATES = grants(analyst=COMPANY, hr=COMPANY, site_manager=SITE)
REGROUPING = grants(site_manager=SITE, hr=COMPANY)
LADDER = grants(hr=COMPANY, site_manager=SITE, team_lead=TEAM, site_publisher=SITE)
LMS = grants(lms=COMPANY, site_publisher=SITE)
MANAGERS_ONLY = grants()
"""Decided by the process managers; only an admin may record one by hand."""


@target("Employee.growthPath")
@target("Employee.readiness")
def _the_employee(source: object, _info: object, _arguments: object) -> Placement:
    return source.placement  # type: ignore[attr-defined]


DOMAIN = GatewayDomain(
    name="growth",
    query=GrowthQueries,
    mutation=GrowthMutations,
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
    writes={
        "kpi.recorded": grants(site_publisher=SITE),
        "chick.graduated": LADDER,
        "star.promoted": LADDER,
        "star.demoted": LADDER,
        "track.changed": grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        "training.assigned": grants(
            lms=COMPANY, site_publisher=SITE, team_lead=TEAM, site_manager=SITE
        ),
        "training.passed": LMS,
        "training.failed": LMS,
        "study_plan.started": grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        "study_plan.ended": grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        "study.logged": LMS,
        "quiz.scored": LMS,
        "makeup_exam.passed": LMS,
        "makeup_exam.failed": LMS,
        "acceptance_test.passed": LMS,
        "acceptance_test.failed": LMS,
        "energy.rewarded": MANAGERS_ONLY,
        "offpost_training.ordered": MANAGERS_ONLY,
        "employee.repositioned": MANAGERS_ONLY,
        "study.missed": MANAGERS_ONLY,
        "regrouping.proposed": REGROUPING,
        "regrouping.accepted": REGROUPING,
    },
    mutations={
        "recordKpi": "kpi.recorded",
        "graduateChick": "chick.graduated",
        "promoteStar": "star.promoted",
        "demoteStar": "star.demoted",
        "changeTrack": "track.changed",
        "assignTraining": "training.assigned",
        "passTraining": "training.passed",
        "failTraining": "training.failed",
        "startStudyPlan": "study_plan.started",
        "endStudyPlan": "study_plan.ended",
        "logStudy": "study.logged",
        "scoreQuiz": "quiz.scored",
        "passMakeupExam": "makeup_exam.passed",
        "failMakeupExam": "makeup_exam.failed",
        "passAcceptanceTest": "acceptance_test.passed",
        "failAcceptanceTest": "acceptance_test.failed",
        "proposeRegrouping": "regrouping.proposed",
        "acceptRegrouping": "regrouping.accepted",
    },
    routes=statement_routes,
)

__all__ = ["DOMAIN", "placement_of"]
