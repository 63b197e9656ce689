"""Surveys through the running platform: answers as each person, results as every role shows them.

Two waves of a pulse survey, answered through the gateway by each employee as
themselves. The differencing attacks the anonymity rules are for are tried
as every role that may read results, admin included: site minus team, a
team with and without one person (before and after the close), and
overlapping requests. None recovers a group smaller than the threshold, so
none recovers anyone's answer.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from aerie_events.catalog.organisation import SITE_OPENED
from aerie_events.catalog.people import EMPLOYEE_TRANSFERRED
from aerie_events.catalog.performance import KPI_RECORDED
from aerie_events.catalog.surveys import SURVEY_ANSWERED, SURVEY_PUBLISHED
from aerie_projections.satisfaction.disclosure import RULES, disclose
from aerie_projections.satisfaction.statistics import OVERALL, fold
from aerie_services.surveys.policy import ANONYMITY

from tests.conftest import Platform, hire, new_id, token_for, wait_until

RUN = new_id("SV")
SITE, OTHER = f"{RUN}-north", f"{RUN}-south"
TEAMS = {(SITE, "t1"): 8, (SITE, "t2"): 6, (SITE, "t3"): 3, (OTHER, "o1"): 6}
THRESHOLD = 5
READERS = {
    "analyst": {"subject": f"{RUN}-analyst"},
    "hr": {"subject": f"{RUN}-hr"},
    "site_manager": {"subject": f"{RUN}-manager", "site": SITE},
    "admin": {"subject": "admin"},
}
TODAY = dt.date.today()
WAVES = ("wave-1", "wave-2")  # wave 1 closes first: the previous wave of wave 2
QUESTIONS = [
    {"questionId": "overall", "text": "All in all, satisfied?", "scale": "1-5", "role": "overall"},
    {"questionId": "recommend", "text": "Recommend us?", "scale": "0-10", "role": "enps"},
    {"questionId": "workload", "text": "Workload is manageable", "scale": "1-5", "role": "driver"},
    {"questionId": "coaching", "text": "Coaching helps", "scale": "1-5", "role": "driver"},
    {"questionId": "canteen", "text": "The canteen is fine", "scale": "0-10", "role": "driver"},
]
RESULTS = """query($id: ID!, $by: SurveyGroupKind!, $site: ID) { survey(id: $id) {
  status results(groupBy: $by, siteId: $site) { status anonymityThreshold policyVersion
    groups { kind siteId teamId shown withheld invited responses responseRate
      items { questionId role responses mean favourable unfavourable correlation enps } } } } }"""
DRIVERS = """query($id: ID!, $by: SurveyGroupKind!, $site: ID, $team: ID) { survey(id: $id) {
  drivers(groupBy: $by, siteId: $site, teamId: $team) { shown previousSurveyId importanceCut
    drivers { questionId rank quadrant importance performance priority previousRank } }
  driverChart(groupBy: $by, siteId: $site, teamId: $team) { url expiresAt } } }"""


def survey_id(wave: str) -> str:
    return f"{RUN}-{wave}"


def people() -> dict[str, tuple[str, str]]:
    """Each employee's (site, team)."""
    return {
        f"{RUN}-{team}-{n}": (site, team)
        for (site, team), size in TEAMS.items()
        for n in range(size)
    }


def as_person(employee: str) -> str:
    site, team = people()[employee]
    return token_for("agent", subject=employee, site=site, team=team)


def as_reader(role: str) -> str:
    return token_for(role, **READERS[role])


def an_answer(rng: random.Random, coaching_from: int = 3) -> dict[str, Any]:
    """An answer whose overall satisfaction follows workload; the canteen does not matter."""
    workload = rng.randint(1, 5)
    overall = max(1, min(5, workload + rng.choice((-1, 0, 0, 1))))
    return {
        "overall": overall,
        "enps": max(0, min(10, 2 * overall + rng.randint(-1, 1))),
        "drivers": {
            "workload": workload,
            "coaching": rng.randint(coaching_from, 5),
            "canteen": rng.randint(0, 10),
        },
    }


def answers_of(wave: str) -> dict[str, dict[str, Any]]:
    """What each employee answers in a wave: drawn again until no group answered as one."""
    rng = random.Random(f"{RUN}:{wave}")
    while True:
        drawn = {employee: an_answer(rng) for employee in people()}
        if answered_apart(drawn):
            return drawn


def answered_apart(answers: dict[str, dict[str, Any]]) -> bool:
    """Whether the policy's diversity rule withholds no group the sizes alone would show.

    These tests are about what the sizes withhold and the figures of the groups shown;
    random answers of a team of six answer a question as one now and then, and the rule's
    own tests (``tests/unit/test_surveys_disclosure.py``) try that.
    """
    rows = [
        {"survey_id": "", "site_id": people()[e][0], "team_id": people()[e][1], **answer}
        for e, answer in answers.items()
    ]
    histograms: dict[tuple[str, str, str], dict[Any, list[int]]] = {}
    responses = {}
    for (_, group, item), sums in fold(rows).items():
        histograms.setdefault(group, {})[item] = sums.counts
        if item == OVERALL:
            responses[group] = sums.n
    diverse = RULES[ANONYMITY.version](responses, THRESHOLD, histograms)
    return diverse.withheld == disclose(responses, THRESHOLD).withheld


def mutate(platform: Platform, name: str, given: dict[str, Any], token: str) -> dict[str, Any]:
    input_type = name[0].upper() + name[1:] + "Input"
    query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ type duplicate }} }}"
    return platform.graphql(query, {"input": given}, token=token)


def answer(platform: Platform, wave: str, employee: str, **changes: Any) -> dict[str, Any]:
    given = {
        "commandId": new_id("answer"),
        "employeeId": employee,
        "surveyId": survey_id(wave),
        **answers_of(wave)[employee],
        **changes,
    }
    return mutate(platform, "answerSurvey", given, as_person(employee))


def results(platform: Platform, role: str, wave: str, by: str, site: str | None = None) -> dict:
    variables = {"id": survey_id(wave), "by": by, "site": site}
    found = platform.graphql(RESULTS, variables, token=as_reader(role))
    assert "errors" not in found, found
    return found["data"]["survey"]["results"]


def close(platform: Platform, wave: str) -> None:
    given = {"commandId": f"close-{RUN}-{wave}", "surveyId": survey_id(wave)}
    closed = mutate(platform, "closeSurvey", given, as_reader("hr"))
    assert "errors" not in closed, closed

    def shown() -> bool:
        return bool(results(platform, "admin", wave, "COMPANY")["groups"])

    wait_until(shown, 60, f"{wave}'s results did not show after its close")


@pytest.fixture(scope="module")
def platform(database_url: str, broker: Any, workdir: Any, bus: Any) -> Iterator[Platform]:
    for site, zone in ((SITE, "Asia/Shanghai"), (OTHER, "Asia/Kolkata")):
        bus.handle(
            SITE_OPENED,
            command_id=f"open-{site}",
            data={"site_id": site, "name": site, "time_zone": zone, "opened_on": "2020-01-01"},
        )
    for employee, (site, team) in people().items():
        hire(bus, employee, site_id=site)
        bus.handle(
            EMPLOYEE_TRANSFERRED,
            command_id=f"into-{employee}",
            employee_id=employee,
            data={"to_site_id": site, "to_team_id": team, "transferred_on": "2026-01-06"},
        )
    running = Platform(database_url, broker, workdir, "surveys")
    running.env["AERIE_ANONYMOUS_RELEASE_SECONDS"] = "1"
    running.run_parts("relay", "worker", "gateway")
    for number, wave in enumerate(WAVES):
        given = {
            "commandId": f"publish-{RUN}-{wave}",
            "surveyId": survey_id(wave),
            "seriesId": RUN,
            "title": f"Pulse {wave}",
            "questions": QUESTIONS,
            "commentPrompt": "Anything else?",
            "opensOn": (TODAY - dt.timedelta(days=1)).isoformat(),
            "closesOn": (TODAY + dt.timedelta(days=1 + number)).isoformat(),
        }
        published = mutate(running, "publishSurvey", given, as_reader("hr"))
        assert "errors" not in published, published
    wait_until(
        lambda: (
            len(running.graphql(f'{{ surveys(seriesId: "{RUN}") {{ id }} }}')["data"]["surveys"])
            == 2
        ),
        60,
        "the surveys were not published",
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def wave_1(platform: Platform) -> dict[str, dict]:
    """Wave 1 answered by everyone, one comment in the small team, then closed."""
    for employee in people():
        comment = "my lead shouts" if employee == f"{RUN}-t3-0" else None
        answered = answer(platform, "wave-1", employee, **({"comment": comment} if comment else {}))
        assert "errors" not in answered, answered
    open_now = {role: results(platform, role, "wave-1", "TEAM", SITE) for role in READERS}
    close(platform, "wave-1")
    return open_now


CORRECTED = 6
"""How many people correct their wave-2 answer before it closes (a team each, some more)."""


def corrections() -> dict[str, dict[str, Any]]:
    """The wave-2 answers some people give again: workload (and so overall) and the rest move."""
    rng = random.Random(f"{RUN}:corrections")
    chosen = sorted(people())[:: len(people()) // CORRECTED][:CORRECTED]
    while True:
        drawn = {employee: an_answer(rng, coaching_from=1) for employee in chosen}
        if answered_apart({**answers_of("wave-2"), **drawn}):
            return drawn


@pytest.fixture(scope="module")
def wave_2(platform: Platform, wave_1: dict) -> dict[str, dict[str, Any]]:
    """Wave 2 answered by everyone, some answers corrected, then closed: the last answers."""
    for employee in people():
        assert "errors" not in answer(platform, "wave-2", employee)
    for employee, corrected in corrections().items():
        assert "errors" not in answer(platform, "wave-2", employee, **corrected)
    close(platform, "wave-2")
    return {**answers_of("wave-2"), **corrections()}


def shown_figures(platform: Platform, role: str, wave: str) -> list[dict]:
    """Every group a role can see of a survey, through every request it may make."""
    seen = []
    for by in ("COMPANY", "SITE", "TEAM"):
        for site in (None, SITE, OTHER):
            if role == "site_manager" and (site != SITE or by == "COMPANY"):
                continue  # a site manager reads its own site's groups
            seen += results(platform, role, wave, by, site)["groups"]
    return seen


def isolated(groups: list[dict]) -> list[tuple[int, float]]:
    """Respondents (and their sum of overall answers) each shown group leaves after subtracting
    its shown subgroups: the smallest sets anyone can isolate from what is shown."""

    def key(g: dict) -> tuple:
        return (g["kind"], g["siteId"], g["teamId"])

    def overall_sum(g: dict) -> float:
        item = next(i for i in g["items"] if i["role"] == "overall")
        return item["mean"] * item["responses"]

    shown = {key(g): g for g in groups if g["shown"]}
    left = []
    for (kind, site, _team), group in shown.items():
        inner = [
            g
            for (k, s, _), g in shown.items()
            if (kind == "COMPANY" and k == "SITE") or (kind == "SITE" and k == "TEAM" and s == site)
        ]
        count = group["responses"] - sum(g["responses"] for g in inner)
        total = overall_sum(group) - sum(overall_sum(g) for g in inner)
        left.append((count, round(total, 6)))
    return left


def test_an_open_survey_shows_no_group_to_anyone_so_the_next_answer_gives_nothing_away(
    wave_1: dict,
) -> None:
    for role, found in wave_1.items():
        assert found["status"] == "OPEN", role
        assert found["groups"] == [], role


def test_a_group_below_the_threshold_and_the_team_that_would_reveal_it_are_withheld(
    platform: Platform, wave_1: dict
) -> None:
    teams = {g["teamId"]: g for g in results(platform, "admin", "wave-1", "TEAM")["groups"]}
    assert teams["t3"]["withheld"] == "BELOW_THRESHOLD"
    assert teams["t2"]["withheld"] == "COMPLEMENTARY"  # site minus t1 minus t2 would be t3
    assert teams["t1"]["shown"] and teams["o1"]["shown"]
    for withheld in (teams["t2"], teams["t3"]):
        assert (withheld["responses"], withheld["responseRate"], withheld["items"]) == (
            None,
            None,
            [],
        )
    assert teams["t1"]["responses"] == 8 and teams["t1"]["responseRate"] == 1.0


def test_site_minus_team_and_company_minus_site_isolate_no_small_group_for_any_role(
    platform: Platform, wave_1: dict
) -> None:
    for role in READERS:
        left = isolated(shown_figures(platform, role, "wave-1"))
        assert left, role
        assert all(count == 0 or count >= THRESHOLD for count, _ in left), (role, left)
        assert all(total == 0 for count, total in left if count == 0), (role, left)


def test_overlapping_requests_all_show_the_same_figures_of_one_group(
    platform: Platform, wave_1: dict
) -> None:
    figures: dict[tuple, list[dict]] = {}
    for role in READERS:
        for group in shown_figures(platform, role, "wave-1"):
            figures.setdefault((group["kind"], group["siteId"], group["teamId"]), []).append(group)
    for seen in figures.values():
        assert all(s == seen[0] for s in seen)  # no request shows a group differently


def test_a_team_that_answered_as_one_shows_no_figure_and_no_subtraction_gives_it_back(
    platform: Platform,
) -> None:
    """Team t1's eight all answer 5 to overall satisfaction: its mean would tell each one's
    answer. To every reader, t1 is withheld (``HOMOGENEOUS``), and no set the shown groups
    isolate is of people who all answered 5."""
    wave = "alike"
    given = {
        "commandId": f"publish-{RUN}-{wave}",
        "surveyId": survey_id(wave),
        "seriesId": f"{RUN}-{wave}",
        "title": "Pulse, one voice",
        "questions": QUESTIONS,
        "opensOn": (TODAY - dt.timedelta(days=1)).isoformat(),
        "closesOn": (TODAY + dt.timedelta(days=1)).isoformat(),
    }
    assert "errors" not in mutate(platform, "publishSurvey", given, as_reader("hr"))
    wait_until(
        lambda: platform.graphql(
            f'{{ survey(id: "{survey_id(wave)}") {{ id }} }}', token=as_reader("hr")
        )["data"]["survey"],
        60,
        "the survey was not published",
    )
    for employee, (_site, team) in people().items():
        alike = {"overall": 5} if team == "t1" else {}
        assert "errors" not in answer(platform, wave, employee, **alike)
    close(platform, wave)
    for role in READERS:
        teams = {g["teamId"]: g for g in results(platform, role, wave, "TEAM", SITE)["groups"]}
        assert teams["t1"]["withheld"] == "HOMOGENEOUS", role
        assert (teams["t1"]["responses"], teams["t1"]["items"]) == (None, []), role
        left = isolated(shown_figures(platform, role, wave))
        assert left and all(count == 0 or total < 5 * count for count, total in left), role
    assert results(platform, "admin", wave, "TEAM")["policyVersion"] == "anonymity/2026-12"


def test_the_closed_results_stay_the_same_with_or_without_one_more_person(
    platform: Platform, bus: Any, wave_1: dict, wave_2: dict
) -> None:  # wave 2 is answered first: nobody has moved yet when it is compared
    before = {role: shown_figures(platform, role, "wave-1") for role in READERS}
    mover, newcomer = f"{RUN}-t1-0", new_id(f"{RUN}-late")
    bus.handle(
        EMPLOYEE_TRANSFERRED,
        command_id=f"move-{mover}",
        employee_id=mover,
        data={"to_site_id": SITE, "to_team_id": "t3", "transferred_on": TODAY.isoformat()},
    )
    hire(bus, newcomer, site_id=SITE)
    refused = [
        answer(platform, "wave-1", mover, overall=1),  # a correction after the close
        mutate(
            platform,
            "answerSurvey",
            {
                "commandId": new_id("late"),
                "employeeId": newcomer,
                "surveyId": survey_id("wave-1"),
                **answers_of("wave-1")[mover],
            },
            token_for("agent", subject=newcomer, site=SITE, team="team-1"),
        ),
    ]
    for result in refused:
        assert result["errors"][0]["extensions"]["code"] == "SURVEY_CLOSED", result
    view = "query($id: ID!) { employee(id: $id) { teamId } }"
    wait_until(
        lambda: platform.graphql(view, {"id": mover})["data"]["employee"]["teamId"] == "t3",
        30,
        "the transfer did not reach the read models",
    )
    for role in READERS:  # the answers' figures; who was invited follows the roster as recorded
        after = answered(shown_figures(platform, role, "wave-1"))
        assert {k: after[k] for k in answered(before[role])} == answered(before[role]), role
        assert not [g for k, g in after.items() if k not in answered(before[role]) and g["shown"]]


def answered(groups: list[dict]) -> dict[tuple, dict]:
    """Each group's answer figures (not who was invited), by group."""
    return {
        (g["kind"], g["siteId"], g["teamId"]): {
            k: v for k, v in g.items() if k not in ("invited", "responseRate")
        }
        for g in groups
    }


def test_the_figures_equal_a_computation_from_the_answers_given(
    platform: Platform, wave_1: dict
) -> None:
    given = answers_of("wave-1")
    t1 = [a for e, a in given.items() if people()[e][1] == "t1"]
    groups = {g["teamId"]: g for g in results(platform, "hr", "wave-1", "TEAM")["groups"]}
    items = {i["questionId"]: i for i in groups["t1"]["items"]}
    workload = [a["drivers"]["workload"] for a in t1]
    assert items["workload"]["mean"] == pytest.approx(sum(workload) / len(workload))
    assert items["overall"]["correlation"] == pytest.approx(1.0)
    favourable = sum(1 for a in t1 if a["overall"] >= 4) / len(t1)
    assert items["overall"]["favourable"] == pytest.approx(favourable)
    promoters = sum(1 for a in t1 if a["enps"] >= 9) - sum(1 for a in t1 if a["enps"] <= 6)
    assert items["recommend"]["enps"] == pytest.approx(promoters / len(t1) * 100)


def test_corrections_through_the_running_platform_give_the_figures_of_the_last_answers(
    platform: Platform, wave_2: dict[str, dict[str, Any]]
) -> None:
    """Every figure of every shown group (a driver's correlation with overall satisfaction
    included) equals a two-pass computation of each person's last answer."""
    from aerie_events.rules.scales import SCALES
    from aerie_projections.satisfaction.statistics import ENPS, OVERALL, batch_statistics

    scales = {OVERALL: SCALES["1-5"], ENPS: SCALES["0-10"]}
    scales |= {("driver", q["questionId"]): SCALES[q["scale"]] for q in QUESTIONS[2:]}
    last = [{**a, "site_id": people()[e][0], "team_id": people()[e][1]} for e, a in wave_2.items()]
    reference = batch_statistics(last, scales)
    roles = {"overall": "overall", "recommend": "enps"}
    compared = set()
    for by in ("COMPANY", "SITE", "TEAM"):
        for group in results(platform, "hr", "wave-2", by)["groups"]:
            if not group["shown"]:
                continue
            key = (group["kind"].lower(), group["siteId"] or "", group["teamId"] or "")
            for item in group["items"]:
                role = roles.get(item["questionId"], "driver")
                expected = reference[(key, (role, "" if role != "driver" else item["questionId"]))]
                assert item["responses"] == expected.responses, (key, item)
                for name in ("mean", "favourable", "unfavourable", "correlation", "enps"):
                    assert item[name] == pytest.approx(getattr(expected, name)), (key, item, name)
                compared.add((key, item["questionId"]))
    assert (("team", SITE, "t1"), "workload") in compared and len(compared) >= 20
    workload = reference[(("company", "", ""), ("driver", "workload"))]
    assert 0.5 < workload.correlation < 1.0  # a driver's own correlation, not overall's 1.0


def test_the_driver_that_drives_satisfaction_and_scores_low_ranks_first_against_the_last_wave(
    platform: Platform, wave_2: None
) -> None:
    found = platform.graphql(
        DRIVERS, {"id": survey_id("wave-2"), "by": "COMPANY"}, token=as_reader("analyst")
    )["data"]["survey"]
    drivers = {d["questionId"]: d for d in found["drivers"]["drivers"]}
    assert found["drivers"]["shown"] and found["drivers"]["previousSurveyId"] == survey_id("wave-1")
    assert drivers["workload"]["importance"] > 0.6 > abs(drivers["canteen"]["importance"])
    assert drivers["workload"]["rank"] < drivers["canteen"]["rank"]
    assert all(d["previousRank"] is not None for d in drivers.values())


def test_drivers_rank_by_their_dissatisfaction_rate_through_the_platform(
    platform: Platform, wave_2: None
) -> None:
    """``performance: DISSATISFACTION``: each driver's shortfall is the share of its answers
    that are unfavourable, as the results give it, and the priority importance times that."""
    query = """query($id: ID!) { survey(id: $id) {
      drivers(performance: DISSATISFACTION) { shown performanceMeasure
        drivers { questionId rank importance performance priority } } } }"""
    found = platform.graphql(query, {"id": survey_id("wave-2")}, token=as_reader("analyst"))
    analysis = found["data"]["survey"]["drivers"]
    assert analysis["shown"] and analysis["performanceMeasure"] == "DISSATISFACTION"
    company = results(platform, "analyst", "wave-2", "COMPANY")["groups"][0]
    unfavourable = {i["questionId"]: i["unfavourable"] for i in company["items"]}
    for driver in analysis["drivers"]:
        rate = unfavourable[driver["questionId"]]
        assert driver["performance"] == pytest.approx(100 * (1 - rate))
        assert driver["priority"] == pytest.approx(max(driver["importance"], 0) * rate)
    assert sorted(d["rank"] for d in analysis["drivers"]) == [1, 2, 3]
    chart = f"/charts/surveys/{survey_id('wave-2')}/drivers.svg?performance=DISSATISFACTION"
    status, _type, body = fetch(platform, chart, as_reader("analyst"))
    assert status == 200 and "not dissatisfied" in body


def test_drivers_and_comments_of_a_withheld_group_are_not_given(
    platform: Platform, wave_1: dict
) -> None:
    query = """query($id: ID!, $site: ID!) { survey(id: $id) {
      drivers(groupBy: TEAM, siteId: $site, teamId: "t3") { shown drivers { questionId } }
      comments(groupBy: TEAM, siteId: $site, teamId: "t3") } }"""
    for role in ("hr", "admin"):
        variables = {"id": survey_id("wave-1"), "site": SITE}
        found = platform.graphql(query, variables, token=as_reader(role))
        assert found["data"]["survey"] == {
            "drivers": {"shown": False, "drivers": []},
            "comments": [],
        }


def fetch(platform: Platform, path: str, token: str | None = None) -> tuple[int, str, str]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{platform.port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["content-type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["content-type"], error.read().decode()


def chart_link(platform: Platform, role: str, by: str, site: str | None, team: str | None) -> str:
    variables = {"id": survey_id("wave-2"), "by": by, "site": site, "team": team}
    found = platform.graphql(DRIVERS, variables, token=as_reader(role))
    assert "errors" not in found, found
    return found["data"]["survey"]["driverChart"]["url"]


def test_a_chart_link_shows_the_matrix_and_a_changed_one_is_refused(
    platform: Platform, wave_2: None
) -> None:
    link = chart_link(platform, "analyst", "COMPANY", None, None)
    status, kind, body = fetch(platform, link)
    assert (status, kind) == (200, "image/svg+xml")
    assert body.count('class="driver"') == 3 and "<script" not in body
    forged = link.replace("groupBy=COMPANY", "groupBy=TEAM&siteId=" + SITE + "&teamId=t3")
    status, _, refused = fetch(platform, forged)
    assert status == 401 and json.loads(refused)["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED"
    )


def test_a_chart_by_token_follows_the_same_rules_as_the_figures(
    platform: Platform, wave_2: None
) -> None:
    path = f"/charts/surveys/{survey_id('wave-2')}/drivers.svg?groupBy=TEAM&siteId={SITE}&teamId=t3"
    status, _, withheld = fetch(platform, path, as_reader("admin"))
    assert status == 200 and "withheld" in withheld and 'class="driver"' not in withheld
    status, _, refused = fetch(platform, path, as_person(f"{RUN}-t1-1"))
    assert status == 403 and json.loads(refused)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = f"/charts/surveys/{survey_id('wave-2')}/drivers.svg?groupBy=SITE&siteId={OTHER}"
    assert fetch(platform, other, as_reader("site_manager"))[0] == 403


def record_customer_satisfaction(bus: Any, agent: str, day: dt.date, score: str) -> None:
    """A site's daily KPI fact of ``agent``, as the growth capability takes it."""
    bus.handle(
        KPI_RECORDED,
        command_id=f"kpi-{agent}-{day}",
        employee_id=agent,
        data={
            "day": day.isoformat(),
            "calls_answered": 60,
            "average_handling_seconds": 300,
            "first_contact_resolution": "85.00",
            "customer_satisfaction": score,
            "qa_score": "90.00",
            "attendance": "100.00",
        },
    )


def test_the_trend_puts_each_site_beside_its_customers_and_draws_it(
    platform: Platform, wave_2: None, bus: Any
) -> None:
    yesterday = TODAY - dt.timedelta(days=1)  # within both waves, and past at every site
    record_customer_satisfaction(bus, f"{RUN}-t1-1", yesterday, "4.50")
    record_customer_satisfaction(bus, f"{RUN}-t2-1", yesterday, "3.50")
    query = f"""{{ surveyTrend(seriesId: "{RUN}") {{ chart {{ url }}
      points {{ surveyId kind siteId shown responses overallMean enps customerSatisfaction
                agents }} }} }}"""

    def with_customers() -> dict | None:
        trend = platform.graphql(query, token=as_reader("analyst"))["data"]["surveyTrend"]
        points = {(p["surveyId"], p["siteId"]): p for p in trend["points"]}
        site = points.get((survey_id("wave-1"), SITE))
        return trend if site and site["agents"] == 2 else None

    trend = wait_until(with_customers, 30, "the KPI facts did not reach the trend")
    points = {(p["surveyId"], p["siteId"]): p for p in trend["points"]}
    assert set(points) == {(survey_id(w), s) for w in WAVES for s in (None, SITE, OTHER)}
    assert points[(survey_id("wave-1"), SITE)]["responses"] == 17
    assert points[(survey_id("wave-1"), SITE)]["customerSatisfaction"] == 4.0
    assert points[(survey_id("wave-1"), OTHER)]["customerSatisfaction"] is None
    status, kind, body = fetch(platform, trend["chart"]["url"])
    assert (status, kind) == (200, "image/svg+xml") and body.count("<polyline") >= 3


def test_charts_render_in_a_browser_that_may_not_leave_the_gateway(
    platform: Platform, wave_2: None
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_graphiql import CHROMIUM, CHROMIUM_ARGS, local_only

    link = chart_link(platform, "hr", "SITE", SITE, None)
    base = f"http://127.0.0.1:{platform.port}"
    blocked: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", local_only(blocked))
            opened = page.goto(base + link)
            assert opened is not None and opened.ok
            assert page.locator("g.driver").count() == 3
            box = page.locator("svg").bounding_box()
            assert box is not None and box["width"] > 500
        finally:
            browser.close()
    assert blocked == []


def test_no_table_topic_or_log_line_links_a_respondent_to_an_answer(
    platform: Platform, database_url: str, wave_2: None
) -> None:
    """Respondents of the small team: only their roster facts name them, nowhere an answer."""
    from tests.e2e.test_faults import HIRE_ONLY, all_messages_mentioning, all_rows_mentioning

    people_topic = {f"{platform.env['AERIE_TOPIC_PREFIX']}.people"}
    for respondent in [e for e, (_, team) in people().items() if team == "t3"]:
        assert set(all_rows_mentioning(database_url, respondent)) <= HIRE_ONLY, respondent
        assert set(all_messages_mentioning(platform, respondent)) == people_topic, respondent
        for log in platform.logs.glob("*.log"):
            assert respondent not in log.read_text(errors="replace"), log.name
    with psycopg.connect(database_url) as conn:
        named = conn.execute(
            "SELECT count(*) FROM aerie_read.audit_event WHERE type = 'survey.answered' "
            "AND employee_id IS NOT NULL"
        ).fetchone()
    assert named == (0,)


PUBLISH_EVENT = """mutation($input: PublishEventInput!) {
  publishEvent(input: $input) { eventId position duplicate } }"""
RECEIPT = """mutation($input: AnswerSurveyInput!) {
  answerSurvey(input: $input) { eventId type position duplicate view { status } } }"""


def answer_events(database_url: str, survey: str) -> int:
    with psycopg.connect(database_url) as conn:
        found = conn.execute(
            "SELECT count(*) FROM surveys_events WHERE convert_from(state, 'UTF8')::jsonb "
            "#>> '{meta,type}' = 'survey.answered' AND convert_from(state, 'UTF8')::jsonb "
            "#>> '{payload,survey_id}' = %s",
            (survey,),
        ).fetchone()
    return int(found[0]) if found else 0


def test_an_admin_cannot_answer_as_anyone_nor_learn_from_trying(
    platform: Platform, bus: Any, database_url: str
) -> None:
    """Admin overwriting, guessing or replaying someone's answer gets one refusal, whatever
    that person did: nothing is stored, and no reply differs between them."""
    from tests.e2e.test_access import publish_open_survey

    survey = new_id("S")
    publish_open_survey(bus, survey)
    victim, silent = f"{RUN}-t1-1", f"{RUN}-t1-2"
    given = {"surveyId": survey, "overall": 4, "enps": 8, "drivers": {"pay": 3}}
    own = {"commandId": new_id("answer"), "employeeId": victim, **given}
    assert "errors" not in mutate(platform, "answerSurvey", own, as_person(victim))
    admin = token_for("admin", **READERS["admin"])

    def as_event(given: dict[str, Any]) -> dict[str, Any]:
        payload = {k: v for k, v in given.items() if k not in ("commandId", "employeeId")}
        payload["survey_id"] = payload.pop("surveyId")
        return {
            "type": SURVEY_ANSWERED,
            "commandId": given["commandId"],
            "employeeId": given["employeeId"],
            "payload": payload,
        }

    attempts = [
        own,  # the victim's own command replayed: was it theirs?
        {**own, "commandId": new_id("a")},  # their answer guessed under a new id
        {**own, "commandId": new_id("a"), "overall": 1},  # overwritten before the close
        {"commandId": new_id("a"), "employeeId": silent, **given},  # someone who did not answer
    ]
    replies = [mutate(platform, "answerSurvey", a, admin) for a in attempts]
    replies += [platform.graphql(PUBLISH_EVENT, {"input": as_event(a)}, admin) for a in attempts]
    for reply in replies:
        assert reply["data"] is None and reply["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for same_mutation in (replies[:4], replies[4:]):  # one refusal, whoever it is about
        assert len({json.dumps(r, sort_keys=True) for r in same_mutation}) == 1, same_mutation
    assert answer_events(database_url, survey) == 1  # the victim's own answer only


def test_an_answers_receipt_counts_nothing_and_shows_no_view(platform: Platform, bus: Any) -> None:
    from aerie_services.kit.base import event_id_of
    from aerie_services.surveys.domainmodel import Survey

    from tests.e2e.test_access import publish_open_survey

    survey = new_id("S")
    publish_open_survey(bus, survey)
    receipts = []
    for employee in (f"{RUN}-t2-1", f"{RUN}-t2-2"):
        given = {
            "commandId": new_id("answer"),
            "employeeId": employee,
            "surveyId": survey,
            "overall": 3,
            "enps": 7,
            "drivers": {"pay": 2},
        }
        found = platform.graphql(RECEIPT, {"input": given}, as_person(employee))
        assert "errors" not in found, found
        receipts.append(found["data"]["answerSurvey"])
    counted = {str(event_id_of(Survey.id_for(survey), version)) for version in range(1, 10)}
    assert all(r["position"] is None and r["view"] is None for r in receipts)
    assert not counted & {r["eventId"] for r in receipts}


def test_a_person_cannot_date_a_survey_answer(platform: Platform, bus: Any) -> None:
    from tests.e2e.test_access import publish_open_survey

    survey, employee = new_id("S"), f"{RUN}-t2-3"
    publish_open_survey(bus, survey)
    given = {"surveyId": survey, "overall": 3, "enps": 7, "drivers": {"pay": 2}}
    dated = {"commandId": new_id("a"), "employeeId": employee, **given}
    typed = mutate(
        platform,
        "answerSurvey",
        {**dated, "occurredAt": "2026-01-01T00:00:00Z"},
        as_person(employee),
    )
    assert typed["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    payload = {"survey_id": survey, "overall": 3, "enps": 7, "drivers": {"pay": 2}}
    event = {
        "type": SURVEY_ANSWERED,
        "commandId": new_id("a"),
        "employeeId": employee,
        "occurredAt": "2026-01-01T00:00:00Z",
        "payload": payload,
    }
    refused = platform.graphql(PUBLISH_EVENT, {"input": event}, as_person(employee))
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert refused["errors"][0]["extensions"]["field"] == "input.occurredAt"


def test_the_manager_closes_a_survey_on_schedule_and_no_answer_is_taken_after(
    platform: Platform, bus: Any
) -> None:
    """A survey whose recorded close is seconds away: the survey-closing manager's timer fires
    in the running worker and records the close; its results show; a late answer is refused."""
    from aerie_events.rules.scales import SCALES_VERSION
    from aerie_services.kit.inputs import build_command
    from aerie_services.surveys.domainmodel import Survey

    from tests.e2e.test_access import open_survey

    survey = new_id("S")
    closes_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    data = open_survey(survey, series_id=new_id("series"), title="Closing soon")
    command = build_command(
        SURVEY_PUBLISHED,
        command_id=f"publish-{survey}",
        data=data,
        about_employee=False,
        decided_by_domain=frozenset({"closes_at", "scales_version"}),
    )
    payload = {  # as published, but closing in three seconds rather than after its last day
        **command.data,
        "anonymity_threshold": ANONYMITY.minimum_group,
        "closes_at": closes_at.isoformat(),
        "scales_version": SCALES_VERSION,
    }
    meta = command.meta(site_id=None, policy_version=ANONYMITY.version)
    bus.apps["surveys"].save(Survey.publish(None, meta, payload))
    query = """query($id: ID!) { survey(id: $id) { status closeReason closedAt
      results(groupBy: COMPANY) { status groups { shown withheld } } } }"""

    def closed() -> dict | None:
        found = platform.graphql(query, {"id": survey}, as_reader("hr"))["data"]["survey"]
        return found if found and found["results"]["status"] == "CLOSED" else None

    found = wait_until(closed, 60, "the survey-closing manager did not close the survey")
    assert found["closeReason"] == "scheduled"
    assert dt.datetime.fromisoformat(found["closedAt"]) >= closes_at - dt.timedelta(seconds=1)
    assert found["results"]["groups"] == [{"shown": False, "withheld": "BELOW_THRESHOLD"}]
    late = mutate(
        platform,
        "answerSurvey",
        {"commandId": new_id("late"), "employeeId": f"{RUN}-t2-4", "surveyId": survey}
        | {"overall": 3, "enps": 7, "drivers": {"pay": 2}},
        as_person(f"{RUN}-t2-4"),
    )
    assert late["errors"][0]["extensions"]["code"] == "SURVEY_CLOSED"
