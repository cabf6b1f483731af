"""`okey portfolio pdf` on a demo school made by `okey init --demo`: one student and a class."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ARTIFACTS, run_okey


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.mark.slow
def test_student_and_class_pdf(demo_data_dir, tmp_path):
    from appliance.config import load_settings
    from appliance.db import database, open_database
    from appliance.models.people import User
    from appliance.models.portfolio import Achievement

    out = tmp_path / "student1.pdf"
    run_okey("portfolio", "pdf", "--student", "student1", "--out", str(out), data_dir=demo_data_dir)
    text = pdf_text(out)
    settings = load_settings(data_dir=demo_data_dir, environ={})
    open_database(settings)
    database.connect(reuse_if_open=True)
    try:
        student = User.get(User.login == "student1")
        shown = list(Achievement.select().where((Achievement.student == student)
                                                & Achievement.status.in_(["confirmed", "submitted"])))
        guides = {a.teacher.full_name for a in shown if a.teacher_id}
        school = student.school.name
    finally:
        database.close()
    assert student.full_name in text and school in text
    assert "Портфолио" in text and "Карта компетенций" in text and "подтверждено" in text
    assert guides and all(name in text for name in guides)
    assert any(role in text for role in ("Руководитель", "Наставник", "Тьютор", "Тренер", "Консультант"))
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "4", str(out),
                    str(ARTIFACTS / "portfolio_cli_student1")], check=True)

    folder = tmp_path / "11a"
    result = run_okey("portfolio", "pdf", "--class", "11А", "--out", str(folder), data_dir=demo_data_dir)
    files = sorted(folder.glob("*.pdf"))
    assert len(files) == 18 and "Готово: 18 PDF" in result.stdout
    assert "11А" in pdf_text(files[0])

    refused = run_okey("portfolio", "pdf", "--student", "nobody", "--out", str(tmp_path / "x.pdf"),
                       data_dir=demo_data_dir, check=False)
    assert refused.returncode != 0 and "нет" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
