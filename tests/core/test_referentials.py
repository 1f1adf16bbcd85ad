"""The generated referentials (cesp_core/referentials/data/*.csv), their generator and
cesp_core.referentials."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import os
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pycountry
import pytest

from cesp_core import referentials
from cesp_core.referentials import Commune, Departement, Pays

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT / "cesp_core" / "referentials" / "data"


def _load_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "build_referentials.py"
    spec = importlib.util.spec_from_file_location("build_referentials", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build_referentials = _load_script()


def one(code: str, kind: str = "commune-actuelle") -> Commune:
    matches = [c for c in referentials.communes_by_code(code) if c.type == kind]
    assert len(matches) == 1, matches
    return matches[0]


# --- data files --------------------------------------------------------------------------


def test_communes_csv_counts_per_type() -> None:
    with (DATA / "communes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "code",
        "nom",
        "departement",
        "type",
        "codes_postaux",
        "anciens_codes",
        "chef_lieu",
    ]
    assert len(rows) == 37_590
    assert Counter(row["type"] for row in rows) == {
        "commune-actuelle": 34_969,
        "commune-deleguee": 2_105,
        "commune-associee": 471,
        "arrondissement-municipal": 45,
    }


def test_communes_csv_is_sorted_by_code_then_type() -> None:
    rank = {kind: i for i, kind in enumerate(referentials.COMMUNE_TYPES)}
    keys = [(c.code, rank[c.type], c.nom) for c in referentials.communes()]
    assert keys == sorted(keys)


def test_departements_csv() -> None:
    departements = referentials.departements()
    assert len(departements) == 109
    codes = [d.code for d in departements]
    assert codes[:3] == ["01", "02", "03"]
    # natural order: Corsica between 19 and 21, overseas at the end
    assert codes[codes.index("19") + 1 : codes.index("19") + 4] == ["2A", "2B", "21"]
    assert codes[-1] == "989"
    assert Counter(d.zone for d in departements) == {"metro": 96, "drom": 5, "com": 8}


def test_pays_csv_has_every_iso_country_in_french() -> None:
    countries = referentials.pays()
    assert len(countries) >= 240
    assert {c.code for c in countries} == {c.alpha_2 for c in pycountry.countries}
    names = {c.code: c.nom for c in countries}
    assert names["FR"] == "France"
    assert names["DE"] == "Allemagne"
    assert names["KR"] == "Corée du Sud"
    assert names["US"] == "États-Unis"


# --- known rows --------------------------------------------------------------------------


def test_limoges() -> None:
    limoges = one("87085")
    assert limoges.nom == "Limoges"
    assert limoges.departement == "87"
    assert "87000" in limoges.codes_postaux
    assert limoges.chef_lieu is None
    assert limoges.anciens_codes == ("87010",)


def test_ajaccio_and_saint_denis_de_la_reunion() -> None:
    ajaccio = one("2A004")
    assert (ajaccio.nom, ajaccio.departement) == ("Ajaccio", "2A")
    assert "20000" in ajaccio.codes_postaux
    saint_denis = one("97411")
    assert (saint_denis.nom, saint_denis.departement) == ("Saint-Denis", "974")


def test_delegated_commune_takes_its_parents_postal_codes() -> None:
    # Arbignieu became a delegated commune of Arboys en Bugey, which kept the code 01015.
    delegated = one("01015", "commune-deleguee")
    parent = one("01015")
    assert delegated.nom == "Arbignieu"
    assert parent.nom == "Arboys en Bugey"
    assert delegated.chef_lieu == "01015"
    assert delegated.codes_postaux == parent.codes_postaux == ("01300",)
    # and communes_by_code lists the current commune first
    assert [c.type for c in referentials.communes_by_code("01015")] == [
        "commune-actuelle",
        "commune-deleguee",
    ]


def test_associated_commune_has_parent_and_postal_codes() -> None:
    associated = one("01120", "commune-associee")
    assert associated.nom == "Cordieux"
    assert associated.chef_lieu == "01262"
    assert associated.codes_postaux == one("01262").codes_postaux != ()


def test_paris_arrondissement() -> None:
    first = one("75101", "arrondissement-municipal")
    assert first.nom == "Paris 1er Arrondissement"
    assert first.departement == "75"
    assert first.codes_postaux == ("75001",)
    assert first.chef_lieu == "75056"


def test_every_parent_is_a_current_commune() -> None:
    current = {c.code for c in referentials.communes() if c.type == "commune-actuelle"}
    for commune in referentials.communes():
        if commune.type == "commune-actuelle":
            assert commune.chef_lieu is None, commune
        else:
            assert commune.chef_lieu in current, commune
            assert commune.codes_postaux, commune


def test_every_commune_department_is_a_department() -> None:
    codes = {d.code for d in referentials.departements()}
    assert {c.departement for c in referentials.communes()} <= codes


# --- API ---------------------------------------------------------------------------------


def test_lookups() -> None:
    assert [c.nom for c in referentials.communes_by_postal_code("87000")] == ["Limoges"]
    assert referentials.communes_by_postal_code("00000") == ()
    assert referentials.communes_by_code("99999") == ()
    assert referentials.communes_by_code("2a004")[0].nom == "Ajaccio"
    assert referentials.departement_by_code("87") == Departement(
        "87", "Haute-Vienne", "75", "metro"
    )
    assert referentials.departement_by_code("2a").nom == "Corse-du-Sud"
    assert referentials.departement_by_code("971").nom == "Guadeloupe"
    assert referentials.departement_by_code("99") is None
    assert referentials.pays_by_code("fr") == Pays("FR", "France")
    assert referentials.pays_by_code("XX") is None


def test_loaded_once_and_immutable() -> None:
    assert referentials.communes() is referentials.communes()
    assert referentials.departements() is referentials.departements()
    commune = referentials.communes()[0]
    assert isinstance(referentials.communes(), tuple)
    assert isinstance(commune.codes_postaux, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        commune.nom = "x"  # type: ignore[misc]
    assert not hasattr(commune, "__dict__")  # slots


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "communes.csv").write_text(
        "code,nom,departement,type,codes_postaux,anciens_codes,chef_lieu\n"
        "99001,Testville,99,commune-actuelle,99000|99100,,\n"
        "99002,Vieux-Test,99,commune-deleguee,99000,,99001\n",
        encoding="utf-8",
    )
    (tmp_path / "departements.csv").write_text(
        "code,nom,region,zone\n99,Testland,00,metro\n", encoding="utf-8"
    )
    (tmp_path / "pays.csv").write_text("code,nom\nZZ,Zedland\n", encoding="utf-8")
    monkeypatch.setenv("CESP_REFERENTIALS_DIR", str(tmp_path))
    referentials._clear_caches()
    try:
        assert referentials.data_dir() == tmp_path
        assert [c.nom for c in referentials.communes_by_postal_code("99000")] == [
            "Testville",
            "Vieux-Test",
        ]
        assert referentials.communes()[0].codes_postaux == ("99000", "99100")
        assert referentials.communes()[1].chef_lieu == "99001"
        assert referentials.departements() == (Departement("99", "Testland", "00", "metro"),)
        assert referentials.pays() == (Pays("ZZ", "Zedland"),)
    finally:
        monkeypatch.delenv("CESP_REFERENTIALS_DIR")
        referentials._clear_caches()
    assert len(referentials.communes()) == 37_590


def test_default_data_dir_is_package_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The files ship inside the package (a wheel or ``pipx install`` has no repository
    around it): the default directory is the package's ``data`` resource, found through
    ``importlib.resources``, not a path relative to a checkout."""
    monkeypatch.delenv("CESP_REFERENTIALS_DIR", raising=False)
    package = Path(referentials.__file__).parent
    assert referentials.data_dir() == package / "data" == DATA
    assert referentials.data_dir().joinpath("communes.csv").is_file()


# --- generator ---------------------------------------------------------------------------

RAW_COMMUNES = [
    {"code": "02002", "nom": "Zed", "departement": "02", "type": "commune-actuelle"},
    {
        "code": "01002",
        "nom": "Parent",
        "departement": "01",
        "type": "commune-actuelle",
        "codesPostaux": ["01200", "01100", "01100"],
        "anciensCodes": ["01009", "01003"],
    },
    {
        "code": "01002",
        "nom": "Ancienne",
        "departement": "01",
        "type": "commune-deleguee",
        "chefLieu": "01002",
    },
    {
        "code": "01005",
        "nom": "Associée",
        "departement": "01",
        "type": "commune-associee",
        "chefLieu": "01002",
    },
    {
        "code": "01101",
        "nom": "Parent 1er Arrondissement",
        "departement": "01",
        "type": "arrondissement-municipal",
        "commune": "01002",
        "codesPostaux": ["01001"],
    },
]


def test_generator_commune_rows() -> None:
    rows = build_referentials.commune_rows(list(reversed(RAW_COMMUNES)))
    assert rows == [
        ("01002", "Parent", "01", "commune-actuelle", "01100|01200", "01003|01009", ""),
        ("01002", "Ancienne", "01", "commune-deleguee", "01100|01200", "", "01002"),
        ("01005", "Associée", "01", "commune-associee", "01100|01200", "", "01002"),
        (
            "01101",
            "Parent 1er Arrondissement",
            "01",
            "arrondissement-municipal",
            "01001",
            "",
            "01002",
        ),
        ("02002", "Zed", "02", "commune-actuelle", "", "", ""),
    ]


def test_generator_is_deterministic() -> None:
    first = build_referentials.render_csv(
        build_referentials.COMMUNE_COLUMNS, build_referentials.commune_rows(RAW_COMMUNES)
    )
    second = build_referentials.render_csv(
        build_referentials.COMMUNE_COLUMNS,
        build_referentials.commune_rows(list(reversed(RAW_COMMUNES))),
    )
    assert first == second
    assert first.startswith("code,nom,departement,type,codes_postaux,anciens_codes,chef_lieu\n")
    assert build_referentials.pays_rows() == build_referentials.pays_rows()


def test_generated_pays_matches_checked_in_file() -> None:
    expected = build_referentials.render_csv(
        build_referentials.PAYS_COLUMNS, build_referentials.pays_rows()
    )
    assert (DATA / "pays.csv").read_text(encoding="utf-8") == expected


PACKAGE_DIR = Path(os.environ.get("CESP_DECOUPAGE_DIR", "/tmp/etalab/package"))


@pytest.mark.skipif(
    not (PACKAGE_DIR / "data" / "communes.json").exists(),
    reason="no extracted @etalab/decoupage-administratif (set CESP_DECOUPAGE_DIR)",
)
def test_checked_in_files_are_up_to_date() -> None:
    assert build_referentials.main(["--package-dir", str(PACKAGE_DIR), "--check"]) == 0
