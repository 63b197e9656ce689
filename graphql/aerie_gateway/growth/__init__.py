"""The growth paths in GraphQL: the ladder, readiness, energy, the boards, the energy bill,
the site overview, team regrouping; and the writes of KPI facts, steps and learning."""

from aerie_events.catalog.learning import (
    ACCEPTANCE_TEST_FAILED,
    ACCEPTANCE_TEST_PASSED,
    MAKEUP_EXAM_FAILED,
    MAKEUP_EXAM_PASSED,
    QUIZ_SCORED,
    STUDY_LOGGED,
    STUDY_MISSED,
    STUDY_PLAN_ENDED,
    STUDY_PLAN_STARTED,
    TRAINING_ASSIGNED,
    TRAINING_FAILED,
    TRAINING_PASSED,
)
from aerie_events.catalog.performance import (
    CHICK_GRADUATED,
    EMPLOYEE_REPOSITIONED,
    ENERGY_REWARDED,
    KPI_RECORDED,
    OFFPOST_TRAINING_ORDERED,
    REGROUPING_ACCEPTED,
    REGROUPING_PROPOSED,
    STAR_DEMOTED,
    STAR_PROMOTED,
    TRACK_CHANGED,
)

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
        KPI_RECORDED: grants(site_publisher=SITE),
        CHICK_GRADUATED: LADDER,
        STAR_PROMOTED: LADDER,
        STAR_DEMOTED: LADDER,
        TRACK_CHANGED: grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        TRAINING_ASSIGNED: grants(
            lms=COMPANY, site_publisher=SITE, team_lead=TEAM, site_manager=SITE
        ),
        TRAINING_PASSED: LMS,
        TRAINING_FAILED: LMS,
        STUDY_PLAN_STARTED: grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        STUDY_PLAN_ENDED: grants(hr=COMPANY, site_manager=SITE, site_publisher=SITE),
        STUDY_LOGGED: LMS,
        QUIZ_SCORED: LMS,
        MAKEUP_EXAM_PASSED: LMS,
        MAKEUP_EXAM_FAILED: LMS,
        ACCEPTANCE_TEST_PASSED: LMS,
        ACCEPTANCE_TEST_FAILED: LMS,
        ENERGY_REWARDED: MANAGERS_ONLY,
        OFFPOST_TRAINING_ORDERED: MANAGERS_ONLY,
        EMPLOYEE_REPOSITIONED: MANAGERS_ONLY,
        STUDY_MISSED: MANAGERS_ONLY,
        REGROUPING_PROPOSED: REGROUPING,
        REGROUPING_ACCEPTED: REGROUPING,
    },
    mutations={
        "recordKpi": KPI_RECORDED,
        "graduateChick": CHICK_GRADUATED,
        "promoteStar": STAR_PROMOTED,
        "demoteStar": STAR_DEMOTED,
        "changeTrack": TRACK_CHANGED,
        "assignTraining": TRAINING_ASSIGNED,
        "passTraining": TRAINING_PASSED,
        "failTraining": TRAINING_FAILED,
        "startStudyPlan": STUDY_PLAN_STARTED,
        "endStudyPlan": STUDY_PLAN_ENDED,
        "logStudy": STUDY_LOGGED,
        "scoreQuiz": QUIZ_SCORED,
        "passMakeupExam": MAKEUP_EXAM_PASSED,
        "failMakeupExam": MAKEUP_EXAM_FAILED,
        "passAcceptanceTest": ACCEPTANCE_TEST_PASSED,
        "failAcceptanceTest": ACCEPTANCE_TEST_FAILED,
        "proposeRegrouping": REGROUPING_PROPOSED,
        "acceptRegrouping": REGROUPING_ACCEPTED,
    },
    routes=statement_routes,
)

__all__ = ["DOMAIN", "placement_of"]
