"""Background jobs of the appliance (apscheduler), each in its own database connection."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler

from appliance.config import Settings
from appliance.db import database
from appliance.services import accounts, audit, clock, enrolment, notifications, reminders, sessions, surveys
from appliance.services.validation import parse_clock

log = logging.getLogger("okey.scheduler")


def with_database(job: Callable[[], object], name: str) -> Callable[[], None]:
    def run() -> None:
        try:
            with database.connection_context():
                job()
        except Exception:  # a failing job must not stop the scheduler; the log tells
            log.exception("job %s failed", name)
    # apscheduler names jobs by the function's qualified name: make the log say which job ran.
    run.__name__ = run.__qualname__ = name
    return run


def clock_trusted(job: str) -> bool:
    """Work decided by dates (deletions by age, reminders) waits while the clock is wrong by years or behind
    the records; the admin page says so."""
    if clock.trusted():
        return True
    log.warning("%s: skipped until the server clock is right", job)
    return False


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=settings.school.timezone,
                                    job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 3600})
    limits = accounts.LoginLimits(settings.security.max_failed_per_login,
                                  settings.security.max_failed_per_address,
                                  settings.security.failed_window_minutes)

    def housekeeping() -> None:
        accounts.purge_login_failures(limits)
        if clock_trusted("housekeeping"):
            audit.purge_older_than(settings.security.audit_keep_days)
            sessions.purge_idle(settings.security.session_idle_hours)
            notifications.prune()
        surveys.release_closed(reminders.local_today(settings.school.timezone))
        notifications.announce_surveys(reminders.local_today(settings.school.timezone))
        notifications.remind_all_consent()
        from appliance.services import class_export  # its PDF builder only when the job runs

        class_export.prune(settings)  # class teachers' ZIPs of PDFs go KEEP_HOURS after they were made

    scheduler.add_job(with_database(housekeeping, "housekeeping"), "interval", minutes=30,
                      id="housekeeping", replace_existing=True)

    def school_year_periods() -> None:
        # Graduates' read-only accounts close, leavers' data goes, when the school's periods run out.
        if clock_trusted("school-year-periods"):
            enrolment.expire(settings.school.graduate_access_days, settings.school.leaver_keep_days,
                             settings=settings)

    scheduler.add_job(with_database(school_year_periods, "school-year-periods"), "cron", hour=3, minute=40,
                      id="school-year-periods", replace_existing=True)

    def send_reminders() -> None:
        # A clock years ahead would make every reminder due at once and use it up.
        if clock_trusted("reminders"):
            reminders.send_due(reminders.local_today(settings.school.timezone))

    # Runs at once on start, catching up on reminders that fell due while the server was off.
    scheduler.add_job(with_database(send_reminders, "reminders"), "interval", minutes=10, id="reminders",
                      replace_existing=True, next_run_time=datetime.datetime.now(datetime.UTC))
    # The night's work is imported when it runs, not when the server starts: encryption, archives
    # and the export's libraries stay out of a worker that only serves pages.
    if settings.backup.enabled:
        def backup_night() -> None:
            from backup.jobs import nightly

            nightly(settings)

        def backup_catch_up() -> None:
            from backup.jobs import catch_up

            catch_up(settings)

        hour, minute = parse_clock(settings.backup.time, "[backup] time")
        scheduler.add_job(with_database(backup_night, "backup"), "cron", hour=hour, minute=minute,
                          id="backup", replace_existing=True)
        scheduler.add_job(with_database(backup_catch_up, "backup-catch-up"), "interval", hours=1,
                          next_run_time=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10),
                          id="backup-catch-up", replace_existing=True)
    from sync.transport import sync_settings

    def sync_export() -> None:
        from sync.jobs import nightly as sync_nightly

        sync_nightly(settings)

    sync_hour, sync_minute = parse_clock(sync_settings(settings).time, "[sync] time")
    scheduler.add_job(with_database(sync_export, "sync-export"), "cron", hour=sync_hour,
                      minute=sync_minute, id="sync-export", replace_existing=True)
    return scheduler
