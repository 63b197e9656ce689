"""Given / when / then on the published table of departments."""

from typing import Any

import pytest
from aerie_services.voice.departments import Directory
from aerie_services.voice.errors import InvalidDepartment, NoLeadership, UnknownDepartment

TIMES = {"urgent": 60, "high": 240, "normal": 480, "low": 960}


def data(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Human resources",
        "scope": "Pay, leave, contracts",
        "contact_email": "hr-desk@example.com",
        "reply_within": TIMES,
        "leadership": False,
        **changes,
    }


def published(directory: Directory, department_id: str, **changes: Any) -> None:
    directory.record(directory.publish(department_id, data(**changes)))


def test_a_department_is_published_as_version_one_and_revised_as_the_next() -> None:
    directory = Directory()
    published(directory, "hr")
    revised = directory.publish("hr", data(scope="Pay, leave, contracts, pensions"))
    assert (directory.route("hr").version, revised.version) == (1, 2)
    assert revised.policy_version == "department:hr/v2"


def test_an_issue_for_an_unpublished_department_is_refused_naming_the_published_ones() -> None:
    directory = Directory()
    published(directory, "hr")
    published(directory, "it", contact_email="it@example.com")
    with pytest.raises(UnknownDepartment) as refused:
        directory.route("canteen")
    assert refused.value.allowed == "one of hr, it"


def test_only_one_department_is_leadership() -> None:
    directory = Directory()
    published(directory, "board", leadership=True)
    with pytest.raises(InvalidDepartment) as refused:
        published(directory, "hr", leadership=True)
    assert refused.value.field == "leadership"


def test_the_leadership_department_stays_leadership() -> None:
    directory = Directory()
    published(directory, "board", leadership=True)
    with pytest.raises(InvalidDepartment):
        published(directory, "board", leadership=False)
    assert directory.leadership().department_id == "board"


def test_escalation_without_a_leadership_department_is_refused() -> None:
    with pytest.raises(NoLeadership):
        Directory().leadership()


@pytest.mark.parametrize(
    "reply_within",
    [
        {"urgent": 60, "high": 240, "normal": 480},
        {"urgent": 600, "high": 240, "normal": 480, "low": 960},
        {"urgent": 0, "high": 240, "normal": 480, "low": 960},
        {"urgent": 1.5, "high": 240, "normal": 480, "low": 960},
    ],
)
def test_reply_deadlines_name_every_priority_in_whole_minutes_and_never_grow_with_urgency(
    reply_within: dict[str, Any],
) -> None:
    with pytest.raises(InvalidDepartment) as refused:
        Directory().publish("hr", data(reply_within=reply_within))
    assert refused.value.field == "replyWithin"


@pytest.mark.parametrize("address", ["hr", "hr@", "a b@example.com", "<x>@example.com", "x@y"])
def test_a_contact_that_is_not_one_email_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidDepartment) as refused:
        Directory().publish("hr", data(contact_email=address))
    assert refused.value.field == "contactEmail"
