"""``cesp``: the terminal client (``python -m cesp_tui``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version

from cesp_client.config import ConfigError, load_config
from cesp_core.cli_text import use_french


def _version() -> str:
    try:
        return version("cesp")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "inconnue"


class _FrenchHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, prefix or "utilisation : ")


def build_parser() -> argparse.ArgumentParser:
    use_french()
    parser = argparse.ArgumentParser(
        prog="cesp",
        formatter_class=_FrenchHelpFormatter,
        description="Client terminal des dossiers CESP et Assistant Spécialiste Partagé. "
        "Sans serveur configuré, la plateforme démarre en local (base SQLite et boîte mail "
        "locale dans le dossier de données).",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")
    parser.add_argument(
        "--server",
        metavar="URL",
        help="adresse d'une plateforme partagée (sinon : variable CESP_SERVER_URL, "
        "fichier client.toml, ou plateforme locale)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DOSSIER",
        help="dossier des brouillons locaux et de la plateforme locale "
        "(sinon : variable CESP_CLIENT_DATA_DIR)",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        default=None,
        help="ne pas capturer la souris (clavier seul, copier-coller du terminal)",
    )
    parser.add_argument(
        "--insecure-http",
        action="store_true",
        help="accepter une plateforme en http:// non chiffré hors de cet ordinateur "
        "(déconseillé : mots de passe et dossiers en clair sur le réseau)",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"cesp {_version()}",
        help="afficher la version et quitter",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(
            server_url=args.server,
            data_dir=args.data_dir,
            no_mouse=args.no_mouse,
            insecure_http=args.insecure_http,
        )
    except ConfigError as error:
        print(f"cesp : {error}", file=sys.stderr)
        return 2

    from cesp_client.services import ClientServices
    from cesp_tui.app import CespApp  # after argument parsing: --help stays instant

    app = CespApp(ClientServices.from_config(config))
    app.run(mouse=not config.no_mouse)
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
