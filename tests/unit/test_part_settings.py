"""Parts read the settings they declare from the platform's environment, handed in at start."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from aerie_events.settings import whole_number
from aerie_platform import compose
from aerie_platform.settings import Settings, SettingsError
from aerie_projections.deadlines.mail import MailSettings
from aerie_projections.deadlines.manager import DeadlineManager
from aerie_projections.kit import Projection


def test_the_deadline_manager_reads_where_notices_go_from_the_environment() -> None:
    settings = Settings.from_env(
        {"AERIE_SMTP_HOST": "mail.example", "AERIE_SMTP_PORT": "2525", "AERIE_HTTP_PORT": "8100"}
    )
    manager = DeadlineManager()
    compose.configure_parts([manager], settings)
    assert manager.mail == MailSettings(
        host="mail.example", port=2525, public_url="http://127.0.0.1:8100"
    )


def test_without_a_mail_server_no_notice_is_sent() -> None:
    manager = DeadlineManager()
    compose.configure_parts([manager], Settings.from_env({}))
    assert manager.mail is not None and not manager.mail.enabled


def test_a_malformed_setting_of_a_part_is_refused_at_start_naming_it() -> None:
    with pytest.raises(SettingsError) as refused:
        compose.read_settings({"AERIE_SMTP_TLS": "tls"})
    assert str(refused.value) == "AERIE_SMTP_TLS='tls' is not allowed: off or starttls or ssl"


class Tally(Projection):
    """A part with a setting of its own, unknown to the composition root."""

    name = "tally"
    tables = ()
    handles = frozenset()
    migrations = ()
    batch = 10

    def configure(self, env: Mapping[str, str]) -> None:
        self.batch = whole_number(env, "AERIE_TALLY_BATCH", 10, 1, 100)


def test_any_part_gets_the_settings_it_declares() -> None:
    tally = Tally()
    compose.configure_parts([tally], Settings.from_env({"AERIE_TALLY_BATCH": "40"}))
    assert tally.batch == 40
    with pytest.raises(SettingsError, match="AERIE_TALLY_BATCH='0' is not allowed"):
        compose.configure_parts([tally], Settings.from_env({"AERIE_TALLY_BATCH": "0"}))
