"""Заявка на наставника хранит ответы на анкету потребностей (код и версию анкеты)"""

# Frozen here: the three columns this migration adds to mentoring_request (created by m0021).

from peewee import CharField, Check
from playhouse.migrate import SchemaMigrator, migrate


def upgrade(db):
    migrator = SchemaMigrator.from_database(db)
    migrate(
        # The answers as JSON (question id → option code, codes or text), checked against the file.
        migrator.add_column("mentoring_request", "answers",
                            CharField(max_length=8000, default="", constraints=[Check("length(answers) <= 8000")])),
        migrator.add_column("mentoring_request", "questionnaire",
                            CharField(max_length=64, default="", constraints=[Check("length(questionnaire) <= 64")])),
        migrator.add_column("mentoring_request", "questionnaire_version",
                            CharField(max_length=16, default="",
                                      constraints=[Check("length(questionnaire_version) <= 16")])),
    )
