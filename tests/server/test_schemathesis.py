"""Schemathesis over the OpenAPI document of the running platform.

Every operation is called with generated data (valid and invalid), authenticated as a real
CESP applicant who owns a draft: path parameters naming a dossier or a campaign point at
real ones half of the time, so that the calls get past "not found". Every answer must be
no 500 and conform to the document (status, content type, headers, body schema).
Runs on SQLite and on PostgreSQL; bounded to a few examples per operation.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.accounts import create_cesp_account, login
from tests.support.dossiers import create_dossier, make_campaign, upload
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as make_settings
from tests.support.smtp import SmtpSink

schema = schemathesis.pytest.from_fixture("api_schema")

#: - positive_data_acceptance: a request valid for the JSON Schema may still be refused by
#:   the domain (a NIR key, the closing date, a stale If-Match...): 4xx is the right answer.
EXCLUDED_CHECKS = [positive_data_acceptance]
#: Decides which cases get real resources (seeded: the same choices on every run).
_RNG = random.Random(20260313)
#: Operations that revoke the caller's session: called with a spare token.
SESSION_ENDING = frozenset({"/api/v1/auth/logout", "/api/v1/accounts/me/password"})


@dataclass
class FuzzTarget:
    server: ServerHandle
    token: str
    #: For the operations that end sessions (logout, password change): never `token`.
    spare_token: str
    campaign_id: int
    dossier_id: str
    piece_id: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    root: Path = tmp_path_factory.mktemp("fuzz")
    if request.param == "sqlite":
        url = f"sqlite:///{root / 'cesp.db'}"
    else:
        cluster: PostgresCluster | None = request.getfixturevalue("pg_cluster")
        if cluster is None:
            pytest.fail("PostgreSQL binaries not found: install postgresql")
        url = cluster.create_database()
    smtp = SmtpSink()
    smtp.start()
    server = start_server(make_settings(root / "data", url, smtp.port))
    try:
        token = create_cesp_account(server, smtp, "fuzz@exemple.fr")
        spare = login(server, "fuzz@exemple.fr")
        campaign = make_campaign(server, "cesp")
        with server.client(token) as client:
            dossier = create_dossier(client, campaign)
            piece = upload(client, dossier["id"], "cv").json()
        yield FuzzTarget(server, token, spare, campaign, dossier["id"], piece["id"])
    finally:
        server.stop()
        smtp.stop()


@pytest.fixture(scope="module")
def api_schema(fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{fuzz_target.server.url}/openapi.json")
    # Every call carries the applicant's bearer token (below): a case made "negative" by
    # leaving the Authorization header out is not negative once sent, so none is generated.
    schema.config.generation.update(with_security_parameters=False)
    return schema


def _point_at_real_resources(case: schemathesis.Case, target: FuzzTarget) -> None:
    params = case.path_parameters
    positive = case.meta is None or case.meta.generation.mode.is_positive
    if not params or not positive or case.method.upper() == "DELETE" or _RNG.random() < 0.5:
        return
    real = {
        "dossier_id": target.dossier_id,
        "campaign_id": target.campaign_id,
        "piece_id": target.piece_id,
        "piece_type": "cv",
    }
    for name, value in real.items():
        if name in params:
            params[name] = value


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_every_answer_conforms(case: schemathesis.Case, fuzz_target: FuzzTarget) -> None:
    _point_at_real_resources(case, fuzz_target)
    ends_session = case.operation.path in SESSION_ENDING
    token = fuzz_target.spare_token if ends_session else fuzz_target.token
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=EXCLUDED_CHECKS,
    )
