"""Démarche 1: Contrat d'Engagement de Service Public (guide 000).

Fields marked (R) in DESIGN.md are a reconstruction; labels and help lines are French.
"""

from __future__ import annotations

from .model import Choice, Demarche, Field, FieldType, Op, PieceType, Tab, TabKind, When

CIVILITES = (Choice("M", "M."), Choice("F", "Mme"))

FILIERES = (Choice("medecine", "Médecine"), Choice("odontologie", "Odontologie"))

NIVEAUX = (
    Choice("DFASM1", "DFASM1"),
    Choice("DFASM2", "DFASM2"),
    Choice("DFASM3", "DFASM3"),
    Choice("DFASO1", "DFASO1"),
    Choice("DFASO2", "DFASO2"),
    Choice("TCCEO1", "TCCEO1"),
    Choice("3E_CYCLE", "3e cycle"),
    Choice("PADHUE", "PADHUE"),
)

#: The levels each filière offers, in the guide's order.
NIVEAUX_PAR_FILIERE: dict[str, tuple[str, ...]] = {
    "medecine": ("DFASM1", "DFASM2", "DFASM3", "3E_CYCLE", "PADHUE"),
    "odontologie": ("DFASO1", "DFASO2", "TCCEO1", "3E_CYCLE", "PADHUE"),
}

NIVEAUX_2E_CYCLE = ("DFASM1", "DFASM2", "DFASM3", "DFASO1", "DFASO2", "TCCEO1")

ANNEES_UNIVERSITAIRES = tuple(Choice(f"{y}-{y + 1}", f"{y}-{y + 1}") for y in range(2020, 2031))

SITUATIONS_FAMILIALES = (
    Choice("celibataire", "Célibataire"),
    Choice("couple", "Marié(e), pacsé(e) ou en concubinage"),
    Choice("separe", "Séparé(e) ou divorcé(e)"),
    Choice("veuf", "Veuf ou veuve"),
)

ECHELONS_BOURSE = tuple(
    Choice(e, f"Échelon {e}") for e in ("0bis", "1", "2", "3", "4", "5", "6", "7")
)

STATUTS_PADHUE = (
    Choice("evc_inscrit", "Inscrit(e) aux épreuves de vérification des connaissances"),
    Choice("evc_laureat", "Lauréat(e) des épreuves de vérification des connaissances"),
    Choice("consolidation", "En parcours de consolidation des compétences"),
    Choice("autorisation", "Autorisé(e) à exercer"),
)

_2E = When("niveau", Op.IN, NIVEAUX_2E_CYCLE)
_3E = When("niveau", Op.IN, ("3E_CYCLE",))
_PADHUE = When("niveau", Op.IN, ("PADHUE",))
_FRANCE = When("pays", Op.IN, ("FR",))
_ABROAD_ADDRESS = When("pays", Op.NOT_IN, ("FR",))
_BORN_IN_FRANCE = When("ne_a_l_etranger", Op.FALSY)
_BORN_ABROAD = When("ne_a_l_etranger", Op.TRUTHY)

ETAT_CIVIL = Tab(
    key="etat_civil",
    label="État civil",
    help="Saisissez les champs dans l'ordre : le département de naissance conditionne "
    "la liste des lieux de naissance.",
    checks=("nir_consistency",),
    fields=(
        Field("civilite", "Civilité", FieldType.CHOICE, required=True, choices=CIVILITES),
        Field("nom_naissance", "Nom de naissance", FieldType.TEXT, required=True, max_length=80),
        Field(
            "nom_usage",
            "Nom d'usage",
            FieldType.TEXT,
            help="Si différent du nom de naissance (nom d'épouse ou d'époux par exemple).",
            max_length=80,
        ),
        Field(
            "prenoms",
            "Prénoms",
            FieldType.TEXT,
            required=True,
            help="Tous vos prénoms, dans l'ordre de l'état civil, séparés par des espaces.",
            max_length=120,
        ),
        Field(
            "date_naissance",
            "Date de naissance",
            FieldType.DATE,
            required=True,
            help="Au format jj/mm/aaaa (ou jjmmaaaa).",
        ),
        Field("ne_a_l_etranger", "Je suis né(e) à l'étranger", FieldType.BOOL),
        Field(
            "departement_naissance",
            "Département de naissance",
            FieldType.DEPARTEMENT,
            required=True,
            visible_if=_BORN_IN_FRANCE,
            help="Tapez le numéro (« 087 ») ou les premières lettres du département.",
        ),
        Field(
            "commune_naissance",
            "Lieu de naissance",
            FieldType.COMMUNE,
            required=True,
            visible_if=_BORN_IN_FRANCE,
            depends_on="departement_naissance",
            help="Communes du département choisi : tapez la première lettre (« L »).",
        ),
        Field(
            "pays_naissance",
            "Pays de naissance",
            FieldType.PAYS,
            required=True,
            visible_if=_BORN_ABROAD,
        ),
        Field(
            "nationalite_francaise",
            "Nationalité française",
            FieldType.BOOL,
            default=True,
            help="Décochez la case pour choisir votre pays de nationalité.",
        ),
        Field(
            "pays_nationalite",
            "Pays de nationalité",
            FieldType.PAYS,
            required=True,
            visible_if=When("nationalite_francaise", Op.FALSY),
        ),
        Field(
            "nir",
            "N° de sécurité sociale",
            FieldType.NIR,
            required=True,
            help="13 chiffres et la clé (2 chiffres), tels qu'ils figurent sur votre carte Vitale.",
        ),
    ),
)

ADRESSE = Tab(
    key="adresse",
    label="Adresse",
    checks=("postal_commune",),
    fields=(
        Field(
            "adresse",
            "Adresse",
            FieldType.TEXT,
            required=True,
            max_length=120,
            help="Numéro et voie.",
        ),
        Field(
            "complement",
            "Complément d'adresse",
            FieldType.TEXT,
            max_length=120,
            help="Bâtiment, étage, lieu-dit…",
        ),
        Field("pays", "Pays", FieldType.PAYS, required=True, default="FR"),
        Field(
            "code_postal", "Code postal", FieldType.POSTAL_CODE, required=True, visible_if=_FRANCE
        ),
        Field(
            "commune",
            "Commune",
            FieldType.COMMUNE,
            required=True,
            visible_if=_FRANCE,
            depends_on="code_postal",
            help="Choisie parmi les communes du code postal.",
        ),
        Field(
            "ville",
            "Ville",
            FieldType.TEXT,
            required=True,
            visible_if=_ABROAD_ADDRESS,
            max_length=80,
        ),
        Field(
            "telephone",
            "Téléphone",
            FieldType.PHONE,
            required=True,
            help="Un numéro où vous joindre, par exemple 06 12 34 56 78.",
        ),
        Field(
            "email",
            "E-mail de contact",
            FieldType.EMAIL,
            help="Si différent de l'adresse de votre compte.",
        ),
    ),
)

ETUDES = Tab(
    key="etudes",
    label="Études",
    help="Le choix du niveau conditionne l'affichage des champs.",
    checks=("niveau_filiere",),
    fields=(
        Field(
            "filiere", "Filière", FieldType.CHOICE, required=True, choices=FILIERES, repeatable=True
        ),
        Field(
            "niveau",
            "Niveau",
            FieldType.CHOICE,
            required=True,
            choices=NIVEAUX,
            help="Le choix du niveau conditionne l'affichage des champs suivants.",
        ),
        # 2e cycle
        Field(
            "universite",
            "Université / UFR",
            FieldType.TEXT,
            required=True,
            visible_if=_2E,
            max_length=120,
            repeatable=True,
        ),
        Field(
            "annee_universitaire",
            "Année universitaire",
            FieldType.CHOICE,
            required=True,
            visible_if=_2E,
            choices=ANNEES_UNIVERSITAIRES,
            repeatable=True,
        ),
        # 3e cycle
        Field(
            "universite_3e_cycle",
            "Université",
            FieldType.TEXT,
            required=True,
            visible_if=_3E,
            max_length=120,
            repeatable=True,
        ),
        Field(
            "subdivision",
            "Subdivision",
            FieldType.TEXT,
            required=True,
            visible_if=_3E,
            max_length=80,
            repeatable=True,
            help="Subdivision d'internat, par exemple « Limoges ».",
        ),
        Field(
            "des",
            "DES / spécialité",
            FieldType.TEXT,
            required=True,
            visible_if=_3E,
            max_length=120,
            repeatable=True,
        ),
        Field(
            "semestre",
            "Semestre en cours",
            FieldType.INT,
            required=True,
            visible_if=_3E,
            min_value=1,
            max_value=12,
        ),
        Field(
            "date_debut_3e_cycle",
            "Date de début du 3e cycle",
            FieldType.DATE,
            required=True,
            visible_if=_3E,
        ),
        # PADHUE
        Field(
            "pays_diplome",
            "Pays d'obtention du diplôme",
            FieldType.PAYS,
            required=True,
            visible_if=_PADHUE,
        ),
        Field(
            "intitule_diplome",
            "Intitulé du diplôme",
            FieldType.TEXT,
            required=True,
            visible_if=_PADHUE,
            max_length=160,
        ),
        Field(
            "annee_obtention",
            "Année d'obtention",
            FieldType.YEAR,
            required=True,
            visible_if=_PADHUE,
            min_value=1970,
            max_value=2035,
        ),
        Field(
            "specialite_padhue",
            "Spécialité",
            FieldType.TEXT,
            required=True,
            visible_if=_PADHUE,
            max_length=120,
        ),
        Field(
            "statut_padhue",
            "Statut / épreuves de vérification des connaissances",
            FieldType.CHOICE,
            required=True,
            visible_if=_PADHUE,
            choices=STATUTS_PADHUE,
        ),
    ),
)

VOLET_SOCIAL = Tab(
    key="volet_social",
    label="Volet social",
    help="Tout élément à porter à la connaissance de la commission de sélection devra "
    "être justifié dans l'onglet « Pièces justificatives » (justificatif volet social).",
    fields=(
        Field(
            "situation_familiale",
            "Situation familiale",
            FieldType.CHOICE,
            required=True,
            choices=SITUATIONS_FAMILIALES,
        ),
        Field(
            "enfants_a_charge",
            "Nombre d'enfants à charge",
            FieldType.INT,
            min_value=0,
            max_value=20,
        ),
        Field("boursier", "Boursier(ère) sur critères sociaux", FieldType.BOOL),
        Field(
            "echelon_bourse",
            "Échelon de bourse",
            FieldType.CHOICE,
            required=True,
            visible_if=When("boursier", Op.TRUTHY),
            choices=ECHELONS_BOURSE,
        ),
        Field(
            "commentaire",
            "Éléments à porter à la connaissance de la commission",
            FieldType.TEXTAREA,
            max_length=4000,
            help="Texte libre ; à justifier par une pièce « justificatif volet social ».",
        ),
    ),
)

COORDONNEES_BANCAIRES = Tab(
    key="coordonnees_bancaires",
    label="Coordonnées bancaires",
    help="Le compte sur lequel sera versée l'allocation (voir votre RIB).",
    checks=("iban_bic",),
    fields=(
        Field("titulaire", "Titulaire du compte", FieldType.TEXT, required=True, max_length=120),
        Field(
            "iban",
            "IBAN",
            FieldType.IBAN,
            required=True,
            help="Groupé par 4, comme sur votre RIB ; le BIC et la banque en sont déduits.",
        ),
        Field("bic", "BIC", FieldType.BIC, required=True, help="8 ou 11 caractères."),
        Field("domiciliation", "Domiciliation (banque)", FieldType.TEXT, max_length=120),
    ),
)

_SOCIAL_SAYS_SOMETHING = When(
    "volet_social.commentaire",
    Op.TRUTHY,
    any_of=("volet_social.commentaire", "volet_social.boursier", "volet_social.enfants_a_charge"),
)

_FORMATS = ("pdf", "jpeg", "png")

PIECES = (
    PieceType(
        "piece_identite",
        "Pièce d'identité",
        _FORMATS,
        required=True,
        help="Carte nationale d'identité ou passeport, recto et verso.",
    ),
    PieceType("certificat_scolarite", "Certificat de scolarité", _FORMATS, required=True),
    PieceType(
        "rib", "RIB", _FORMATS, required=True, help="Relevé d'identité bancaire du compte saisi."
    ),
    PieceType("lettre_motivation", "Lettre de motivation", _FORMATS, required=True),
    PieceType("cv", "CV", _FORMATS, required=True),
    PieceType(
        "justificatif_social",
        "Justificatif volet social",
        _FORMATS,
        required_if=_SOCIAL_SAYS_SOMETHING,
        help="Obligatoire dès que l'onglet « Volet social » mentionne un élément.",
    ),
    PieceType(
        "diplome",
        "Diplôme (PADHUE)",
        _FORMATS,
        required_if=When("etudes.niveau", Op.IN, ("PADHUE",)),
        help="Obligatoire pour les praticiens à diplôme hors Union européenne.",
    ),
)

PIECES_TAB = Tab(
    key="pieces",
    label="Pièces justificatives",
    kind=TabKind.PIECES,
    help="Plusieurs fichiers peuvent être ajoutés à un type de pièce. Formats PDF, JPEG, PNG.",
)

SYNTHESE = Tab(
    key="synthese",
    label="Synthèse",
    kind=TabKind.SYNTHESE,
    help="Vérifiez votre saisie ; aucune modification n'est possible ici.",
)

CESP = Demarche(
    key="cesp",
    title="Contrat d'Engagement de Service Public (CESP)",
    short_title="CESP",
    tabs=(ETAT_CIVIL, ADRESSE, ETUDES, VOLET_SOCIAL, COORDONNEES_BANCAIRES, PIECES_TAB, SYNTHESE),
    pieces=PIECES,
    certifications=(Choice("exactitude", "Je certifie l'exactitude des informations saisies"),),
    owner_roles=("candidat", "agent"),
    extra={"niveaux_par_filiere": NIVEAUX_PAR_FILIERE},
)
