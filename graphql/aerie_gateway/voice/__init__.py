"""The employee opinion platform in GraphQL: departments, issues, the board, escalations.

Who reads what: an employee their own issues (an anonymous one only with its
follow-up key); a responder their department's queue and its issues;
leadership (``hr``) every issue and the escalations; analysts the figures
only (per department and week, never an issue or a person); everyone the
published departments and the public board.
"""

from aerie_events.catalog.voice import (
    DEPARTMENT_PUBLISHED,
    ISSUE_ACCEPTED,
    ISSUE_COMMENTED,
    ISSUE_ESCALATED,
    ISSUE_HANDED_OVER,
    ISSUE_LINKED,
    ISSUE_RAISED,
    ISSUE_REASSIGNED,
    ISSUE_REJECTED,
    ISSUE_REPLIED,
    ISSUE_REPRIORITISED,
    ISSUE_RESOLVED,
    SUGGESTION_ADOPTED,
)

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
        DEPARTMENT_PUBLISHED: grants(hr=COMPANY),
        ISSUE_RAISED: only_oneself(),
        ISSUE_HANDED_OVER: grants(hr=COMPANY),
        ISSUE_REASSIGNED: RESPONDERS,
        ISSUE_REPRIORITISED: RESPONDERS,
        ISSUE_REPLIED: RESPONDERS,
        ISSUE_RESOLVED: RESPONDERS,
        ISSUE_LINKED: RESPONDERS,
        SUGGESTION_ADOPTED: RESPONDERS,
        ISSUE_ESCALATED: grants(hr=COMPANY),
        ISSUE_ACCEPTED: EVERYONE,
        ISSUE_REJECTED: EVERYONE,
        ISSUE_COMMENTED: EVERYONE,
    },
    mutations={
        "publishDepartment": DEPARTMENT_PUBLISHED,
        "raiseIssue": ISSUE_RAISED,
        "reassignIssue": ISSUE_REASSIGNED,
        "reprioritiseIssue": ISSUE_REPRIORITISED,
        "replyToIssue": ISSUE_REPLIED,
        "escalateIssue": ISSUE_ESCALATED,
        "resolveIssue": ISSUE_RESOLVED,
        "linkIssue": ISSUE_LINKED,
        "adoptSuggestion": SUGGESTION_ADOPTED,
        "acceptReply": ISSUE_ACCEPTED,
        "rejectReply": ISSUE_REJECTED,
        "commentOnIssue": ISSUE_COMMENTED,
    },
)
