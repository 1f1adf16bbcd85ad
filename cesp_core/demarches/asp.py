"""Démarche 2: Assistant Spécialiste Partagé, ARS Île-de-France (guide 003).

Only a hospital's Bureau des Affaires Médicales submits. "Identification" is saved
first; the other tabs in any order. Pieces are PDF only. The field lists are our
reconstruction (the guide's screenshots were lost).
"""

from __future__ import annotations

from .cesp import CIVILITES
from .model import Choice, Demarche, Field, FieldType, Op, PieceType, Tab, TabKind, When

POSTES_PERENNES = (
    Choice("praticien_hospitalier", "Praticien hospitalier (PH)"),
    Choice("praticien_contractuel", "Praticien contractuel"),
    Choice("chef_clinique", "Chef de clinique des universités - assistant des hôpitaux"),
    Choice("autre", "Autre (préciser dans l'engagement)"),
)

ETABLISSEMENT_POSTE = (
    Choice("recruteur", "Établissement recruteur"),
    Choice("partenaire", "Établissement partenaire"),
)

IDENTIFICATION = Tab(
    key="identification",
    label="Identification",
    help="Établissements partenaires sur le projet médical partagé et le recrutement. "
    "Cet onglet doit être enregistré en premier.",
    checks=("distinct_establishments",),
    fields=(
        Field(
            "etab_recruteur_nom",
            "Établissement recruteur",
            FieldType.TEXT,
            required=True,
            max_length=160,
            from_account="etablissement_nom",
            help="Celui du compte de l'établissement (il ne se modifie pas ici).",
        ),
        Field(
            "etab_recruteur_finess",
            "N° FINESS de l'établissement recruteur",
            FieldType.FINESS,
            required=True,
            from_account="finess",
            help="Celui du compte de l'établissement (il ne se modifie pas ici).",
        ),
        Field(
            "etab_partenaire_nom",
            "Établissement partenaire",
            FieldType.TEXT,
            required=True,
            max_length=160,
        ),
        Field(
            "etab_partenaire_finess",
            "N° FINESS de l'établissement partenaire",
            FieldType.FINESS,
            required=True,
        ),
        Field(
            "etab_partenaire_email",
            "E-mail du Bureau des Affaires Médicales partenaire",
            FieldType.EMAIL,
            required=True,
            help="Il recevra l'information de publication des résultats.",
        ),
        Field(
            "specialite",
            "Spécialité médicale",
            FieldType.SPECIALITE,
            required=True,
            max_length=120,
            repeatable=True,
            help="Un des 44 DES (tapez les premières lettres).",
        ),
    ),
)

PROJET_MEDICAL = Tab(
    key="projet_medical",
    label="Projet médical",
    help="Nature et projet médical partagé entre les établissements partenaires.",
    fields=(
        Field(
            "intitule_projet", "Intitulé du projet", FieldType.TEXT, required=True, max_length=200
        ),
        Field(
            "description_projet",
            "Description du projet médical partagé",
            FieldType.TEXTAREA,
            required=True,
            max_length=6000,
        ),
        Field(
            "nature_collaboration",
            "Nature de la collaboration",
            FieldType.TEXTAREA,
            required=True,
            max_length=4000,
        ),
        Field(
            "quotite_recruteur",
            "Temps dans l'établissement recruteur (%)",
            FieldType.INT,
            required=True,
            min_value=10,
            max_value=90,
            help="Le reste du temps est effectué dans l'établissement partenaire.",
        ),
    ),
)

PROFIL_POSTE = Tab(
    key="profil_poste",
    label="Profil poste",
    help="Teneur du poste proposé par les établissements partenaires.",
    fields=(
        Field(
            "service_recruteur",
            "Service d'accueil (recruteur)",
            FieldType.TEXT,
            required=True,
            max_length=160,
        ),
        Field(
            "chef_service_recruteur",
            "Chef de service (recruteur)",
            FieldType.TEXT,
            required=True,
            max_length=120,
        ),
        Field(
            "service_partenaire",
            "Service d'accueil (partenaire)",
            FieldType.TEXT,
            required=True,
            max_length=160,
        ),
        Field(
            "chef_service_partenaire",
            "Chef de service (partenaire)",
            FieldType.TEXT,
            required=True,
            max_length=120,
        ),
        Field("missions", "Missions", FieldType.TEXTAREA, required=True, max_length=6000),
        Field(
            "permanence_soins",
            "Participation à la permanence des soins",
            FieldType.TEXTAREA,
            max_length=2000,
            help="Gardes et astreintes.",
        ),
        Field("date_prise_fonction", "Date de prise de fonction", FieldType.DATE, required=True),
    ),
)

PERSPECTIVES = Tab(
    key="perspectives",
    label="Perspectives de carrière",
    help="Poste pérenne proposé au candidat.",
    fields=(
        Field(
            "poste_perenne",
            "Poste pérenne proposé",
            FieldType.CHOICE,
            required=True,
            choices=POSTES_PERENNES,
        ),
        Field(
            "etablissement_poste",
            "Établissement du poste pérenne",
            FieldType.CHOICE,
            required=True,
            choices=ETABLISSEMENT_POSTE,
        ),
        Field("date_previsionnelle_poste", "Date prévisionnelle", FieldType.DATE, required=True),
        Field(
            "engagement",
            "Engagement de l'établissement",
            FieldType.TEXTAREA,
            required=True,
            max_length=4000,
        ),
    ),
)

CANDIDAT = Tab(
    key="candidat",
    label="Candidat",
    help="Candidat proposé ; il doit être inscrit à l'Ordre des médecins (n° RPPS) ou "
    "donner une date prévisionnelle d'inscription.",
    fields=(
        Field("civilite", "Civilité", FieldType.CHOICE, required=True, choices=CIVILITES),
        Field("nom", "Nom", FieldType.TEXT, required=True, max_length=80),
        Field("prenom", "Prénom", FieldType.TEXT, required=True, max_length=80),
        Field("date_naissance", "Date de naissance", FieldType.DATE, required=True),
        Field("email", "E-mail", FieldType.EMAIL, required=True),
        Field("telephone", "Téléphone", FieldType.PHONE),
        Field("des", "DES / spécialité", FieldType.TEXT, required=True, max_length=120),
        Field("date_fin_internat", "Date de fin d'internat", FieldType.DATE, required=True),
        Field("inscrit_ordre", "Inscrit(e) au tableau de l'Ordre des médecins", FieldType.BOOL),
        Field(
            "rpps",
            "N° RPPS",
            FieldType.RPPS,
            required=True,
            visible_if=When("inscrit_ordre", Op.TRUTHY),
            help="11 chiffres.",
        ),
        Field(
            "date_previsionnelle_inscription",
            "Date prévisionnelle d'inscription",
            FieldType.DATE,
            required=True,
            visible_if=When("inscrit_ordre", Op.FALSY),
            not_in_past=True,
            help="Aujourd'hui ou plus tard.",
        ),
    ),
)

PIECES_TAB = Tab(
    key="pieces",
    label="Joindre fichier / Dossier complet",
    kind=TabKind.PIECES,
    help="Formats autorisés UNIQUEMENT PDF.",
    fields=(
        Field(
            "dossier_complet",
            "Dossier complet : j'atteste que toutes les pièces "
            "justificatives requises sont jointes",
            FieldType.BOOL,
            required=True,
        ),
    ),
)

_PDF = ("pdf",)

PIECES = (
    PieceType("cv_candidat", "CV du candidat", _PDF, required=True),
    PieceType("lettre_motivation", "Lettre de motivation du candidat", _PDF, required=True),
    PieceType(
        "projet_medical", "Projet médical signé des deux établissements", _PDF, required=True
    ),
    PieceType("fiche_poste", "Fiche de poste", _PDF, required=True),
    PieceType("engagement_poste", "Engagement sur le poste pérenne", _PDF, required=True),
    PieceType(
        "attestation_ordre",
        "Attestation d'inscription à l'Ordre",
        _PDF,
        required_if=When("candidat.inscrit_ordre", Op.TRUTHY),
    ),
)

ASP = Demarche(
    key="asp",
    title="Assistant Spécialiste Partagé - ARS Île-de-France",
    short_title="ASP",
    tabs=(IDENTIFICATION, PROJET_MEDICAL, PROFIL_POSTE, PERSPECTIVES, CANDIDAT, PIECES_TAB),
    pieces=PIECES,
    certifications=(
        Choice(
            "partenaires",
            "Les deux établissements partenaires ont validé le projet médical partagé",
        ),
        Choice("candidat_informe", "Le candidat a été informé et accepte le poste proposé"),
        Choice("pieces", "Toutes les pièces justificatives obligatoires sont déposées"),
        Choice("exactitude", "Je certifie l'exactitude des informations saisies"),
    ),
    owner_roles=("etablissement",),
    first_tab="identification",
)
