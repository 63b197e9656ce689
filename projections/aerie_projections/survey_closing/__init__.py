"""Process manager: a survey closes on schedule, once its last day has ended everywhere.

When ``survey.published`` is recorded, a timer is set for its ``closes_at``
(decided by the write side, in the event). When it fires, ``survey.closed``
is recorded with the reason ``scheduled`` and a command id derived from the
survey, so a timer fired twice closes nothing twice; a survey closed early
meanwhile records nothing. A survey recorded after its own close (a
back-filled history) gets no timer: whoever records it records its close.
"""

from aerie_projections.survey_closing.manager import SurveyClosingManager

MANAGER = SurveyClosingManager()
