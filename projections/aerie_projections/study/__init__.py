"""Process manager: each day of a study plan is judged once it is over.

Staff working from home have a study plan: each local day asks for its
required minutes of e-learning and a post-class quiz passed. A day is judged
at its end in the site's zone plus a grace (a durable timer set when the plan
starts, for days still ahead), or, for days already over, as soon as a later
learning fact of the employee arrives (their facts come in order). A day
missed is recorded as ``study.missed`` (id from the employee and the day) on
the employee's learning record, which judges it again against its own facts;
until a make-up exam is passed after it, the employee is not ready for calls.
"""

from aerie_projections.study.manager import StudyManager

MANAGER = StudyManager()
