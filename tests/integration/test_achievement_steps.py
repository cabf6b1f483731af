"""The steps of an achievement's review (sent, taken back, confirmed, returned) live with the
achievement: a flood of failed logins from the open Wi-Fi or the audit log's nightly purge cannot
erase them, and an upgrade carries over the steps the audit log still held."""

from __future__ import annotations

import datetime
import shutil
import uuid

from appliance.models.audit import AuditLog
from appliance.models.people import User
from appliance.models.portfolio import Achievement, AchievementStep
from appliance.services import audit, portfolio
from tests.conftest import run_okey
from tests.integration.test_phone_small_things_web import login, sent  # noqa: F401 - the fixture
from tests.upgrade_fixtures import FIXTURES, connect


def test_the_history_outlives_the_audit_logs_purge_and_a_flood(client, demo, sent, monkeypatch):  # noqa: F811
    student, teacher = User.get(User.login == "student1"), User.get(User.login == "teacher1")
    portfolio.withdraw(student, Achievement.get_by_id(sent.id))
    portfolio.submit(student, Achievement.get_by_id(sent.id))
    portfolio.return_to_student(teacher, Achievement.get_by_id(sent.id), "Добавь место проведения.")
    # A flood of failed logins pushes old entries out of the size-bounded log, then the night purges it.
    monkeypatch.setattr(audit, "MAX_ROWS", 50)
    for number in range(60):
        audit.record("login.failed", actor=f"x{number}", address="10.66.0.9")
    audit.purge_older_than(0)
    assert not AuditLog.select().where(AuditLog.action.startswith("achievement.")).exists()
    login(client, "student1")
    page = client.get(f"/portfolio/a/{sent.id.hex}").get_data(as_text=True)
    steps = page[page.index("История"):]
    steps = steps[:steps.index("</ul>")]
    order = [steps.index(words) for words in ("отправлено на проверку", "возвращено в черновик",
                                              "возвращено с комментарием")]
    assert order == sorted(order) and steps.count("отправлено на проверку") == 2
    assert teacher.full_name in steps and student.full_name not in steps  # the pupil is «ты», not a name
    assert [step.action for step in portfolio.history(sent)] == [
        "achievement.submit", "achievement.withdraw", "achievement.submit", "achievement.return"]


def test_the_upgrade_fills_the_steps_from_what_the_audit_log_still_holds(tmp_path):
    data = tmp_path / "school"
    data.mkdir()
    shutil.copy(FIXTURES / "schema-0025.db", data / "okey.db")
    conn = connect(data / "okey.db", readonly=False)
    try:
        achievement, student = conn.execute("SELECT id, student_id FROM achievement LIMIT 1").fetchone()
        teacher = conn.execute("SELECT id FROM user WHERE role = 'teacher' LIMIT 1").fetchone()[0]
        named = str(uuid.UUID(achievement))
        # Two steps in one second (the log counts whole seconds), one in the next, a stranger's detail,
        # and a step of an achievement since deleted.
        for at, action, user, detail in (
                ("2026-10-01 10:00:00", "achievement.submit", student, named),
                ("2026-10-01 10:00:00", "achievement.withdraw", student, named),
                ("2026-10-01 10:00:01", "achievement.confirm", teacher, named),
                ("2026-10-01 10:00:02", "achievement.confirm", teacher, "не идентификатор"),
                ("2026-10-01 10:00:03", "achievement.submit", student, str(uuid.uuid4()))):
            conn.execute("INSERT INTO audit_log (at, user_id, actor, action, detail, address) VALUES (?, ?, '', ?, ?, '')",
                         (at, user, action, detail))
    finally:
        conn.close()
    run_okey("init", data_dir=data)
    conn = connect(data / "okey.db")
    try:
        rows = conn.execute("SELECT action, by_id, at FROM achievement_step WHERE achievement_id = ? ORDER BY at",
                            (achievement,)).fetchall()
        assert [action for action, _, _ in rows] == ["achievement.submit", "achievement.withdraw", "achievement.confirm"]
        assert [by for _, by, _ in rows] == [student, student, teacher]
        assert conn.execute("SELECT count(*) FROM achievement_step").fetchone()[0] == 3
        # The new rows are in the change feed like every syncable table's.
        assert conn.execute("SELECT count(*) FROM sync_change WHERE tbl = 'achievement_step'").fetchone()[0] == 3
        first = datetime.datetime.fromisoformat(rows[0][2])
        assert first == datetime.datetime(2026, 10, 1, 10, 0)
    finally:
        conn.close()


def test_the_steps_go_with_their_achievement(client, demo, sent):  # noqa: F811
    portfolio.confirm(User.get(User.login == "teacher1"), Achievement.get_by_id(sent.id))
    assert AchievementStep.select().where(AchievementStep.achievement == sent.id).count() == 2
    Achievement.delete_by_id(sent.id)
    assert not AchievementStep.select().where(AchievementStep.achievement == sent.id).exists()
