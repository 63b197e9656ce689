"""The eagle growth ladder: stages, star levels, tracks, and the steps between them.

A new agent starts as a *chick* at one star on the agent track. Graduating
from coaching makes them a *flying* eagle (one to three stars); four and five
stars are the *soaring* eagles; from five stars an agent may move to a
management track (team lead, group leader, specialist) or a support track
(trainer, QA): the *elite*. Stars go up one at a time and come down one at a
time ("can go up and can go down"); a track can always be left for the agent
track again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

FIRST_STAR = 1
TOP_STAR = 5


class Stage(StrEnum):
    CHICK = "chick"
    FLYING = "flying"
    SOARING = "soaring"
    ELITE = "elite"


class Track(StrEnum):
    AGENT = "agent"
    TEAM_LEAD = "team_lead"
    GROUP_LEADER = "group_leader"
    SPECIALIST = "specialist"
    TRAINER = "trainer"
    QA = "qa"


MANAGEMENT_TRACKS = frozenset({Track.TEAM_LEAD, Track.GROUP_LEADER, Track.SPECIALIST})
SUPPORT_TRACKS = frozenset({Track.TRAINER, Track.QA})
TRACKS: tuple[str, ...] = tuple(t.value for t in Track)
STAGES: tuple[str, ...] = tuple(s.value for s in Stage)


def stage_of(track: str, star: int, graduated: bool) -> Stage:
    """The career stage of an employee on ``track`` at ``star`` stars.

    A one-star agent who has not graduated from coaching is a chick; an agent
    promoted past one star without a recorded graduation counts as graduated.
    """
    if track != Track.AGENT:
        return Stage.ELITE
    if star == FIRST_STAR and not graduated:
        return Stage.CHICK
    return Stage.FLYING if star <= 3 else Stage.SOARING


class StepKind(StrEnum):
    GRADUATE = "graduate"
    PROMOTE = "promote"
    DEMOTE = "demote"
    CHANGE_TRACK = "change_track"


@dataclass(frozen=True)
class Step:
    """One move on the ladder: graduation, a star up or down, or a change of track."""

    kind: StepKind
    to_star: int | None = None
    to_track: str | None = None

    @property
    def label(self) -> str:
        match self.kind:
            case StepKind.GRADUATE:
                return "graduate from chick to flying eagle"
            case StepKind.PROMOTE:
                return f"promotion to {self.to_star} stars"
            case StepKind.DEMOTE:
                return f"demotion to {self.to_star} stars"
        return f"move to the {self.to_track} track"

    @property
    def key(self) -> str:
        """A short name of the step, e.g. ``promote:3`` or ``change_track:qa``."""
        target = self.to_star if self.to_star is not None else self.to_track
        return self.kind.value if target is None else f"{self.kind.value}:{target}"


@dataclass(frozen=True)
class Standing:
    """Where an employee stands on the ladder, and since when (the day the level began)."""

    track: str = Track.AGENT
    star: int = FIRST_STAR
    graduated: bool = False
    level_since: dt.date | None = None

    @property
    def stage(self) -> Stage:
        return stage_of(self.track, self.star, self.graduated)

    def days_at_level(self, as_of: dt.date) -> int:
        return 0 if self.level_since is None else max((as_of - self.level_since).days, 0)


def next_steps(standing: Standing) -> list[Step]:
    """The steps up the ladder open to ``standing`` (none at the top of a track)."""
    if standing.track != Track.AGENT:
        return []
    if standing.stage is Stage.CHICK:
        return [Step(StepKind.GRADUATE)]
    if standing.star < TOP_STAR:
        return [Step(StepKind.PROMOTE, to_star=standing.star + 1)]
    return [Step(StepKind.CHANGE_TRACK, to_track=t) for t in TRACKS if t != Track.AGENT]
