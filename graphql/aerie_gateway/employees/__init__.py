"""The unified employee view, a site's roster and a site in numbers; publishEvent."""

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.employees.mutations import EmployeeMutations
from aerie_gateway.employees.queries import EmployeeQueries
from aerie_gateway.permissions import COMPANY, SELF, SITE, TEAM, for_people, grants

EMPLOYEE_VIEW = grants(agent=SELF, team_lead=TEAM, site_manager=SITE, qa=COMPANY, hr=COMPANY)
"""Who may read an employee's unified view, and how far each role reaches."""


DOMAIN = GatewayDomain(
    name="employees",
    query=EmployeeQueries,
    mutation=EmployeeMutations,
    fields={
        "Query.me": for_people(SELF, site_publisher=SELF, hris=SELF, lms=SELF),
        "Query.employee": EMPLOYEE_VIEW,
        "Query.employees": grants(team_lead=TEAM, site_manager=SITE, qa=COMPANY, hr=COMPANY),
        "Query.siteSummary": grants(site_manager=SITE, analyst=COMPANY, hr=COMPANY),
        "CommandResult.view": EMPLOYEE_VIEW,
        # the unified view: what its reader may see of an employee
        "Employee.openIssues": grants(agent=SELF, hr=COMPANY),
    },
    as_parent={
        "Employee": (
            "id siteId teamId displayName role status hiredOn leftOn starLevel "
            "trainingsPassedCount openIssueCount couponsGranted updatedAt trainingsPassed"
        ),
        "Me": "subject role site team department client",
        "TrainingPassed": "courseId courseTitle score passedOn",
        "Issue": "issueId department title status raisedAt holderId",
        "CouponSummary": "count totalAmount",
        "EmployeeEdge": "cursor node",
        "PageInfo": "hasNextPage endCursor",
        "EmployeeConnection": "edges pageInfo",
        "CommandResult": "eventId type context position duplicate",
        "ViewAfterWrite": "status employee",
        "SiteSummary": (
            "siteId headcount byStar teams anonymityThreshold surveyId surveyAnonymityThreshold"
        ),
        "StarCount": "starLevel headcount",
        "TeamSummary": "teamId headcount averageStar surveyAnswers averageSurvey",
    },
    mutations={"publishEvent": None},
)
