"""The employee opinion platform in GraphQL: departments, issues, the board, escalations.

Who reads what: an employee their own issues (an anonymous one only with its
follow-up key); a responder their department's queue and its issues;
leadership (``hr``) every issue and the escalations; analysts the figures
only (per department and week, never an issue or a person); everyone the
published departments and the public board.
"""

from aerie_gateway.domain import GatewayDomain
from aerie_gateway.permissions import (
    COMPANY,
    DEPARTMENT,
    PEOPLE,
    SELF,
    Rule,
    for_people,
    grants,
    only_oneself,
)
from aerie_gateway.voice import mutations, queries, types

EVERYONE = Rule({**dict.fromkeys(PEOPLE, COMPANY), "admin": COMPANY})
"""Anyone signed in as a person."""
RESPONDERS = grants(responder=DEPARTMENT, hr=COMPANY)
"""The department holding the issue, and leadership."""

DOMAIN = GatewayDomain(
    name="voice",
    query=queries.VoiceQueries,
    mutation=mutations.VoiceMutations,
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
    writes={
        "department.published": grants(hr=COMPANY),
        "issue.raised": only_oneself(),
        "issue.handed_over": grants(hr=COMPANY),
        "issue.reassigned": RESPONDERS,
        "issue.reprioritised": RESPONDERS,
        "issue.replied": RESPONDERS,
        "issue.resolved": RESPONDERS,
        "issue.linked": RESPONDERS,
        "suggestion.adopted": RESPONDERS,
        "issue.escalated": grants(hr=COMPANY),
        "issue.accepted": EVERYONE,
        "issue.rejected": EVERYONE,
        "issue.commented": EVERYONE,
    },
    mutations={
        "publishDepartment": "department.published",
        "raiseIssue": "issue.raised",
        "reassignIssue": "issue.reassigned",
        "reprioritiseIssue": "issue.reprioritised",
        "replyToIssue": "issue.replied",
        "escalateIssue": "issue.escalated",
        "resolveIssue": "issue.resolved",
        "linkIssue": "issue.linked",
        "adoptSuggestion": "suggestion.adopted",
        "acceptReply": "issue.accepted",
        "rejectReply": "issue.rejected",
        "commentOnIssue": "issue.commented",
    },
)
