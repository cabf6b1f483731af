"""What the appliance ships as data: the default lists (kinds, directions, levels, results, teachers'
roles) and the competency frameworks, added to a database that lacks them.

Kept out of the migrations, which carry schema only: shipped data is read by the live services, and a
release may ship more of it without any change of schema. Adding is idempotent; what a school has
edited or hidden is left as it is.
"""

from __future__ import annotations

from appliance.db import database
from appliance.services import catalogs, competencies


def install_shipped_data() -> None:
    with database.atomic():
        catalogs.ensure_defaults()
        competencies.install_shipped()
