"""The client's configuration: which platform to talk to, where to keep local data.

Sources, the first that says something wins: command-line arguments, the environment
(``CESP_SERVER_URL``, ``CESP_CLIENT_DATA_DIR``, ``CESP_CLIENT_NO_MOUSE``), the optional
TOML file ``client.toml`` in the user's configuration directory (platformdirs), defaults.

``client.toml`` (every key optional)::

    server_url = "https://cesp.example.org"   # absent: the embedded platform
    data_dir = "~/cesp"
    no_mouse = true

    [keymap]                                  # binding id = key(s), ADR 0026
    "dossier.save" = "f2"
    "app.logout" = "ctrl+shift+l"
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

__all__ = [
    "ClientConfig",
    "ConfigError",
    "default_config_path",
    "default_data_dir",
    "is_loopback",
    "load_config",
    "normalise_server_url",
]

APP_NAME = "cesp"
ENV_SERVER_URL = "CESP_SERVER_URL"
ENV_DATA_DIR = "CESP_CLIENT_DATA_DIR"
ENV_NO_MOUSE = "CESP_CLIENT_NO_MOUSE"
ENV_CONFIG_FILE = "CESP_CLIENT_CONFIG"

_TRUE = {"1", "true", "yes", "oui", "on"}
_FALSE = {"0", "false", "no", "non", "off", ""}


class ConfigError(ValueError):
    """A configuration value is wrong; the message is French, for the user."""


def default_data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_config_path() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "client.toml"


@dataclass(frozen=True, slots=True)
class ClientConfig:
    #: Base URL of a shared platform (``https://host``); None: the embedded platform.
    server_url: str | None = None
    #: Where the client keeps its drafts (and the embedded platform its data).
    data_dir: Path = field(default_factory=default_data_dir)
    #: Do not capture the mouse (keyboard-only terminals, copy/paste over SSH).
    no_mouse: bool = False
    #: The user's keys, binding id -> key(s) ("f2", "ctrl+s,f2"): `App.set_keymap`.
    keymap: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.server_url is None

    @property
    def drafts_path(self) -> Path:
        return self.data_dir / "drafts.db"

    @property
    def platform_dir(self) -> Path:
        """Data of the embedded platform (SQLite database, pieces, Maildir)."""
        return self.data_dir / "platform"


def is_loopback(host: str | None) -> bool:
    """``localhost``, ``127.x.y.z`` or ``::1``: traffic that never leaves this computer."""
    if not host:
        return False
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_server_url(url: str, *, insecure_http: bool = False) -> str:
    """``url`` without trailing slash; ConfigError unless it is an http(s) URL with a host.

    Plain ``http://`` is accepted only for this computer (loopback) unless
    ``insecure_http``: passwords and dossiers would cross the network unencrypted."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"Adresse de serveur invalide : « {url} ». Exemple : https://cesp.example.org"
        )
    if parts.scheme == "http" and not insecure_http and not is_loopback(parts.hostname):
        raise ConfigError(
            f"Adresse non chiffrée refusée : « {url} ». Les mots de passe et les dossiers "
            "passeraient en clair sur le réseau : utilisez https://, ou ajoutez "
            "--insecure-http si vous acceptez ce risque (réseau de confiance seulement)."
        )
    return text.rstrip("/")


def _as_bool(value: object, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"{source} : valeur « {value} » non reconnue (attendu : true ou false).")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"Fichier de configuration illisible ({path}) : {error}") from error


def load_config(
    *,
    server_url: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    no_mouse: bool | None = None,
    insecure_http: bool = False,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> ClientConfig:
    """Merge the command-line values given here with the environment and the TOML file."""
    env = os.environ if environ is None else environ
    path = config_path or (
        Path(env[ENV_CONFIG_FILE]) if env.get(ENV_CONFIG_FILE) else default_config_path()
    )
    file_values = _read_toml(path)

    url = server_url or env.get(ENV_SERVER_URL) or file_values.get("server_url") or None
    if url is not None and not isinstance(url, str):
        raise ConfigError(f"{path} : server_url doit être une chaîne.")

    directory: str | os.PathLike[str] | None = (
        data_dir or env.get(ENV_DATA_DIR) or file_values.get("data_dir") or None
    )

    if no_mouse is None:
        if env.get(ENV_NO_MOUSE) is not None:
            no_mouse = _as_bool(env[ENV_NO_MOUSE], ENV_NO_MOUSE)
        elif "no_mouse" in file_values:
            no_mouse = _as_bool(file_values["no_mouse"], f"{path} : no_mouse")
        else:
            no_mouse = False

    return ClientConfig(
        server_url=normalise_server_url(url, insecure_http=insecure_http) if url else None,
        data_dir=Path(directory).expanduser() if directory else default_data_dir(),
        no_mouse=no_mouse,
        keymap=_keymap(file_values.get("keymap", {}), path),
    )


def _keymap(table: object, path: Path) -> dict[str, str]:
    """The ``[keymap]`` table: binding id -> key(s); a clear French error otherwise."""
    if not isinstance(table, dict):
        raise ConfigError(f'{path} : [keymap] doit être une table (identifiant = "touche").')
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(
                f"{path} : [keymap] {binding_id} : touche attendue entre guillemets "
                '(exemple : "f2" ou "ctrl+s,f2").'
            )
        keymap[str(binding_id)] = keys.strip()
    return keymap
