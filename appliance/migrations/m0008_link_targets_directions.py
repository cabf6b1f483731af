"""Напоминания ссылаются на объект, а не на адрес страницы; направления событий — из общего справочника"""

# Only explicit SQL that SQLite and PostgreSQL both read: no models, no services, and no «%» (the
# PostgreSQL driver takes it for a parameter), so prefixes are compared with substr().
# Notification.link held web paths built in the core; it now holds a link target, «kind» or
# «kind:id», that the web interface turns into an address.
LINKS = (
    "UPDATE notification SET link = 'event:' || substr(link, 17) WHERE substr(link, 1, 16) = '/calendar/event/'",
    "UPDATE notification SET link = 'goal:' || substr(link, 18) WHERE substr(link, 1, 17) = '/activities/goal/'",
    "UPDATE notification SET link = 'tasks' WHERE link = '/activities/#tasks'",
    "UPDATE notification SET link = 'trajectory' WHERE link IN ('/activities/', '/activities')",
    # Anything else that looks like a path would not open anything now: leave no broken link.
    "UPDATE notification SET link = '' WHERE substr(link, 1, 1) = '/'",
)
# The calendar's own directions become the catalogue's (appliance.models.vocabulary).
DIRECTIONS = (
    "UPDATE \"event\" SET direction = 'tech' WHERE direction IN ('math_it', 'engineering')",
    "UPDATE \"event\" SET direction = 'social' WHERE direction = 'business'",
)


def upgrade(db):
    for statement in LINKS + DIRECTIONS:
        db.execute_sql(statement)
