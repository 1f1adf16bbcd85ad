"""Per-account quotas (issue 15): dossiers per account and campaign, stored bytes per account.

- `ensure_dossier_quota`: how many dossiers one account may create in one campaign
  (`Settings.max_dossiers_per_campaign`, by role: candidats, établissements, staff keying
  paper dossiers). 409 `dossier_quota` past it.
- `ensure_storage_quota`: the pieces of every dossier an account owns add up to at most
  `Settings.max_account_bytes`; an upload starting at or past it is refused (409
  `account_storage_full`). The check is made before the upload: one upload started under
  the cap may end past it by at most one file (the per-file and per-dossier caps still
  hold while the body streams in).

Both counts are read, not reserved: two requests racing at the limit may both pass; the
overshoot is bounded by the number of concurrent requests of one account.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from cesp_core.lifecycle import Role

from ..errors import ApiProblem
from ..models import Account, Campaign, Dossier, Piece
from ..settings import Settings
from .dossiers import role_of

__all__ = ["dossier_cap", "ensure_dossier_quota", "ensure_storage_quota"]


def dossier_cap(account: Account, settings: Settings) -> int:
    role = role_of(account)
    if role is Role.CANDIDAT:
        return settings.max_dossiers_per_campaign
    if role is Role.ETABLISSEMENT:
        return settings.max_dossiers_per_campaign_etablissement
    return settings.max_dossiers_per_campaign_staff


def ensure_dossier_quota(
    session: Session, account: Account, campaign: Campaign, settings: Settings
) -> None:
    cap = dossier_cap(account, settings)
    made = session.exec(
        select(func.count()).where(
            col(Dossier.campaign_id) == campaign.id, col(Dossier.created_by_id) == account.id
        )
    ).one()
    if int(made) >= cap:
        raise ApiProblem(
            409,
            "dossier_quota",
            f"Vous avez atteint le nombre maximal de dossiers pour cette campagne ({cap}) : "
            "supprimez un brouillon inutile ou contactez le support.",
            extra={"max_dossiers": cap},
        )


def ensure_storage_quota(session: Session, owner_id: int, settings: Settings) -> None:
    cap = settings.max_account_bytes
    used = session.exec(
        select(func.coalesce(func.sum(Piece.size), 0))
        .select_from(Piece)
        .join(Dossier, col(Dossier.id) == col(Piece.dossier_id))
        .where(col(Dossier.owner_id) == owner_id)
    ).one()
    if int(used) >= cap:
        raise ApiProblem(
            409,
            "account_storage_full",
            f"L'espace réservé aux pièces de ce compte est plein ({cap / (1024 * 1024):g} Mo) "
            ": supprimez des fichiers inutiles avant d'en joindre d'autres.",
            extra={"max_account_bytes": cap, "used_bytes": int(used)},
        )
