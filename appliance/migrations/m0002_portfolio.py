"""Портфолио: достижения, подтверждения, списки, компетенции, самооценка, рефлексия, хобби"""

from appliance.migrations import create_synced_tables
from appliance.models.competencies import AchievementCompetency, Competency, CompetencyFramework, SelfAssessment
from appliance.models.portfolio import Achievement, CatalogEntry, Evidence, Hobby, Reflection


def upgrade(db):
    create_synced_tables(db, [CatalogEntry, Achievement, Evidence, Hobby, Reflection, CompetencyFramework,
                              Competency, AchievementCompetency, SelfAssessment])
    # Imported here: the services import the models above, and the seeds need the tables.
    from appliance.services import catalogs, competencies

    catalogs.ensure_defaults()
    competencies.install_shipped()
