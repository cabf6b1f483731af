"""`okey portfolio pdf`: the graduation document for one student or a whole class."""

from __future__ import annotations

import re
from pathlib import Path

import click

from appliance.clitools import Refusal, console, data_option, open_data, progress_console
from appliance.files import write_atomic
from appliance.lazy import lazy
from appliance.models.people import STUDENT, User

rich_progress = lazy("rich.progress")  # the bar loads with the command that shows it


@click.group()
def portfolio() -> None:
    """Портфолио учеников: итоговый документ в PDF."""


def _file_name(student: User) -> str:
    name = re.sub(r"[^\w.-]+", "_", f"{student.last_name}_{student.first_name}_{student.login}").strip("_")
    return f"portfolio_{name}.pdf"


@portfolio.command("pdf")
@data_option
@click.option("--student", "login", default=None, help="Логин ученика.")
@click.option("--class", "class_name", default=None, help="Класс, например 11А: PDF каждому ученику класса.")
@click.option("--out", type=click.Path(), required=True,
              help="Файл PDF (для --student) или каталог (для --class).")
@click.pass_context
def portfolio_pdf(ctx, data, login, class_name, out):
    """Итоговое портфолио ученика в PDF (A4), или всего класса — по файлу на ученика."""
    from appliance.documents.portfolio_pdf import render_portfolio
    from appliance.services import school as school_service
    from appliance.services.errors import ServiceError

    if bool(login) == bool(class_name):
        raise click.UsageError("Укажите ровно одно: --student ЛОГИН или --class КЛАСС.")
    open_data(ctx, data)
    if login:
        student = User.get_or_none((User.login == login) & (User.role == STUDENT))
        if student is None:
            raise Refusal(f"Ученика с логином «{login}» нет.")
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, render_portfolio(student))
        console.print(f"Портфолио {student.full_name} записано в {target}.")
        return
    try:
        group = school_service.find_class(school_service.get_school(), class_name)
    except ServiceError as exc:
        raise Refusal(str(exc)) from None
    if group is None:
        raise Refusal(f"Класса «{class_name}» нет.")
    students = school_service.students_of(group)
    if not students:
        raise Refusal(f"В классе {group.name} нет учеников.")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    columns = (rich_progress.TextColumn("{task.description}"), rich_progress.BarColumn(),
               rich_progress.MofNCompleteColumn(), rich_progress.TimeElapsedColumn())
    with rich_progress.Progress(*columns, console=progress_console) as progress:
        task = progress.add_task(f"Портфолио {group.name}", total=len(students))
        for student in students:
            progress.update(task, description=f"{group.name}: {student.short_name}")
            write_atomic(folder / _file_name(student), render_portfolio(student))
            progress.advance(task)
    console.print(f"Готово: {len(students)} PDF в {folder}.")
