"""«Окей, школа»: the school-server appliance's core."""

from appliance.lazy import peewee_without_postgres_driver

__version__ = "0.1.0"

# Before any module imports peewee: a school's SQLite server never loads the PostgreSQL driver.
peewee_without_postgres_driver()
