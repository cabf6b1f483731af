"""What a notification or a calendar entry points at, in the core's words: the kind of object
and its id. The core never builds web addresses; the web interface turns a target into one
with `url_for`. Stored in `Notification.link` as «kind» or «kind:id» (hex)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

EVENT = "event"  # an event of the calendar, with its id
GOAL = "goal"  # a goal of the trajectory, with its id
TRAJECTORY = "trajectory"  # the student's trajectory page as a whole
TASKS = "tasks"  # the to-do list on the trajectory page
TRIALS = "trials"  # the student's profession trials
IDEA = "idea"  # a student initiative «Есть идея!», with its id
ACHIEVEMENT = "achievement"  # one achievement, with its id
ACHIEVEMENTS = "achievements"  # the student's own list of achievements
REVIEW = "review"  # the teacher's queue of achievements waiting for confirmation
CHILD = "child"  # a parent's page of one child, with the child's id
SURVEY = "survey"  # a survey to answer, with its id
CONSENT = "consent"  # the parent's page of portfolios and consent
BACKUPS = "backups"  # the administrator's backups page
SCHOOL = "school"  # the administrator's home (the district sync line)
REFLECTIONS = "reflections"  # the student's reflections page
SELF_ASSESSMENT = "self_assessment"  # the student's competencies and self-assessment page
PUPIL = "pupil"  # the class teacher's page of one student, with the student's id
NEWS = "news"  # one note of the school's news, with its id
NEWS_LIST = "news_list"  # the school's news, with the notes waiting for approval
MEETINGS = "alumni_meetings"  # the list of meetings with alumni (a pupil's, a graduate's, the staff's)
CLUB = "alumni_club"  # the graduate's own profile in the alumni club
MENTORING_PAIR = "mentoring_pair"  # a mentoring pair's page, with the pair's id
KINDS = (EVENT, GOAL, TRAJECTORY, TASKS, TRIALS, IDEA, ACHIEVEMENT, ACHIEVEMENTS, REVIEW, CHILD, SURVEY, CONSENT,
         BACKUPS, SCHOOL, REFLECTIONS, SELF_ASSESSMENT, PUPIL, NEWS, NEWS_LIST, MEETINGS, CLUB, MENTORING_PAIR)
WITH_ID = (EVENT, GOAL, IDEA, ACHIEVEMENT, CHILD, SURVEY, PUPIL, NEWS, MENTORING_PAIR)


@dataclass(frozen=True)
class LinkTarget:
    kind: str
    id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS or (self.kind in WITH_ID) != bool(self.id):
            raise ValueError(f"bad link target {self.kind}:{self.id}")

    @classmethod
    def of(cls, kind: str, object_id: uuid.UUID | str | None = None) -> LinkTarget:
        return cls(kind, object_id.hex if isinstance(object_id, uuid.UUID) else (object_id or ""))

    @classmethod
    def parse(cls, text: str | None) -> LinkTarget | None:
        """The target stored as text; None for an empty or unknown value."""
        kind, _, object_id = (text or "").partition(":")
        try:
            return cls(kind, object_id)
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else self.kind
