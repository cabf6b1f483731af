"""Наставничество: малые группы и цели пары в траектории ученика"""

# Frozen here: the table this migration adds and the three columns it adds to tables of m0003 and m0021.

from peewee import CharField, Check, DateField, DateTimeField, ForeignKeyField, IntegerField, UUIDField
from playhouse.migrate import SchemaMigrator, migrate

from appliance.migrations.schema import FrozenModel, create_tables


class School(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "school"


class User(FrozenModel):  # created by an earlier migration
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "user"


class MentoringPair(FrozenModel):  # created by m0021
    id = UUIDField(primary_key=True)

    class Meta:
        table_name = "mentoring_pair"


def _bounded(name: str, limit: int) -> list:
    return [Check(f"length({name}) <= {limit}")]


class MentoringGroup(FrozenModel):
    id = UUIDField(primary_key=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    school = ForeignKeyField(School, backref="+", on_delete="CASCADE")
    form = CharField(max_length=24, constraints=_bounded("form", 24))
    mentor = ForeignKeyField(User, backref="+", on_delete="CASCADE")
    title = CharField(max_length=200, constraints=_bounded("title", 200))
    goals = CharField(max_length=2000, default="", constraints=_bounded("goals", 2000))
    meetings_planned = IntegerField(default=0)
    starts_on = DateField()
    ends_on = DateField(null=True)
    school_year = IntegerField()
    status = CharField(max_length=16, default="active", index=True, constraints=_bounded("status", 16))
    finished_at = DateTimeField(null=True)
    goals_reached = CharField(max_length=8, default="", constraints=_bounded("goals_reached", 8))
    created_by = ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")

    class Meta:
        table_name = "mentoring_group"


def upgrade(db):
    create_tables(db, [MentoringGroup], synced=(MentoringGroup,))
    migrator = SchemaMigrator.from_database(db)
    migrate(
        # A mentee's membership of a group is their pair, pointing to the group.
        migrator.add_column("mentoring_pair", "group_id",
                            ForeignKeyField(MentoringGroup, field=MentoringGroup.id, null=True, on_delete="CASCADE")),
        # A group's meeting is one row per member's pair; the rows of one meeting share this key.
        migrator.add_column("mentoring_meeting", "group_key", UUIDField(null=True)),
        # A trajectory goal set in a mentoring pair.
        migrator.add_column("goal", "mentoring_pair_id",
                            ForeignKeyField(MentoringPair, field=MentoringPair.id, null=True, on_delete="SET NULL")),
        migrator.add_index("mentoring_meeting", ("group_key",), False),
    )
