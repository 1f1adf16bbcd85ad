"""`cesp-server`: run the platform and administer it (staff accounts, campaigns, jobs, mail).

Settings come from the environment (`CESP_*`, see `cesp_server.settings`);
`--database-url` and `--data-dir` override them for one command.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import string
import sys
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from cesp_core.cli_text import use_french

from .clock import format_local, local_tz
from .db import make_engine
from .settings import Settings, embedded_platform_dir
from .storage import PieceStore

STAFF_ROLES = ("agent", "support", "instructeur", "admin")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M")


class CliError(Exception):
    """A refusal: the French message is printed and the exit status is 1."""


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of one command. With no database and no data directory configured
    (option or environment), the embedded platform's directory (the one the `cesp` client
    starts its platform in, `embedded_platform_dir`), said on stderr."""
    overrides: dict[str, object] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    configured = (
        args.database_url
        or args.data_dir
        or os.environ.get("CESP_DATABASE_URL", "").strip()
        or os.environ.get("CESP_DATA_DIR", "").strip()
    )
    if not configured:
        overrides["data_dir"] = embedded_platform_dir()
    settings = Settings(**overrides)  # type: ignore[arg-type]
    if not configured:
        print(
            "cesp-server : aucune base configurée (CESP_DATABASE_URL, --database-url, "
            f"--data-dir) : données de la plateforme intégrée au client, {settings.data_dir} "
            f"(base {settings.resolved_database_url}).",
            file=sys.stderr,
        )
    return settings


def _engine(settings: Settings) -> Engine:
    """An engine on an up-to-date schema (the same initialisation as the server's)."""
    from . import models  # noqa: F401  (registers every table)
    from .migrate import upgrade

    engine = make_engine(settings)
    upgrade(engine, settings)
    return engine


def _parse_local(value: str, tz_name: str) -> datetime:
    for fmt in _DATETIME_FORMATS:
        try:
            naive = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=local_tz(tz_name))
    raise CliError(
        f"Date et heure illisibles : « {value} » (format attendu : "
        "AAAA-MM-JJ HH:MM, heure de Paris)."
    )


def generate_password(length: int = 16) -> str:
    """A random password that meets the policy (letters, digits, specials; ASCII)."""
    specials = "!#$%&*+-=?@_"
    alphabet = string.ascii_letters + string.digits + specials
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isdigit() for c in password)
            and any(c in specials for c in password)
            and any(c.islower() for c in password)
            and any(c.isupper() for c in password)
        ):
            return password


# --- commands ----------------------------------------------------------------------------


def proxy_options(settings: Settings) -> dict[str, object]:
    """uvicorn's proxy settings: ``X-Forwarded-*`` are believed only from the addresses in
    `Settings.trusted_proxies` (none by default: the client is the TCP peer)."""
    trusted = ",".join(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    if not trusted:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    if args.database_url:
        os.environ["CESP_DATABASE_URL"] = args.database_url
    if args.data_dir:
        os.environ["CESP_DATA_DIR"] = str(args.data_dir)
    settings = _settings(args)
    # The workers read their settings from the environment: the same data directory.
    os.environ["CESP_DATA_DIR"] = str(settings.data_dir)
    _engine(settings).dispose()  # create or check the schema once, before the workers
    _check_store(settings)
    if (
        settings.metrics_enabled
        and args.workers > 1
        and not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    ):
        import tempfile

        # Each worker writes its samples there; a scrape of any worker adds them up.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="cesp-metrics-")
    extra: dict[str, object] = {}
    if settings.log_json:
        from .logjson import json_log_config

        extra["log_config"] = json_log_config(args.log_level)
    uvicorn.run(
        "cesp_server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        **proxy_options(settings),  # type: ignore[arg-type]
        log_level=args.log_level,
        **extra,  # type: ignore[arg-type]
    )
    return 0


def _check_store(settings: Settings) -> None:
    """Refuse to start on a piece store that does not answer (credentials, bucket)."""
    from .storage import StoreUnavailable, make_store

    try:
        store = make_store(settings)
        if store.kind == "file":
            store.init()
        store.check()
    except StoreUnavailable as exc:
        raise CliError(f"stockage des pièces inutilisable : {exc}.") from exc


def cmd_user_create(args: argparse.Namespace) -> int:
    from .crud.accounts import AccountError, create_staff_account

    password = args.password
    generated = False
    if args.generate:
        password, generated = generate_password(), True
    elif not password:
        if not sys.stdin.isatty():
            raise CliError(
                "Donnez --password, --generate, ou lancez la commande dans un "
                "terminal pour saisir le mot de passe."
            )
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmation : ") != password:
            raise CliError("Les deux mots de passe ne sont pas identiques.")
    from cesp_core.validators import validate_person_name

    for value, label in ((args.nom, "Le nom"), (args.prenom, "Le prénom")):
        name_problem = validate_person_name(value, label)
        if name_problem:
            raise CliError(name_problem)
    settings = _settings(args)
    engine = _engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            account = create_staff_account(
                session,
                role=args.role,
                email=args.email,
                nom=args.nom,
                prenom=args.prenom,
                password=password,
            )
    except AccountError as exc:
        raise CliError(str(exc)) from exc
    finally:
        engine.dispose()
    print(f"Compte {account.role} créé : identifiant {account.username} ({account.email}).")
    if generated:
        print(f"Mot de passe (affiché une seule fois) : {password}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from .models import Account

    engine = _engine(_settings(args))
    with Session(engine) as session:
        query = select(Account).order_by(col(Account.id))
        if args.role:
            query = query.where(Account.role == args.role)
        accounts = session.exec(query).all()
    engine.dispose()
    for a in accounts:
        print(f"{a.id:>6}  {a.role:<13} {a.status:<17} {a.username:<30} {a.email}")
    if not accounts:
        print("Aucun compte.")
    return 0


def cmd_campaign_create(args: argparse.Namespace) -> int:
    from .crud.campaigns import CampaignError, create_campaign

    settings = _settings(args)
    opens = _parse_local(args.opens, settings.timezone)
    closes = _parse_local(args.closes, settings.timezone)
    engine = _engine(settings)
    try:
        with Session(engine, expire_on_commit=False) as session:
            campaign = create_campaign(
                session,
                demarche=args.demarche,
                year=args.year,
                label=args.label,
                opens_at=opens,
                closes_at=closes,
            )
    except CampaignError as exc:
        raise CliError(str(exc)) from exc
    finally:
        engine.dispose()
    print(
        f"Campagne {campaign.id} créée : {campaign.demarche} {campaign.year} « "
        f"{campaign.label} », du {format_local(campaign.opens_at, settings.timezone)} au "
        f"{format_local(campaign.closes_at, settings.timezone)} (heure de Paris)."
    )
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from .crud.campaigns import list_campaigns

    settings = _settings(args)
    engine = _engine(settings)
    with Session(engine) as session:
        campaigns = list_campaigns(session, args.demarche)
    engine.dispose()
    for c in campaigns:
        print(
            f"{c.id:>4}  {c.demarche:<5} {c.year}  "
            f"{format_local(c.opens_at, settings.timezone)} → "
            f"{format_local(c.closes_at, settings.timezone)}  {c.label}"
        )
    if not campaigns:
        print("Aucune campagne.")
    return 0


def _deliver_all(engine: Engine, settings: Settings) -> int:
    from .mail.outbox import deliver_pending

    total = 0
    while True:
        sent = deliver_pending(engine, settings, limit=100)
        total += sent
        if sent < 100:
            return total


def cmd_jobs_run(args: argparse.Namespace) -> int:
    """Reminders then mail delivery; every step is safe to run on several workers at once."""
    from .crud.accounts import purge_expired
    from .crud.ratelimit import purge
    from .limits import LIMITS

    settings = _settings(args)
    engine = _engine(settings)
    try:
        reminders = 0
        try:
            from .jobs.reminders import send_closing_reminders
        except ImportError:
            send_closing_reminders = None  # type: ignore[assignment]
        if send_closing_reminders is not None:
            reminders = send_closing_reminders(engine, settings)
        sent = _deliver_all(engine, settings)
        with Session(engine) as session:
            purged = purge(session, LIMITS.counter_retention) + purge_expired(session)
        swept = _sweep(engine, settings)
    finally:
        engine.dispose()
    print(
        f"Rappels mis en file : {reminders} ; e-mails envoyés : {sent} ; "
        f"lignes expirées purgées : {purged}.{swept}"
    )
    return 0


def _sweep(engine: Engine, settings: Settings) -> str:
    from .pieces_admin import sweep
    from .storage import StoreUnavailable, make_store

    try:
        report = sweep(engine, settings, make_store(settings))
    except StoreUnavailable as exc:
        print(f"cesp-server : stockage des pièces injoignable, nettoyage remis : {exc}.")
        return ""
    text = (
        f"\nPièces : envois interrompus nettoyés : "
        f"{report.parts_removed + report.uploads_aborted} ; fichiers sans pièce supprimés : "
        f"{report.orphans_removed} ; pièces sans fichier : {len(report.rows_without_object)}."
    )
    for piece_id in report.rows_without_object[:20]:
        text += f"\n  pièce sans fichier : {piece_id}"
    return text


def _store_or_fail(settings: Settings, kind: str | None = None) -> PieceStore:
    from .storage import StoreUnavailable, make_store

    try:
        return make_store(settings, kind)
    except StoreUnavailable as exc:
        raise CliError(f"stockage des pièces inutilisable : {exc}.") from exc


def cmd_pieces_init(args: argparse.Namespace) -> int:
    from .storage import StoreUnavailable

    settings = _settings(args)
    store = _store_or_fail(settings)
    try:
        store.init()
        store.check()
    except StoreUnavailable as exc:
        raise CliError(f"stockage des pièces inutilisable : {exc}.") from exc
    print(f"Stockage des pièces prêt : {store.describe()}.")
    return 0


def cmd_pieces_migrate(args: argparse.Namespace) -> int:
    from .pieces_admin import migrate
    from .storage import StoreUnavailable

    settings = _settings(args)
    source = _store_or_fail(settings, "file" if args.to == "s3" else "s3")
    target = _store_or_fail(settings, args.to)
    engine = _engine(settings)
    try:
        target.init()
        report = migrate(engine, settings, source, target)
    except StoreUnavailable as exc:
        raise CliError(
            f"migration interrompue (relancez la même commande pour reprendre) : {exc}."
        ) from exc
    finally:
        engine.dispose()
    print(
        f"Pièces copiées vers {target.describe()} : {report.copied} ; déjà présentes et "
        f"vérifiées : {report.already} ; absentes de la source : {len(report.missing)} ; "
        f"empreinte SHA-256 incorrecte : {len(report.corrupt)}."
    )
    for piece_id in report.missing:
        print(f"  absente : {piece_id}")
    for piece_id in report.corrupt:
        print(f"  empreinte incorrecte : {piece_id}")
    if report.missing or report.corrupt:
        return 1
    print(f"Vous pouvez maintenant régler CESP_PIECES_STORE={args.to}.")
    return 0


def cmd_mail_flush(args: argparse.Namespace) -> int:
    from .models import OutboxMail, utcnow

    settings = _settings(args)
    engine = _engine(settings)
    try:
        if args.retry_now:
            with engine.begin() as conn:
                conn.execute(
                    update(OutboxMail)
                    .where(col(OutboxMail.sent_at).is_(None))
                    .values(next_attempt_at=utcnow())
                )
        sent = _deliver_all(engine, settings)
        with Session(engine) as session:
            waiting = len(
                session.exec(select(OutboxMail.id).where(col(OutboxMail.sent_at).is_(None))).all()
            )
    finally:
        engine.dispose()
    print(f"E-mails envoyés : {sent} ; en attente d'un nouvel essai : {waiting}.")
    return 0


# --- parser ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    use_french()  # "utilisation", "options", "afficher cette aide et quitter"
    parser = argparse.ArgumentParser(
        prog="cesp-server",
        description="Plateforme des candidatures CESP et Assistant Spécialiste Partagé : "
        "serveur et administration. Réglages par variables d'environnement CESP_*.",
    )
    parser.add_argument("--database-url", help="URL SQLAlchemy de la base (CESP_DATABASE_URL)")
    parser.add_argument("--data-dir", help="Dossier des données (CESP_DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    serve = commands.add_parser("serve", help="Lancer le serveur HTTP (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="Adresse d'écoute (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="Port d'écoute (8000)")
    serve.add_argument("--workers", type=int, default=1, help="Nombre de processus (1)")
    serve.add_argument("--log-level", default="info", help="Niveau de journal (info)")
    serve.set_defaults(func=cmd_serve)

    user = commands.add_parser("user", help="Comptes du personnel").add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    create = user.add_parser("create", help="Créer un compte agent, support, instructeur ou admin")
    create.add_argument("--role", required=True, choices=STAFF_ROLES, help="Rôle du compte")
    create.add_argument("--email", required=True, help="Adresse e-mail (identifiant)")
    create.add_argument("--nom", required=True, help="Nom")
    create.add_argument("--prenom", required=True, help="Prénom")
    secret = create.add_mutually_exclusive_group()
    secret.add_argument("--password", help="Mot de passe (sinon demandé au clavier)")
    secret.add_argument(
        "--generate", action="store_true", help="Générer un mot de passe, affiché une seule fois"
    )
    create.set_defaults(func=cmd_user_create)
    users = user.add_parser("list", help="Lister les comptes")
    users.add_argument("--role", help="Seulement ce rôle")
    users.set_defaults(func=cmd_user_list)

    campaign = commands.add_parser("campaign", help="Campagnes de candidature").add_subparsers(
        dest="campaign_command", required=True, metavar="ACTION"
    )
    ccreate = campaign.add_parser("create", help="Créer une campagne (dates en heure de Paris)")
    ccreate.add_argument(
        "--demarche", required=True, choices=("cesp", "asp"), help="Démarche : cesp ou asp"
    )
    ccreate.add_argument("--year", required=True, type=int, help="Année de la campagne")
    ccreate.add_argument("--label", required=True, help="Libellé affiché")
    ccreate.add_argument(
        "--opens", required=True, help="Ouverture, « AAAA-MM-JJ HH:MM » (heure de Paris)"
    )
    ccreate.add_argument(
        "--closes", required=True, help="Clôture incluse, « AAAA-MM-JJ HH:MM » (heure de Paris)"
    )
    ccreate.set_defaults(func=cmd_campaign_create)
    clist = campaign.add_parser("list", help="Lister les campagnes")
    clist.add_argument("--demarche", choices=("cesp", "asp"), help="Seulement cette démarche")
    clist.set_defaults(func=cmd_campaign_list)

    jobs = commands.add_parser("jobs", help="Tâches planifiées").add_subparsers(
        dest="jobs_command", required=True, metavar="ACTION"
    )
    run = jobs.add_parser(
        "run",
        help="Rappels de clôture et envoi des e-mails en attente "
        "(pour cron ; sans risque sur plusieurs serveurs)",
    )
    run.set_defaults(func=cmd_jobs_run)

    pieces = commands.add_parser("pieces", help="Stockage des pièces").add_subparsers(
        dest="pieces_command", required=True, metavar="ACTION"
    )
    pinit = pieces.add_parser(
        "init", help="Créer le dossier ou le compartiment S3 des pièces (CESP_PIECES_STORE)"
    )
    pinit.set_defaults(func=cmd_pieces_init)
    pmigrate = pieces.add_parser(
        "migrate",
        help="Copier toutes les pièces vers l'autre stockage (vérifiées par SHA-256 ; "
        "reprise possible, sans risque si relancée)",
    )
    pmigrate.add_argument("--to", required=True, choices=("s3", "file"), help="Destination")
    pmigrate.set_defaults(func=cmd_pieces_migrate)

    mail = commands.add_parser("mail", help="File d'envoi des e-mails").add_subparsers(
        dest="mail_command", required=True, metavar="ACTION"
    )
    flush = mail.add_parser("flush", help="Envoyer maintenant les e-mails en attente")
    flush.add_argument(
        "--retry-now",
        action="store_true",
        help="Réessayer aussi les e-mails en échec sans attendre leur délai",
    )
    flush.set_defaults(func=cmd_mail_flush)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CliError as exc:
        print(f"cesp-server : {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
