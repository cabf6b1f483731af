"""Error pages in Russian, with the right status code; never a bare 500 for a busy database."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from peewee import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from appliance.db import is_busy_error
from appliance.services.errors import ServiceError
from webui.messages import text_of

log = logging.getLogger("okey.web")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Неверный запрос"), _("Страница получила данные, которые не может обработать.")),
        401: (_("Нужно войти"), _("Войдите в портал, чтобы открыть эту страницу.")),
        403: (_("Доступ закрыт"), _("Эта страница недоступна для вашей учётной записи.")),
        404: (_("Страница не найдена"), _("Такой страницы нет. Проверьте адрес или вернитесь на главную.")),
        405: (_("Так нельзя"), _("Эта страница не принимает такой запрос.")),
        413: (_("Файл слишком большой"), _("Загружаемый файл больше допустимого размера. Уменьшите его и попробуйте снова.")),
        429: (_("Слишком много запросов"), _("Подождите немного и попробуйте снова.")),
        500: (_("Что-то пошло не так"), _("На сервере произошла ошибка. Попробуйте ещё раз; если не получится, сообщите администратору.")),
        503: (_("Сервер занят"), _("Сейчас сервер очень занят. Повторите через несколько секунд.")),
        507: (_("На сервере нет места"), _("На диске сервера кончилось место: сохранить изменения нельзя. Сообщите администратору школы.")),
    }


def error_page(status: int, message: str | None = None):
    title, default = _titles().get(status, (_("Ошибка"), ""))
    if request.accept_mimetypes.best == "application/json":
        return {"error": message or default, "status": status}, status
    return render_template("error.html", status=status, title=title, message=message or default), status


def is_length_bound(exc: Exception) -> bool:
    """Whether the database refused a value longer than its column's bound (migration m0020's
    triggers on SQLite; a CHECK bound or a VARCHAR(N) on PostgreSQL)."""
    text = str(exc)
    return ("okey-bound:" in text or 'check constraint "bound_' in text
            or "value too long for type character varying" in text)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, _("Форма устарела или отправлена не со страницы портала. Обновите страницу и попробуйте снова."))

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        return error_page(exc.status, text_of(exc.message))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_page(exc.code or 500)

    @app.errorhandler(OperationalError)
    def database_error(exc: OperationalError):
        if is_busy_error(exc):
            response = error_page(503)
            return response[0], 503, {"Retry-After": "2"}
        if "disk is full" in str(exc) or "disk I/O error" in str(exc):
            log.error("database write refused: %s", exc)
            return error_page(507)
        log.exception("database error")
        return error_page(500)

    @app.errorhandler(IntegrityError)
    def integrity_error(exc: IntegrityError):
        if is_length_bound(exc):
            # The database's own bound caught what a service should have refused first: a bug to
            # fix, but the person gets a plain answer and nothing is stored.
            log.error("a value over its column's bound reached the database on %s %s: %.300s",
                      request.method, request.path, exc)
            return error_page(422, _("Текст длиннее, чем можно сохранить. Сократите его и попробуйте снова."))
        log.exception("database integrity error on %s %s", request.method, request.path)
        return error_page(500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_page(500)
