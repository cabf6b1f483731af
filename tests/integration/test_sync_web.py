"""The district's pages on the hub and the sync status on the school's admin page."""

from __future__ import annotations

from appliance.models.people import User
from appliance.services import accounts
from sync.hub import enroll, enrolment_document
from sync.keys import new_signing_key
from tests.conftest import DEMO_PASSWORD, login
from tests.sync_fixtures import world_fixture  # noqa: F401 - the fixture


def _hub_client(world):
    from appliance.server import build_wsgi_app

    with world.at_hub():
        user = User.create(role="district", login="district", full_name="Отдел образования",
                           last_name="Отдел образования")
        accounts.set_password(user, DEMO_PASSWORD)
        # A second school, enrolled but silent: it must be flagged.
        silent = enrolment_document("ab" * 16, "Школа № 7", "school-7", new_signing_key(), world.hub_keys.district_key)
        enroll(silent, world.hub_keys)
    world.close()
    app = build_wsgi_app(world.hub_settings)
    app.config["TESTING"] = True
    client = app.test_client()
    login(client, "district")
    return client


def test_district_pages_show_schools_warnings_indicators_and_csv(world):
    outcome = world.import_file(world.export("analytics").path)
    assert outcome.status == "applied"
    world.import_bytes(b"garbage", source="192.0.2.10")
    client = _hub_client(world)

    home = client.get("/", follow_redirects=True)
    page = home.get_data(as_text=True)
    assert home.status_code == 200 and "Школы района" in page
    assert "Школа № 619 (демонстрация)" in page and "Снимок принят" in page
    assert 'id="silent-schools"' in page and "Школа № 7" in page and "ни одного снимка" in page

    indicators = client.get("/district/indicators").get_data(as_text=True)
    assert "Показатели района" in indicators and "/district/chart/levels.svg" in indicators
    svg = client.get("/district/chart/levels.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<script" not in svg.data
    assert b"<svg" in svg.data
    assert client.get("/district/chart/nothing.svg").status_code == 404
    csv = client.get("/district/indicators.csv")
    text = csv.get_data(as_text=True)
    assert csv.mimetype == "text/csv" and text.startswith("\ufeffШкола;")
    assert "Школа № 619 (демонстрация);demo-619;" in text

    ledger = client.get("/district/ledger").get_data(as_text=True)
    assert "применён" in ledger and "отклонён" in ledger and "не пакет" in ledger


def test_district_pages_are_for_the_district_only(world):
    client = _hub_client(world)
    from appliance.db import database

    with database.connection_context():
        user = User.create(role="admin", login="hubadmin", full_name="Админ", last_name="Админ")
        accounts.set_password(user, DEMO_PASSWORD)
    other = client.application.test_client()
    login(other, "hubadmin")
    assert other.get("/district/").status_code == 403
    assert other.get("/district/indicators.csv").status_code == 403


def test_admin_page_shows_sync_status(world):
    from sync.export import export

    world.close()
    from webui import create_app

    app = create_app(world.school_settings, testing=True)
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Выгрузка в район" in page and "ещё не было" in page

    from appliance.db import database
    from appliance.services import operations, sync_state

    with database.connection_context():
        run = operations.start(sync_state.EXPORT_JOB)
        result = export(world.outbox, world.school_settings.keys_dir)
        operations.finish(run, True, size=result.path.stat().st_size, path=str(result.path))
    page = client.get("/admin/").get_data(as_text=True)
    assert result.path.name in page  # one bundle waits for its receipt

    outcome = world.import_file(result.path)
    world.accept(outcome)
    world.close()
    page = client.get("/admin/").get_data(as_text=True)
    assert f"изменения до № {result.seq_to}" in page
    assert result.path.name not in page
