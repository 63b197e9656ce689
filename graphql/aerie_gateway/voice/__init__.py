"""The employee opinion platform in GraphQL: departments, issues, the board, escalations.

Who reads what: an employee their own issues (an anonymous one only with its
follow-up key); a responder their department's queue and its issues;
leadership (``hr``) every issue and the escalations; analysts the figures
only (per department and week, never an issue or a person); everyone the
published departments and the public board.
"""

from aerie_events.catalog.voice import ISSUE_RAISED
from aerie_services.kit.access import EVERYONE
from aerie_services.voice import RESPONDERS

from aerie_gateway.commands import Answer
from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import COMPANY, DEPARTMENT, SELF, for_people, grants
from aerie_gateway.voice import queries, receipt, types
from aerie_gateway.voice.types import IssueReceipt

DOMAIN = GatewayDomain(
    name="voice",
    query=queries.VoiceQueries,
    fields={
        "Query.departments": EVERYONE,
        "Query.myIssues": for_people(SELF),
        "Query.anonymousIssue": EVERYONE,
        "Query.issue": for_people(SELF, responder=DEPARTMENT, hr=COMPANY),
        "Query.departmentQueue": RESPONDERS,
        "Query.issueBoard": EVERYONE,
        "Query.escalations": grants(hr=COMPANY),
        "Query.voiceFigures": grants(analyst=COMPANY, hr=COMPANY),
    },
    as_parent=types.AS_PARENT,
    answers={ISSUE_RAISED: Answer(IssueReceipt, receipt.issue_receipt)},
)
