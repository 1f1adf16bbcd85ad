"""French mail templates (Jinja2, plain text).

A template is `templates/<name>.txt`: its first line is `Sujet: ...`, then a blank line,
then the body. Autoescaping is off (plain text); an undefined variable is an error, so a
mail never goes out with a hole in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES_DIR = Path(__file__).parent / "templates"
PLATFORM_NAME = "plateforme des candidatures CESP et Assistant Spécialiste Partagé"
_SUBJECT_PREFIX = "Sujet:"


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    body: str


class TemplateError(ValueError):
    """A template is missing or malformed."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def template_names() -> list[str]:
    return sorted(p.stem for p in TEMPLATES_DIR.glob("*.txt"))


def render_mail(template: str, context: dict[str, Any]) -> RenderedMail:
    """Render `template` with `context` (plus `plateforme`); returns subject and body."""
    if not template.isidentifier():
        raise TemplateError(f"invalid template name {template!r}")
    values = {"plateforme": PLATFORM_NAME, **context}
    text = _environment().get_template(f"{template}.txt").render(values)
    first, _, rest = text.partition("\n")
    if not first.startswith(_SUBJECT_PREFIX):
        raise TemplateError(f"template {template!r} must start with '{_SUBJECT_PREFIX}'")
    subject = " ".join(first[len(_SUBJECT_PREFIX) :].split())
    body = rest.lstrip("\n").rstrip() + "\n"
    return RenderedMail(subject=subject, body=body)
