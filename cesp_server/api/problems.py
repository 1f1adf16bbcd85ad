"""OpenAPI description of the problem+json answers (see `cesp_server.errors`).

`problem_responses(404, 409)` gives the `responses=` of a route: each status documented
as ``application/problem+json`` with the shape `errors.problem_response` writes, so that
the OpenAPI document is a faithful contract (schemathesis checks every answer against it).
401 and 422 are added by default (every route here is authenticated or takes input).
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import PROBLEM_JSON

__all__ = ["PROBLEM_SCHEMA", "allowed_methods", "problem_responses"]

_PROBLEM_ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["tab", "message"],
    "properties": {
        "tab": {"type": "string"},
        "field": {"type": ["string", "null"]},
        "message": {"type": "string"},
        "code": {"type": "string"},
    },
}

#: The body of every refusal (RFC 9457 plus `code` and field-level `problems`).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "required": ["type", "title", "status", "code", "detail", "problems"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Code stable, pour les programmes."},
        "detail": {"type": "string", "description": "Message en français, pour l'utilisateur."},
        "problems": {"type": "array", "items": _PROBLEM_ITEM},
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    400: "Requête mal formée",
    401: "Non connecté ou session expirée",
    403: "Action non autorisée",
    404: "Introuvable (ou non visible pour ce compte)",
    409: "Conflit avec l'état du dossier",
    412: "Version périmée (`If-Match`)",
    413: "Fichier ou dossier trop volumineux",
    415: "Format de fichier refusé",
    422: "Données invalides, avec les problèmes champ par champ",
    428: "En-tête de précondition requis",
    503: "Service momentanément indisponible (base de données ou stockage des pièces)",
}


def problem_responses(*statuses: int, auth: bool = True) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route refusing with `statuses` (plus 401 and 422)."""
    codes = set(statuses) | {422}
    if auth:
        codes.add(401)
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, "Erreur"),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status in sorted(codes)
    }


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method the OpenAPI document gives the path `path` (for a 405's `Allow`).

    Starlette's 405 lists only the methods of the first route matching the path; the
    405 handler can call this instead so that `Allow` names all of them.
    """
    matches: list[tuple[str, dict[str, Any]]] = []
    for template, operations in app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            matches.append((template, operations))
    # OpenAPI: a concrete path is matched before its templated counterparts
    # (``/dossiers/claim`` before ``/dossiers/{dossier_id}``).
    concrete = [m for m in matches if "{" not in m[0]]
    methods: set[str] = set()
    for _template, operations in concrete or matches:
        methods.update(m.upper() for m in operations if m in _HTTP_METHODS)
    return sorted(methods)
