"""Satisfaction surveys in GraphQL: published, answered under pseudonyms, results as shown.

Every figure is a closed survey's, of a group shown under its anonymity
threshold and complementary withholding, whoever asks, admin included; the
charts (``routes``) draw the same figures.
"""

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.surveys.queries import SurveyQueries
from aerie_gateway.surveys.routes import routes
from aerie_gateway.surveys.rules import COMMENTS, DEFINITIONS, RESULTS, TRENDS

DOMAIN = GatewayDomain(
    name="surveys",
    query=SurveyQueries,
    fields={
        "Query.surveys": DEFINITIONS,
        "Query.survey": DEFINITIONS,
        "Query.surveyTrend": TRENDS,
        "Survey.results": RESULTS,
        "Survey.drivers": RESULTS,
        "Survey.driverChart": RESULTS,
        "Survey.comments": COMMENTS,
    },
    as_parent={
        "Survey": (
            "id seriesId title questions commentPrompt sites teams opensOn closesOn status "
            "closedAt closeReason anonymityThreshold policyVersion"
        ),
        "SurveyQuestion": "id text scale role",
        "ChartLink": "url expiresAt",
        "SurveyResultsView": (
            "surveyId status anonymityThreshold policyVersion scalesVersion groups"
        ),
        "GroupFigures": ("kind siteId teamId shown withheld invited responses responseRate items"),
        "ItemFigures": (
            "questionId role text scale responses mean favourable unfavourable correlation enps"
        ),
        "DriverAnalysisView": (
            "surveyId kind siteId teamId performanceMeasure shown importanceCut performanceCut "
            "previousSurveyId version drivers"
        ),
        "DriverRank": (
            "questionId text importance performance quadrant priority rank previousImportance "
            "previousPerformance previousRank previousQuadrant"
        ),
        "SurveyTrend": "seriesId points chart",
        "TrendPointView": (
            "surveyId title opensOn closesOn kind siteId shown withheld responses overallMean "
            "overallPercent favourable enps customerSatisfaction agents"
        ),
    },
    routes=routes,
)
