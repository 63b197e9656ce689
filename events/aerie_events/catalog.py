"""Every event type the platform records, with its payload fields.

Names are ``<subject>.<past-tense verb>``. A type's ``schema_version`` rises
whenever its payload changes shape; old versions are upcast on read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aerie_events.fields import Field, FieldProblem, PayloadInvalid, clean_payload
from aerie_events.scales import SCALE_VERSIONS, SCALES

ROLES = ("agent", "team_lead", "site_manager", "responder", "trainer", "qa")
LEAVING_REASONS = ("resigned", "dismissed", "retired", "contract_ended", "other")
DEPARTMENTS = ("hr", "it", "scheduling", "facilities", "training", "quality", "leadership")
"""The departments of version 1 of ``issue.raised`` (now published as data, version 2 on)."""
ISSUE_KINDS = ("issue", "suggestion")
PRIORITIES = ("urgent", "high", "normal", "low")
"""From the most to the least urgent: a deadline never grows with urgency."""
VISIBILITIES = ("private", "public")
ESCALATION_REASONS = ("overdue", "rejected")
MAX_REPLY_MINUTES = 60 * 24 * 30
"""The longest reply deadline a department may publish, in working minutes."""
COUPON_SCENARIOS = (
    "cleaning_unsatisfactory",
    "late_arrival",
    "damaged_item",
    "repeat_visit",
    "service_attitude",
    "other",
)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SCALE_NAMES = tuple(SCALES)
SURVEY_QUESTION = Field(
    "record",
    "A scale question.",
    fields={
        "question_id": Field("id", "The question; the same id in each wave compares it."),
        "text": Field("text", "What it asks.", max_length=300),
        "scale": Field("enum", "Its answer scale (see aerie_events.scales).", choices=SCALE_NAMES),
        "role": Field(
            "enum",
            "overall: overall satisfaction; enps: the eNPS item (0-10); driver: what drives it.",
            choices=("overall", "enps", "driver"),
        ),
    },
)
ANSWER_FIELDS = {
    "overall": Field("int", "Overall satisfaction.", minimum=0, maximum=10),
    "enps": Field("int", "The eNPS answer.", minimum=0, maximum=10),
    "drivers": Field("scores", "Each driver's answer.", minimum=0, maximum=10),
}
LEGACY_NULL = (
    "Null in an answer recorded under schema 1, before answers were anonymous: "
    "its scores are withheld from every reader."
)


@dataclass(frozen=True)
class EventType:
    """One kind of fact: its name, its bounded context and its payload fields.

    ``keyed_by`` names the payload field that keys the event on its topic, so
    that every event of one issue, survey or site stays in order in one
    partition; without it the event's subject employee keys it.
    """

    name: str
    context: str
    schema_version: int
    description: str
    fields: dict[str, Field]
    keyed_by: str | None = None

    def clean(self, payload: Any) -> dict[str, Any]:
        """Return the payload in stored form, or raise ``PayloadInvalid``."""
        return clean_payload(self.fields, payload)


def _ev(
    name: str,
    context: str,
    summary: str,
    /,
    *,
    keyed_by: str | None = None,
    **fields: Field,
) -> EventType:
    if keyed_by is not None and keyed_by not in fields:
        raise ValueError(f"{name}: keyed_by names {keyed_by!r}, which is not one of its fields")
    return EventType(name, context, 1, summary, fields, keyed_by)


# The growth paths (practices 1 to 3): the ladder, KPIs and energy, learning, regrouping.

_DAY = "A day, the site's local date."
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
KPI_FIELDS = {
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
WEEK = {
    "window_start": Field("date", "First day (a Monday) of the week of KPI facts that decided it."),
    "window_end": Field("date", "Last day of that week."),
    "kpi_days": Field("int", "Days with KPI facts in the week.", minimum=0, maximum=7),
    "energy": ENERGY_VALUE,
}
SCORED = {
    "score": Field("int", "Score.", minimum=0, maximum=100),
    "pass_mark": Field("int", "The score needed to pass.", minimum=0, maximum=100),
    "taken_on": Field("date", "Day of the exam."),
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

GROWTH_TYPES = [
    _ev(
        "training.assigned",
        "learning",
        "A course was assigned to an employee (targeted training, or off-post training).",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        assigned_on=Field("date", "Day it was assigned."),
        due_on=Field("date", "Day it should be passed by.", required=False),
        reason=Field("text", "Why it was assigned.", max_length=500),
    ),
    replace(
        _ev(
            "training.passed",
            "learning",
            "An employee passed a course's assessment (a second pass of a course is a retake).",
            course_id=Field("id", "The course, as the LMS names it."),
            course_title=Field("text", "The course title.", max_length=200),
            score=Field("int", "Assessment score.", minimum=0, maximum=100),
            pass_mark=Field("int", "The score needed to pass.", minimum=0, maximum=100),
            passed_on=Field("date", "Day of the assessment."),
            retake=Field(
                "bool", "True for a second pass of a course passed before.", required=False
            ),
        ),
        schema_version=2,
    ),
    _ev(
        "training.failed",
        "learning",
        "An employee's assessment score stayed under a course's pass mark.",
        course_id=Field("id", "The course, as the LMS names it."),
        course_title=Field("text", "The course title.", max_length=200),
        score=Field("int", "Assessment score.", minimum=0, maximum=100),
        pass_mark=Field("int", "The score needed to pass.", minimum=0, maximum=100),
        failed_on=Field("date", "Day of the assessment."),
    ),
    _ev(
        "study_plan.started",
        "learning",
        "An employee working from home has daily required study (minutes and a quiz) each day.",
        first_day=Field("date", "First day of the plan, the site's local date."),
        last_day=Field("date", "Last day of the plan (at most 92 days after the first)."),
        required_minutes=Field(
            "int", "Minutes of e-learning required each day.", minimum=1, maximum=480
        ),
        reason=Field("text", "Why (e.g. working from home during a lock-down).", max_length=500),
        time_zone=Field("zone", "The site's zone its days are counted in."),
    ),
    _ev(
        "study_plan.ended",
        "learning",
        "An employee's study plan ended before its last day (back at the site).",
        ended_on=Field("date", "Its last day now."),
        reason=Field("text", "Why it ended.", max_length=500),
    ),
    _ev(
        "study.logged",
        "learning",
        "Minutes of e-learning an employee studied on a day, as the LMS reports them.",
        day=Field("date", _DAY),
        minutes=Field("int", "Minutes studied.", minimum=1, maximum=720),
        course_id=Field("id", "The course studied."),
    ),
    _ev(
        "quiz.scored",
        "learning",
        "An employee's score in a post-class quiz.",
        quiz_id=Field("id", "The quiz."),
        course_id=Field("id", "Its course."),
        day=Field("date", _DAY),
        score=Field("int", "Score.", minimum=0, maximum=100),
    ),
    _ev(
        "study.missed",
        "learning",
        "A day of a study plan was missed: a make-up exam is required before calls.",
        day=Field("date", "The day missed, the site's local date."),
        required_minutes=Field("int", "Minutes required that day.", minimum=1, maximum=480),
        logged_minutes=Field("int", "Minutes studied that day.", minimum=0, maximum=10000),
        best_quiz_score=Field(
            "int",
            "Best quiz score that day.",
            minimum=0,
            maximum=100,
            nullable=True,
            required=False,
        ),
        reason=Field("text", "What was missing.", max_length=500),
    ),
    _ev(
        "makeup_exam.passed",
        "learning",
        "An employee passed the make-up exam for missed study: ready for calls again.",
        **SCORED,
    ),
    _ev(
        "makeup_exam.failed",
        "learning",
        "An employee's make-up exam score stayed under its pass mark.",
        **SCORED,
    ),
    _ev(
        "acceptance_test.passed",
        "learning",
        "An agent passed the acceptance test after seven days of off-post training.",
        order_id=Field("id", "The off-post training order the test closes."),
        **SCORED,
    ),
    _ev(
        "acceptance_test.failed",
        "learning",
        "An agent failed the acceptance test after off-post training: re-positioning follows.",
        order_id=Field("id", "The off-post training order the test closes."),
        **SCORED,
    ),
    _ev(
        "kpi.recorded",
        "performance",
        "A site's daily KPI facts of one agent, for one local day at the site.",
        day=Field("date", "The day the facts are of: the site's local date."),
        team_id=Field("id", "The agent's team that day (the boards rank within it)."),
        **KPI_FIELDS,
    ),
    _ev(
        "chick.graduated",
        "performance",
        "A chick eagle (a new agent in coaching) became a flying eagle at one star.",
        graduated_on=Field("date", "Day it takes effect."),
        reason=Field("text", "Why.", max_length=500),
        criteria=CRITERIA,
    ),
    replace(
        _ev(
            "star.promoted",
            "performance",
            "An agent moved one star up the growth ladder, the policy's criteria met.",
            from_star=Field("int", "Star level before.", minimum=1, maximum=4),
            to_star=Field("int", "Star level after.", minimum=2, maximum=5),
            reason=Field("text", "Why the agent was promoted.", max_length=500),
            promoted_on=Field("date", "Day the new level takes effect."),
            criteria=CRITERIA,
        ),
        schema_version=2,
    ),
    _ev(
        "star.demoted",
        "performance",
        "An agent moved one star down the growth ladder after sustained low performance.",
        from_star=Field("int", "Star level before.", minimum=2, maximum=5),
        to_star=Field("int", "Star level after.", minimum=1, maximum=4),
        reason=Field("text", "Why the agent was demoted.", max_length=500),
        demoted_on=Field("date", "Day the new level takes effect."),
        criteria=CRITERIA,
    ),
    _ev(
        "track.changed",
        "performance",
        "A five-star agent moved to a management or support track (or back to the agent track).",
        from_track=Field("enum", "Track before.", choices=TRACK_CHOICES),
        to_track=Field("enum", "Track after.", choices=TRACK_CHOICES),
        reason=Field("text", "Why.", max_length=500),
        changed_on=Field("date", "Day it takes effect."),
        criteria=CRITERIA,
    ),
    _ev(
        "energy.rewarded",
        "performance",
        "An agent's week of overflowing energy earned a reward in proportion to the overflow.",
        **WEEK,
        reward_amount=Field("decimal", "The reward.", minimum=0, maximum=100000),
        currency=Field("enum", "Currency of the reward.", choices=("CNY",)),
    ),
    _ev(
        "offpost_training.ordered",
        "performance",
        "An agent's low energy sent them to off-post training (seven days and a test when very low).",
        order_id=Field("id", "The order's identifier."),
        **WEEK,
        level=Field("enum", "How low the energy was.", choices=("low", "very_low")),
        days=Field("int", "Days off post.", minimum=1, maximum=30),
        acceptance_test=Field("bool", "Whether an acceptance test closes it."),
        starts_on=Field("date", "First day off post."),
        ends_on=Field("date", "Last day off post."),
    ),
    replace(
        _ev(
            "employee.repositioned",
            "performance",
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
        ),
        schema_version=2,
    ),
    _ev(
        "regrouping.proposed",
        "performance",
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
    _ev(
        "regrouping.accepted",
        "performance",
        "A regrouping proposal was accepted: its transfers are recorded one by one.",
        keyed_by="proposal_id",
        proposal_id=Field("id", "The proposal."),
        site_id=Field("id", "Its site."),
        accepted_on=Field("date", "Day the new teams start."),
        moves=Field("int", "Agents who change team.", minimum=0, maximum=5000),
    ),
]


_TYPES = [
    _ev(
        "site.opened",
        "organisation",
        "A contact-center site joined the company, with the time zone its days are counted in.",
        keyed_by="site_id",
        site_id=Field("id", "The site's identifier."),
        name=Field("text", "The site's name.", max_length=120),
        time_zone=Field("zone", "The site's time zone: its days and working hours are local."),
        opened_on=Field("date", "First working day of the site."),
    ),
    _ev(
        "site.calendar_published",
        "organisation",
        "A site's working hours and holidays, as of a version; deadlines count only these hours.",
        keyed_by="site_id",
        site_id=Field("id", "The site."),
        calendar_version=Field("id", "This calendar's version, e.g. 2026-01."),
        working_days=Field(
            "list",
            "The days of the week the site works.",
            item=Field("enum", "A day of the week.", choices=WEEKDAYS),
            max_items=7,
        ),
        opens_at=Field("time", "When a working day starts, local time."),
        closes_at=Field("time", "When a working day ends, local time (after opens_at)."),
        holidays=Field(
            "list",
            "Days the site does not work, though they fall on working days.",
            item=Field("date", "A holiday."),
            max_items=366,
        ),
    ),
    _ev(
        "employee.hired",
        "people",
        "A person joined a site's roster.",
        display_name=Field(
            "text", "The name colleagues know them by.", max_length=120, personal=True
        ),
        team_id=Field("id", "The team they join."),
        role=Field("enum", "The post they are hired into.", choices=ROLES),
        hired_on=Field("date", "First working day."),
    ),
    _ev(
        "employee.transferred",
        "people",
        "An employee moved to another team or site.",
        from_site_id=Field("id", "Site before the move."),
        from_team_id=Field("id", "Team before the move."),
        to_site_id=Field("id", "Site after the move."),
        to_team_id=Field("id", "Team after the move."),
        transferred_on=Field("date", "First day in the new team."),
    ),
    _ev(
        "employee.left",
        "people",
        "An employee left the company.",
        left_on=Field("date", "Last working day."),
        reason=Field("enum", "Why they left.", choices=LEAVING_REASONS),
    ),
    *GROWTH_TYPES,
    _ev(
        "department.published",
        "voice",
        "A department's scope, contact and reply deadlines were published (a new version).",
        keyed_by="department_id",
        department_id=Field("id", "The department."),
        name=Field("text", "The department's name.", max_length=120),
        scope=Field("text", "What employees may raise with it.", max_length=1000),
        contact_email=Field(
            "text", "Where routing and escalation emails go (a desk's address).", max_length=254
        ),
        reply_within=Field(
            "record",
            "Working minutes to the first reply, per priority.",
            fields={
                p: Field(
                    "int", f"Working minutes for a {p} issue.", minimum=1, maximum=MAX_REPLY_MINUTES
                )
                for p in PRIORITIES
            },
        ),
        leadership=Field("bool", "True for the company's leadership, which takes escalations."),
        version=Field(
            "int", "This version of the department (decided by the platform).", minimum=1
        ),
    ),
    replace(
        _ev(
            "issue.raised",
            "voice",
            "An employee raised an issue (or a suggestion) for a department; it is routed at once.",
            keyed_by="issue_id",
            issue_id=Field("id", "The issue's identifier."),
            kind=Field("enum", "An issue, or a suggestion.", choices=ISSUE_KINDS, required=False),
            department=Field("id", "The published department responsible."),
            priority=Field("enum", "How urgent it is.", choices=PRIORITIES, required=False),
            title=Field("text", "Short summary.", max_length=200, personal=True),
            description=Field("text", "What the issue is.", max_length=4000, personal=True),
            anonymous=Field("bool", "True when the author chose not to be named."),
            department_version=Field(
                "int", "The department's version it was routed by.", nullable=True, required=False
            ),
            reply_due_at=Field(
                "datetime",
                "When the department's first reply is due (working time of the site).",
                nullable=True,
                required=False,
            ),
        ),
        schema_version=2,
    ),
    _ev(
        "issue.handed_over",
        "voice",
        "A named issue passed to another employee to follow up (e.g. its author left).",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        to_employee_id=Field("id", "Who follows the issue up from now on."),
        reason=Field("text", "Why it was handed over.", max_length=500),
    ),
    _ev(
        "issue.reassigned",
        "voice",
        "A responder passed an issue to another department, with the reason.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        to_department=Field("id", "The published department that answers it now."),
        reason=Field("text", "Why it belongs there.", max_length=500),
        from_department=Field("id", "The department it came from."),
        priority=Field("enum", "Its priority.", choices=PRIORITIES),
        department_version=Field("int", "The new department's version it was routed by."),
        reply_due_at=Field("datetime", "When the new department's first reply is due."),
    ),
    _ev(
        "issue.reprioritised",
        "voice",
        "An issue's priority changed, and with it its reply deadline.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        priority=Field("enum", "The new priority.", choices=PRIORITIES),
        reason=Field("text", "Why.", max_length=500),
        reply_due_at=Field("datetime", "When the reply is due now.", nullable=True),
    ),
    _ev(
        "issue.replied",
        "voice",
        "The department (or, once escalated, leadership) replied, privately or on the board.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        text=Field("text", "The reply.", max_length=4000, personal=True),
        visibility=Field(
            "enum", "public: on the board every employee reads.", choices=VISIBILITIES
        ),
        department=Field("id", "The department that replied."),
        reply_number=Field("int", "1 for the first reply, and so on.", minimum=1),
    ),
    _ev(
        "issue.accepted",
        "voice",
        "The author accepted the latest reply.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author accepted it (by its key)."),
        comment=Field(
            "text", "The author's words.", max_length=2000, required=False, personal=True
        ),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
        reply_number=Field("int", "The reply accepted.", minimum=1),
    ),
    _ev(
        "issue.rejected",
        "voice",
        "The author rejected the latest reply as not good enough: leadership takes the issue over.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author rejected it (by its key)."),
        reason=Field("text", "What is still wrong.", max_length=2000, personal=True),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
        reply_number=Field("int", "The reply rejected.", minimum=1),
    ),
    _ev(
        "issue.commented",
        "voice",
        "The author added to an open issue.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        anonymous=Field("bool", "True when the anonymous author wrote it (by its key)."),
        text=Field("text", "What the author adds.", max_length=4000, personal=True),
        follow_up_key=Field(
            "text",
            "An anonymous issue's follow-up key: checked, never stored.",
            max_length=64,
            required=False,
        ),
    ),
    _ev(
        "issue.escalated",
        "voice",
        "An issue went to leadership: its reply was late (the breach is the deadline) or rejected.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        reason=Field("enum", "overdue or rejected.", choices=ESCALATION_REASONS),
        breach_at=Field("datetime", "The deadline missed, or when the reply was rejected."),
        from_department=Field("id", "The department that held it."),
        to_department=Field("id", "The leadership department."),
        priority=Field("enum", "Its priority.", choices=PRIORITIES),
        reply_due_at=Field("datetime", "When leadership's reply is due.", nullable=True),
        escalation_number=Field("int", "1 for the first escalation, and so on.", minimum=1),
    ),
    _ev(
        "issue.resolved",
        "voice",
        "The issue's department closed it after the author accepted the reply.",
        keyed_by="issue_id",
        issue_id=Field("id", "The issue."),
        note=Field("text", "What was done.", max_length=2000, required=False, personal=True),
    ),
    _ev(
        "issue.linked",
        "voice",
        "A similar issue was linked to a representative issue (answered once on the board).",
        keyed_by="issue_id",
        issue_id=Field("id", "The similar issue."),
        representative_issue_id=Field("id", "The issue that represents it."),
    ),
    _ev(
        "suggestion.adopted",
        "voice",
        "A suggestion was adopted; it shows on its author's growth path unless it was anonymous.",
        keyed_by="issue_id",
        issue_id=Field("id", "The suggestion."),
        adopted_on=Field("date", "The day it was adopted."),
        note=Field("text", "How it is put to use.", max_length=2000, required=False),
    ),
    _ev(
        "coupon.granted",
        "coupons",
        "An agent granted a customer a compensation coupon within their limit.",
        coupon_id=Field("id", "The coupon's identifier."),
        customer_ref=Field("id", "The customer, as the service system names them."),
        scenario=Field("enum", "The compensation scenario.", choices=COUPON_SCENARIOS),
        amount=Field("decimal", "Coupon value.", minimum=0, maximum=100000),
        currency=Field("enum", "Currency of the amount.", choices=("CNY",)),
        limit=Field("decimal", "The agent's limit that applied.", minimum=0, maximum=100000),
    ),
    replace(
        _ev(
            "survey.published",
            "surveys",
            "A satisfaction survey was published: its questions, whom it asks and when it is open.",
            keyed_by="survey_id",
            survey_id=Field("id", "The survey (one wave of its series)."),
            series_id=Field("id", "The series its waves belong to; waves compare by question id."),
            title=Field("text", "The survey's title.", max_length=200),
            questions=Field(
                "list",
                "Its scale questions: one overall-satisfaction item, one eNPS item, drivers.",
                item=SURVEY_QUESTION,
                max_items=40,
            ),
            comment_prompt=Field(
                "text", "The free-text question, if it asks one.", max_length=300, required=False
            ),
            sites=Field(
                "list",
                "Sites it asks (with teams; neither: everyone).",
                item=Field("id", "A site."),
                max_items=100,
                required=False,
            ),
            teams=Field(
                "list",
                "Teams it asks, wherever they are.",
                item=Field("id", "A team."),
                max_items=1000,
                required=False,
            ),
            opens_on=Field("date", "First day it takes answers, in each site's local date."),
            closes_on=Field("date", "Last day it takes answers, in each site's local date."),
            closes_at=Field(
                "datetime", "When it closes on schedule: once its last day has ended everywhere."
            ),
            anonymity_threshold=Field(
                "int",
                "No group of fewer respondents is shown: the policy's minimum, or more if asked.",
                minimum=2,
                maximum=1000,
                required=False,
            ),
            scales_version=Field(
                "enum",
                "The version of the scales' bands (favourable, unfavourable, eNPS) its results read.",
                choices=tuple(SCALE_VERSIONS),
            ),
        ),
        schema_version=2,
    ),
    replace(
        _ev(
            "survey.answered",
            "surveys",
            "Someone answered a survey, or corrected their answer, under a pseudonymous response.",
            keyed_by="survey_id",
            survey_id=Field("id", "The survey."),
            response_id=Field(
                "id",
                "The response: a keyed hash no role can link to a person. " + LEGACY_NULL,
                nullable=True,
            ),
            revision=Field(
                "int",
                "1 for the first answer, then one more per correction.",
                minimum=1,
                nullable=True,
            ),
            site_id=Field("id", "Where the respondent sat when first answering.", nullable=True),
            team_id=Field("id", "Their team then (results count it there).", nullable=True),
            overall=Field(
                "int",
                "Overall satisfaction, on its question's scale.",
                minimum=0,
                maximum=10,
                nullable=True,
            ),
            enps=Field(
                "int",
                "How likely to recommend working here, 0 to 10.",
                minimum=0,
                maximum=10,
                nullable=True,
            ),
            drivers=Field(
                "scores",
                "Each driver question's answer, by question id.",
                minimum=0,
                maximum=10,
                nullable=True,
            ),
            comment=Field(
                "text",
                "The answer to the free-text question, sealed with a key of the response's own.",
                max_length=2000,
                required=False,
                personal=True,
            ),
            previous=Field(
                "record",
                "A correction's replaced answer (overall, enps, drivers).",
                fields=ANSWER_FIELDS,
                required=False,
            ),
            anonymous=Field("bool", "Always true from schema 2 on: the answer names no one."),
        ),
        schema_version=2,
    ),
    _ev(
        "survey.closed",
        "surveys",
        "A survey closed: no answer or correction is taken after this; results can be shown.",
        keyed_by="survey_id",
        survey_id=Field("id", "The survey."),
        reason=Field("enum", "Why it closed.", choices=("scheduled", "early")),
        responses=Field("int", "How many responses it holds.", minimum=0),
    ),
]

CATALOG: dict[str, EventType] = {t.name: t for t in _TYPES}


def key_of(type_name: str, payload: dict[str, Any], employee_id: str | None) -> str | None:
    """What an event is about, as its topic's key: the type's ``keyed_by`` field, else its subject.

    None when the event has neither (its id keys it then, see ``Envelope.key``).
    """
    event = CATALOG.get(type_name)
    keyed_by = event.keyed_by if event is not None else None
    key = payload.get(keyed_by) if keyed_by else None
    return str(key) if key else (str(employee_id) if employee_id else None)


class UnknownEventType(PayloadInvalid):
    """Raised for an event type the catalog does not define."""

    code = "UNKNOWN_EVENT_TYPE"

    def __init__(self, name: object) -> None:
        super().__init__(
            [FieldProblem("type", f"{name!r} is not a known event type", ", ".join(CATALOG))]
        )


def event_type(name: str) -> EventType:
    """Look up an event type by name, or raise ``UnknownEventType``."""
    try:
        return CATALOG[name]
    except (KeyError, TypeError):
        raise UnknownEventType(name) from None
