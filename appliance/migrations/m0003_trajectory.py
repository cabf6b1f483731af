"""Траектория: цели, задачи, календарь событий, напоминания, профориентация и опросы"""

from appliance.migrations import create_synced_tables
from appliance.models.calendar import Event, EventClass, FeedToken, Notification, PlannedEvent, Reminder
from appliance.models.guidance import Attempt, AttemptComment
from appliance.models.surveys import Survey, SurveyParticipation, SurveyResponse
from appliance.models.trajectory import Goal, GoalComment, GoalCompetency, GoalEvent, Milestone, Task


def upgrade(db):
    create_synced_tables(db, [Event, EventClass, PlannedEvent, Reminder, Notification, FeedToken,
                              Goal, GoalCompetency, GoalEvent, Milestone, Task, GoalComment,
                              Attempt, AttemptComment, Survey, SurveyResponse, SurveyParticipation])
