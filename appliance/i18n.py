"""Marking strings for translation in the core, which knows nothing of Flask.

Messages are written in Russian (the product's first language) and marked with N_ so
that `pybabel extract` finds them; the web UI translates them when it shows them, and
the CLI prints them as they are.
"""

from __future__ import annotations


def N_(message: str) -> str:
    return message


class Message:
    """A message template with its parameters, translated where it is shown."""

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params

    def render(self, translate=None) -> str:
        text = translate(self.template) if translate else self.template
        if not self.params:
            return text
        # A parameter may be a message itself («Флешка «…»»): it is shown in the same language.
        return text % {key: value.render(translate) if isinstance(value, Message) else value
                       for key, value in self.params.items()}

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Message({self.render()!r})"
