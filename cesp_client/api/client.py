"""`ApiClient`: the platform's HTTP API (``/api/v1``) as typed async methods over httpx.

One method per endpoint the terminal client uses. Answers are the JSON documents of the
OpenAPI contract (typed below as `TypedDict`s, the fields the client reads); refusals
raise `ApiError` with the French ``detail`` and the ``problems`` of the problem+json body;
a platform that does not answer raises `Offline`.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypedDict, cast
from urllib.parse import parse_qs, urlsplit

import httpx

from cesp_core.problems import Problem

from .errors import ApiError, Offline
from .transfer import Pace, Progress, multipart_body, partial_path_for, remove_quietly

__all__ = [
    "API_PREFIX",
    "Account",
    "ApiClient",
    "Campaign",
    "Dossier",
    "DossierList",
    "LinkInfo",
    "LoginAnswer",
    "Piece",
    "TabSaved",
    "Transmitted",
    "parse_emailed_link",
]

API_PREFIX = "/api/v1"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

Values = dict[str, str | bool | None]


class Account(TypedDict, total=False):
    id: int
    username: str
    email: str
    role: str
    status: str
    display_name: str
    civilite: str | None
    nom: str | None
    prenom: str | None
    secret_question: str | None


class LoginAnswer(TypedDict):
    token: str
    token_type: str
    expires_at: str
    idle_minutes: int
    account: Account


class LinkInfo(TypedDict, total=False):
    identifiant: str
    #: Reset links: whether the answer to a secret question is required.
    has_secret_question: bool
    secret_question: str | None
    expires_at: str


class Campaign(TypedDict, total=False):
    id: int
    demarche: str
    demarche_title: str
    year: int
    label: str
    opens_at: str
    closes_at: str
    is_open: bool
    is_closed: bool
    days_left: int | None


class Piece(TypedDict, total=False):
    id: str
    piece_type: str
    filename: str
    size: int
    sha256: str
    content_type: str
    uploaded_at: str


class Dossier(TypedDict, total=False):
    id: str
    numero: str
    demarche: str
    campaign: Campaign
    state: str
    state_label: str
    version: int
    etag: str
    data: dict[str, Values]
    saved_tabs: list[str]
    certifications: list[str]
    editable: bool
    complete: bool
    tabs: list[dict[str, Any]]
    pieces: list[Piece]
    receipt: dict[str, Any] | None


class DossierSummary(TypedDict, total=False):
    id: str
    numero: str
    demarche: str
    campaign_id: int
    campaign_label: str
    state: str
    version: int
    updated_at: str


class DossierList(TypedDict):
    items: list[DossierSummary]
    total: int
    limit: int
    offset: int


class TabSaved(TypedDict, total=False):
    dossier_id: str
    tab: str
    version: int
    etag: str
    changed_fields: list[str]
    values: Values
    state: str
    state_label: str
    problems: list[dict[str, Any]]


class Transmitted(TypedDict, total=False):
    dossier_id: str
    numero: str
    state: str
    version: int
    receipt: dict[str, Any]


_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_\-.~]{8,200}$")


def parse_emailed_link(text: str) -> tuple[str | None, str]:
    """``(purpose, token)`` of what the user pasted: a link from a mail
    (``.../compte/initialisation#jeton=...``: purpose ``"setup"``;
    ``.../reinitialisation#...``: ``"reset"``; links of older mails carried the token in
    the query, ``?jeton=``) or a bare token (purpose None)."""
    value = text.strip().strip("<>\"'")
    if "://" in value or "jeton=" in value:
        parts = urlsplit(value)
        token = (
            (parse_qs(parts.fragment).get("jeton") or parse_qs(parts.query).get("jeton") or [""])[0]
        ).strip()
        path = parts.path.rstrip("/")
        if path.endswith("/reinitialisation"):
            return "reset", token
        if path.endswith("/initialisation"):
            return "setup", token
        return None, token
    return None, value


def looks_like_token(token: str) -> bool:
    return bool(_TOKEN_CHARS.match(token))


def _content_type(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"


class ApiClient:
    """The platform at ``base_url`` (``http://127.0.0.1:8000``, without ``/api/v1``).

    ``token`` is the session's bearer token (None: anonymous calls only); it can be
    changed at any time (after a new login) and the next call uses it.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        #: How uploads are streamed (chunk size; a pause between chunks stands for a
        #: slow link in tests). See `cesp_client.api.transfer`.
        self.pace = Pace()
        self._http = httpx.AsyncClient(
            base_url=self.base_url + API_PREFIX,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "cesp-tui"},
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def closed(self) -> bool:
        return self._http.is_closed

    # --- plumbing --------------------------------------------------------------------------

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
        content: Any = None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(
                method,
                path,
                json=json,
                params={k: v for k, v in (params or {}).items() if v is not None} or None,
                headers=self._headers(headers),
                files=files,
                content=content,
            )
        except httpx.TimeoutException as error:
            raise Offline(f"la plateforme ne répond pas ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise Offline(f"plateforme injoignable ({type(error).__name__}: {error})") from error
        if response.status_code >= 400:
            raise self._error(response)
        return response

    @staticmethod
    def _error(response: httpx.Response) -> ApiError:
        body: dict[str, Any] = {}
        try:
            parsed = response.json()
            if isinstance(parsed, dict):
                body = parsed
        except ValueError:
            pass
        problems: list[Problem] = []
        for item in body.get("problems") or []:
            try:
                problems.append(Problem.from_dict(item))
            except (ValueError, AttributeError):
                continue
        detail = body.get("detail")
        if not isinstance(detail, str) or not detail:
            detail = f"Le serveur a répondu par une erreur {response.status_code}."
        return ApiError(
            response.status_code,
            str(body.get("code") or "http_error"),
            detail,
            problems,
            body,
            {k.lower(): v for k, v in response.headers.items()},
        )

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._send(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Any endpoint under ``/api/v1`` (``path`` starts with "/"): the decoded JSON
        answer (None for 204). For the role-specific modules of this package
        (``jury.py``, ``backoffice.py``...), which keep their endpoints out of this file."""
        return await self._json(method, path, **kwargs)

    async def request_raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Like `request_json` but the response itself (downloads, CSV exports); refusals
        still raise `ApiError`, an unreachable platform `Offline`."""
        return await self._send(method, path, **kwargs)

    # --- health and authentication -------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._json("GET", "/health"))

    async def login(self, identifier: str, password: str) -> LoginAnswer:
        """Open a session; the token is kept for the next calls."""
        answer = cast(
            LoginAnswer,
            await self._json(
                "POST", "/auth/login", json={"identifier": identifier, "password": password}
            ),
        )
        self.token = answer["token"]
        return answer

    async def logout(self) -> None:
        """Revoke the session on the server; the token is forgotten here either way."""
        try:
            await self._send("POST", "/auth/logout")
        finally:
            self.token = None

    async def me(self) -> Account:
        return cast(Account, await self._json("GET", "/auth/me"))

    # --- accounts -------------------------------------------------------------------------

    async def signup(
        self,
        *,
        civilite: str,
        nom: str,
        prenom: str,
        date_naissance: str,
        email: str,
        email_confirmation: str,
        accepte_conditions: bool,
    ) -> str:
        """Step 1 of the CESP sign-up; returns the server's (French) message."""
        answer = await self._json(
            "POST",
            "/accounts/signup",
            json={
                "civilite": civilite,
                "nom": nom,
                "prenom": prenom,
                "date_naissance": date_naissance,
                "email": email,
                "email_confirmation": email_confirmation,
                "accepte_conditions": accepte_conditions,
            },
        )
        return str(answer["message"])

    async def resend_code(self, email: str) -> str:
        answer = await self._json("POST", "/accounts/signup/resend", json={"email": email})
        return str(answer["message"])

    async def verify_code(self, email: str, code: str) -> dict[str, str]:
        """Step 2: ``{"message", "identifiant"}``."""
        return cast(
            dict[str, str],
            await self._json(
                "POST", "/accounts/signup/verify", json={"email": email, "code": code}
            ),
        )

    async def password_setup_info(self, token: str) -> LinkInfo:
        """What a set-up link opens (the token goes in the body, never in the URL)."""
        return cast(
            LinkInfo,
            await self._json("POST", "/accounts/password/setup/check", json={"token": token}),
        )

    async def password_setup(
        self,
        token: str,
        password: str,
        password_confirmation: str,
        secret_question: str,
        secret_answer: str,
    ) -> dict[str, str]:
        """ "Mon compte": ``{"message", "identifiant"}``."""
        return cast(
            dict[str, str],
            await self._json(
                "POST",
                "/accounts/password/setup",
                json={
                    "token": token,
                    "password": password,
                    "password_confirmation": password_confirmation,
                    "secret_question": secret_question,
                    "secret_answer": secret_answer,
                },
            ),
        )

    async def forgot_password(self, identifier: str) -> str:
        answer = await self._json(
            "POST", "/accounts/password/forgot", json={"identifier": identifier}
        )
        return str(answer["message"])

    async def password_reset_info(self, token: str) -> LinkInfo:
        """What a reset link opens, and whether a secret answer is required (the token goes
        in the body, never in the URL)."""
        return cast(
            LinkInfo,
            await self._json("POST", "/accounts/password/reset/check", json={"token": token}),
        )

    async def password_reset(
        self,
        token: str,
        secret_answer: str | None,
        password: str,
        password_confirmation: str,
    ) -> str:
        answer = await self._json(
            "POST",
            "/accounts/password/reset",
            json={
                "token": token,
                "secret_answer": secret_answer,
                "password": password,
                "password_confirmation": password_confirmation,
            },
        )
        return str(answer["message"])

    # --- démarches and campaigns ---------------------------------------------------------

    async def demarches(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], await self._json("GET", "/demarches"))

    async def demarche(self, key: str) -> dict[str, Any]:
        return cast(dict[str, Any], await self._json("GET", f"/demarches/{key}"))

    async def campaigns(self, demarche: str | None = None) -> list[Campaign]:
        return cast(
            list[Campaign], await self._json("GET", "/campaigns", params={"demarche": demarche})
        )

    async def campaign(self, campaign_id: int) -> Campaign:
        return cast(Campaign, await self._json("GET", f"/campaigns/{campaign_id}"))

    # --- dossiers -------------------------------------------------------------------------

    async def create_dossier(self, dossier_id: str, campaign_id: int) -> Dossier:
        """Create (or, replayed with the same id, get back) a dossier."""
        return cast(
            Dossier,
            await self._json(
                "POST", "/dossiers", json={"id": dossier_id, "campaign_id": campaign_id}
            ),
        )

    async def list_dossiers(
        self,
        *,
        campaign_id: int | None = None,
        state: str | None = None,
        q: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> DossierList:
        return cast(
            DossierList,
            await self._json(
                "GET",
                "/dossiers",
                params={
                    "campaign_id": campaign_id,
                    "state": state,
                    "q": q,
                    "limit": limit,
                    "offset": offset,
                },
            ),
        )

    async def get_dossier(self, dossier_id: str) -> Dossier:
        return cast(Dossier, await self._json("GET", f"/dossiers/{dossier_id}"))

    async def save_tab(
        self, dossier_id: str, tab: str, values: Mapping[str, Any], version: int
    ) -> TabSaved:
        """PUT one tab with ``If-Match: "<version>"`` (412 when the server moved on)."""
        return cast(
            TabSaved,
            await self._json(
                "PUT",
                f"/dossiers/{dossier_id}/tabs/{tab}",
                json={"values": dict(values)},
                headers={"If-Match": f'"{version}"'},
            ),
        )

    async def delete_dossier(self, dossier_id: str) -> None:
        await self._send("DELETE", f"/dossiers/{dossier_id}")

    async def history(self, dossier_id: str) -> list[dict[str, Any]]:
        return cast(
            list[dict[str, Any]], await self._json("GET", f"/dossiers/{dossier_id}/history")
        )

    async def transmit(
        self,
        dossier_id: str,
        certifications: list[str],
        idempotency_key: str,
        version: int | None = None,
    ) -> Transmitted:
        """Transmit; replaying the same ``idempotency_key`` returns the same receipt."""
        headers = {"Idempotency-Key": idempotency_key}
        if version is not None:
            headers["If-Match"] = f'"{version}"'
        return cast(
            Transmitted,
            await self._json(
                "POST",
                f"/dossiers/{dossier_id}/transmit",
                json={"certifications": list(certifications)},
                headers=headers,
            ),
        )

    # --- pieces ---------------------------------------------------------------------------

    async def pieces(self, dossier_id: str) -> list[Piece]:
        return cast(list[Piece], await self._json("GET", f"/dossiers/{dossier_id}/pieces"))

    async def upload_piece(
        self,
        dossier_id: str,
        piece_type: str,
        path: Path,
        filename: str | None = None,
        *,
        progress: Progress | None = None,
    ) -> Piece:
        """Send one file (multipart, streamed from disk chunk by chunk; ``progress(sent,
        total)`` after each chunk). An identical file already attached to that type comes
        back as is (no duplicate). Cancelling the call mid-body leaves nothing on the
        platform: it keeps a file only once the whole body has arrived."""
        name = filename or path.name
        headers, body = multipart_body(
            path, name, _content_type(name), pace=self.pace, progress=progress
        )
        response = await self._send(
            "POST", f"/dossiers/{dossier_id}/pieces/{piece_type}", content=body, headers=headers
        )
        return cast(Piece, response.json())

    async def send_file(
        self,
        path: str,
        content: bytes,
        filename: str,
        content_type: str,
        *,
        params: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
        sent_all: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """POST ``content`` as the ``file`` part of a multipart body, streamed at
        `pace` with ``progress(sent, total)`` and ``sent_all()`` once the platform may
        have it whole (imports; see `multipart_body`). Refusals raise `ApiError`."""
        headers, body = multipart_body(
            content,
            filename,
            content_type,
            pace=self.pace,
            progress=progress,
            sent_all=sent_all,
        )
        return await self._send("POST", path, params=params, content=body, headers=headers)

    async def download(
        self,
        path: str,
        destination: Path,
        *,
        params: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
    ) -> Path:
        """GET ``path`` into ``destination`` through a temporary file next to it, renamed
        once the whole answer arrived: a cancelled or failed download leaves no half
        file. ``progress(received, total)`` after each chunk (``total``: the answer's
        Content-Length, None when the platform did not say)."""
        query = {k: v for k, v in (params or {}).items() if v is not None} or None
        destination = destination.expanduser()
        try:
            async with self._http.stream(
                "GET", path, params=query, headers=self._headers()
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise self._error(response)
                length = response.headers.get("content-length", "")
                total = int(length) if length.isdigit() else None
                handle, partial = await asyncio.to_thread(partial_path_for, destination)
                try:
                    received = 0
                    with os.fdopen(handle, "wb") as out:
                        if progress is not None:
                            progress(0, total)
                        async for chunk in response.aiter_bytes(self.pace.chunk_bytes):
                            if self.pace.pause > 0:
                                await asyncio.sleep(self.pace.pause)
                            await asyncio.to_thread(out.write, chunk)
                            received += len(chunk)
                            if progress is not None:
                                progress(received, total)
                    await asyncio.to_thread(os.replace, partial, destination)
                except BaseException:
                    await asyncio.shield(asyncio.to_thread(remove_quietly, partial))
                    raise
        except httpx.TimeoutException as error:
            raise Offline(f"la plateforme ne répond pas ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise Offline(f"plateforme injoignable ({type(error).__name__}: {error})") from error
        return destination

    async def delete_piece(self, dossier_id: str, piece_type: str, piece_id: str) -> None:
        await self._send("DELETE", f"/dossiers/{dossier_id}/pieces/{piece_type}/{piece_id}")

    async def download_piece(
        self, dossier_id: str, piece_type: str, piece_id: str, destination: Path
    ) -> Path:
        """Write the file to ``destination`` (streamed); returns it."""
        url = f"/dossiers/{dossier_id}/pieces/{piece_type}/{piece_id}/content"
        try:
            async with self._http.stream("GET", url, headers=self._headers()) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise self._error(response)
                partial = destination.with_name(destination.name + ".part")
                with partial.open("wb") as out:
                    async for chunk in response.aiter_bytes():
                        out.write(chunk)
                partial.replace(destination)
        except httpx.TimeoutException as error:
            raise Offline(f"la plateforme ne répond pas ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise Offline(f"plateforme injoignable ({type(error).__name__}: {error})") from error
        return destination
