"""Use cases of learning: one record per employee, decisions batched in bulk loads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aerie_services.kit.base import Command, Outcome
from aerie_services.kit.batching import BatchedDecisions
from aerie_services.kit.context import Facts
from aerie_services.kit.site_days import site_today
from aerie_services.learning.record import LearnerRecord
from aerie_services.people import EMPLOYEE_SITE

OFFPOST_ORDERS = "employee.offpost_orders"
"""Fact (performance answers it): ``{order_id: (starts_on, ends_on)}`` of an employee's
off-post training orders, the days an acceptance test must come after."""

SNAPSHOT_EVERY = 20
"""An employee's record is kept as a snapshot every this many versions (see ``Performance``)."""


class Learning(BatchedDecisions):
    """Courses, study plans, make-up and acceptance tests, as the LMS and sites report them."""

    is_snapshotting_enabled = True  # table ``learning_snapshots``
    snapshot_every = SNAPSHOT_EVERY

    def _on_record(
        self, command: Command, facts: Facts, act: Callable[[LearnerRecord, dict, Any, str], None]
    ) -> Outcome:
        employee_id = str(command.employee_id)
        site_id = facts.ask(EMPLOYEE_SITE, employee_id)
        today, zone = site_today(facts, site_id)
        meta = command.meta(site_id=site_id)

        def decide(record: LearnerRecord | None) -> LearnerRecord:
            record = record or LearnerRecord(employee_id=employee_id)
            act(record, meta, today, zone)
            return record

        return self.decide(LearnerRecord.id_for(employee_id), command, decide)

    def assign_training(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(command, facts, lambda r, m, _t, _z: r.assign(m, command.data))

    def pass_training(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.pass_course(m, command.data, t, z)
        )

    def fail_training(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.fail_course(m, command.data, t, z)
        )

    def start_study_plan(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(command, facts, lambda r, m, _t, z: r.start_plan(m, command.data, z))

    def end_study_plan(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(command, facts, lambda r, m, _t, _z: r.end_plan(m, command.data))

    def log_study(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.log_study(m, command.data, t, z)
        )

    def score_quiz(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.score_quiz(m, command.data, t, z)
        )

    def miss_study(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(command, facts, lambda r, m, _t, _z: r.miss_study(m, command.data))

    def pass_makeup_exam(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.take_makeup(m, command.data, True, t, z)
        )

    def fail_makeup_exam(self, command: Command, facts: Facts) -> Outcome:
        return self._on_record(
            command, facts, lambda r, m, t, z: r.take_makeup(m, command.data, False, t, z)
        )

    def pass_acceptance_test(self, command: Command, facts: Facts) -> Outcome:
        return self._acceptance_test(command, facts, passed=True)

    def fail_acceptance_test(self, command: Command, facts: Facts) -> Outcome:
        return self._acceptance_test(command, facts, passed=False)

    def _acceptance_test(self, command: Command, facts: Facts, *, passed: bool) -> Outcome:
        """An acceptance test, checked against its order's off-post training days."""
        orders = facts.ask(OFFPOST_ORDERS, str(command.employee_id))
        training = orders.get(command.data["order_id"])
        return self._on_record(
            command,
            facts,
            lambda r, m, t, z: r.take_acceptance_test(m, command.data, passed, t, z, training),
        )

    def courses_passed_of(self, employee_id: str) -> dict[str, str]:
        record = self.find(LearnerRecord.id_for(employee_id))
        return record.courses_passed() if record is not None else {}
