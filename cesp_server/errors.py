"""Errors as RFC 9457 problem+json, with a French `detail` for the user.

Every refusal the API makes goes through `ApiProblem`; validation errors of FastAPI and
any unexpected exception are turned into the same shape (the latter as a 500 that tests
and schemathesis make sure never happens).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cesp_core.problems import Problem

log = logging.getLogger("cesp_server")

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Action non autorisée",
    404: "Introuvable",
    405: "Méthode non autorisée",
    409: "Conflit",
    410: "Expiré",
    412: "Version périmée",
    413: "Contenu trop volumineux",
    415: "Format non accepté",
    422: "Données invalides",
    423: "Verrouillé",
    428: "Précondition requise",
    429: "Trop de tentatives",
    500: "Erreur interne",
}


class ApiProblem(Exception):
    """A refusal: HTTP status, a stable machine `code` and a French `detail`."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        problems: Iterable[Problem] = (),
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.problems = list(problems)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    problems: Iterable[Problem] = (),
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://cesp.localhost/problemes/{code}",
        "title": _TITLES.get(status, "Erreur"),
        "status": status,
        "code": code,
        "detail": detail,
        "problems": [p.to_dict() for p in problems],
    }
    body.update(extra or {})
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


_STATUS_CODES = {
    400: ("bad_request", "Requête illisible : le corps n'est pas un JSON valide."),
    401: ("unauthenticated", "Connectez-vous pour continuer."),
    403: ("forbidden", "Vous n'avez pas le droit de faire cette action."),
    404: ("not_found", "Ressource introuvable."),
    405: ("method_not_allowed", "Méthode non autorisée pour cette adresse."),
    413: ("too_large", "Contenu trop volumineux."),
    415: ("unsupported_media_type", "Type de contenu non accepté."),
}


def _location(loc: Iterable[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "requête"


class PendingCheck(Protocol):
    """Checks a route's dependencies left to the route (`api.deps.PendingAccount`)."""

    async def refusal(self) -> ApiProblem | None: ...


#: Where a request's `PendingCheck` is kept in the ASGI scope, for the validation handler.
PENDING_CHECK_KEY = "cesp_pending_check"


def _api_problem_response(exc: ApiProblem) -> JSONResponse:
    return problem_response(
        exc.status,
        exc.code,
        exc.detail,
        problems=exc.problems,
        headers=exc.headers,
        extra=exc.extra,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(_request: Request, exc: ApiProblem) -> JSONResponse:
        return _api_problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A route that checks its account in its own worker thread never ran: its
        # authentication and role refusals still come before the validation's.
        pending: PendingCheck | None = request.scope.get(PENDING_CHECK_KEY)
        if pending is not None:
            refusal = await pending.refusal()
            if refusal is not None:
                return _api_problem_response(refusal)
        problems = [
            Problem("requete", _location(err.get("loc", ())), _french(err), "invalid")
            for err in exc.errors()
        ]
        return problem_response(
            422,
            "invalid_request",
            "Certaines données envoyées sont invalides.",
            problems=problems,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, detail = _STATUS_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            from .api.problems import allowed_methods

            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return problem_response(exc.status_code, code, detail, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return problem_response(
            500, "internal_error", "Erreur interne du serveur ; réessayez plus tard."
        )


def _french(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    if kind == "missing":
        return "Champ obligatoire manquant."
    if kind.startswith("string_too_long"):
        return "Texte trop long."
    if kind.startswith("string_too_short"):
        return "Texte trop court."
    if kind in ("int_parsing", "int_type", "float_parsing"):
        return "Nombre attendu."
    if kind in ("bool_parsing", "bool_type"):
        return "Vrai ou faux attendu."
    if kind.startswith("date"):
        return "Date invalide (format AAAA-MM-JJ attendu)."
    if kind in ("json_invalid", "model_attributes_type", "dict_type"):
        return "Corps de requête JSON invalide."
    if kind == "uuid_parsing":
        return "Identifiant (UUID) invalide."
    if kind == "literal_error" or kind == "enum":
        return "Valeur non autorisée."
    if kind == "extra_forbidden":
        return "Champ inconnu."
    return "Valeur invalide."
