"""Walks of random keys over the client's forms, and what a key may change (issue 13).

A *walk* types a seeded random sequence of the keys a back-office agent uses (printable
characters incl. accented letters, digits, space and punctuation; Tab / Shift+Tab,
arrows, Enter, Space, Backspace) into one form, and after each key checks what is seen
from outside:

- the only field whose value changed is the one that held the cursor (or one the
  démarche documents as following from it: a commune from its department or postal
  code, the BIC and bank from the IBAN, what a NIR tells in keying mode);
- the dossier's tab changed only on a navigation key (F2…F8, Ctrl+N; Enter at the end
  of a tab in keying mode);
- the draft store holds what the form holds (the app's `DraftWriter` flushed first);
- no other screen opened (but for a documented key: "a" adds a piece).

Everything the walks look at goes through `Target.observe` and `Target.stored`: the
values of a form (`TabForm.values()`, the dossier screen's ``data``, the controls of an
account screen by their ids), the field holding the cursor (the nearest ancestor with an
``id`` of the form ``field-<key>`` / a known control id), the screen and its tab. A new
form is one more `Target` (see `dossier_target`, `account_target`).
"""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, TextArea

from cesp_client.services import ApiFactory
from cesp_client.store import DraftStore
from cesp_core.demarches import get_demarche
from cesp_core.demarches.model import Demarche, FieldType, Value
from cesp_tui.app import CespApp
from tests.support.tui import SERVER_KEY, USERNAME, run_app, tui_app

#: Keys the walks type. Printable characters are given as themselves.
LETTERS = string.ascii_lowercase + string.ascii_uppercase + "éèêëàâçîïôùûüÉÈÀÇ"
DIGITS = string.digits
PUNCTUATION = " .,;:-'/@()!?+_*"
CONTROL_KEYS = (
    "tab",
    "shift+tab",
    "up",
    "down",
    "left",
    "right",
    "enter",
    "space",
    "backspace",
)
#: Keys that may change the dossier's tab (none of them is in the walks' alphabet).
NAVIGATION_KEYS = frozenset({*(f"f{n}" for n in range(2, 9)), "ctrl+n", "ctrl+s"})


def random_keys(
    seed: int, count: int, *, digits: bool = True, printable_share: float = 0.6
) -> list[str]:
    """``count`` keys drawn with ``random.Random(seed)``: a share of printable characters
    (letters, digits unless ``digits`` is False, punctuation), the rest among
    `CONTROL_KEYS`."""
    rng = random.Random(seed)
    pools = (LETTERS, LETTERS, DIGITS, PUNCTUATION) if digits else (LETTERS, LETTERS, PUNCTUATION)
    keys: list[str] = []
    for _ in range(count):
        if rng.random() < printable_share:
            pool = rng.choice(pools)
            keys.append(rng.choice(pool))
        else:
            keys.append(rng.choice(CONTROL_KEYS))
    return keys


# --- what is seen from outside ---------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """The app as a user sees it between two keys."""

    screen: Screen[Any]
    tab: str | None
    #: The field holding the cursor (None: the cursor is on no field).
    focus: str | None
    #: Every field's value ("tab.field" for a dossier, the control's id elsewhere).
    values: Mapping[str, Value]


def field_of(widget: Widget | None, prefix: str = "field-") -> str | None:
    """The key of the field ``widget`` belongs to: its nearest ancestor (or itself) with
    an id ``field-<key>`` (`FieldRow`)."""
    node: Any = widget
    while node is not None:
        node_id = getattr(node, "id", None)
        if isinstance(node_id, str) and node_id.startswith(prefix):
            return node_id[len(prefix) :]
        node = node.parent
    return None


def control_value(widget: Widget) -> Value:
    """The value a control shows: text, ticked or not, the index of the radio ticked."""
    if isinstance(widget, RadioSet):
        index = widget.pressed_index
        return None if index < 0 else str(index)
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, Input):
        return widget.value
    value = getattr(widget, "value", None)
    if value is None or isinstance(value, str | bool):
        return value
    return str(value)


def _without_none(values: Mapping[str, Value]) -> dict[str, Value]:
    return {key: value for key, value in values.items() if value is not None}


@dataclass
class Target:
    """One form the walks type into."""

    name: str
    make_app: Callable[[Path], App[Any]]
    observe: Callable[[App[Any]], Seen]
    #: The draft store's copy of what `observe` shows (None: nothing is stored).
    stored: Callable[[App[Any]], Mapping[str, Value]] | None = None
    #: The form's own values, to compare with `stored` (the same keys).
    form_values: Callable[[App[Any]], Mapping[str, Value]] | None = None
    #: Field -> the fields documented to follow from it (a commune from its department).
    derived: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Keys whose documented action changes the tab (keying mode: Enter at the end).
    tab_keys: frozenset[str] = frozenset()
    #: Keys whose documented action opens another screen, closed again with Escape.
    screen_keys: frozenset[str] = frozenset()
    #: Key -> fields its documented action may change wherever the cursor is (the
    #: login's Enter sends the form and empties the password).
    key_changes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ready: Callable[[App[Any], Pilot[Any]], Awaitable[None]] | None = None
    size: tuple[int, int] = (80, 24)


def _queued(app: App[Any]) -> int:
    """Messages waiting anywhere in the app, and callbacks due after the current one."""
    return sum(
        node.message_queue_size + len(node._next_callbacks) for node in (app, *app._registry)
    )


async def quiet(app: App[Any], rounds: int = 3) -> None:
    """Until ``rounds`` turns of the event loop in a row find no message queued, no
    worker running, no key held back (`OrderedKeys`). No sleeping."""
    calm = 0
    for _ in range(100_000):
        await asyncio.sleep(0)
        crash = getattr(app, "_exception", None)
        if crash is not None:  # the app stopped on an error: it will never settle
            raise AssertionError(f"the app crashed: {crash!r}") from crash
        busy = [w for w in app.workers if w.group != "sync" and not w.is_finished]
        if busy:
            calm = 0
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
            continue
        if _queued(app) or getattr(app, "_held_keys", None) is not None:
            calm = 0
            continue
        calm += 1
        if calm >= rounds:
            return
    raise AssertionError("the app did not settle")


async def press(app: App[Any], key: str) -> None:
    """One key as the terminal sends it, and everything it causes done."""
    driver = app._driver
    assert driver is not None
    driver.send_message(key_event(key))
    await quiet(app)


def key_event(key: str) -> events.Key:
    if key == "space":
        return events.Key("space", " ")
    if len(key) == 1:
        return events.Key(_key_name(key), key)
    return events.Key(key, None)


def _layout_pending(app: App[Any]) -> bool:
    """The screen has a layout to do or callbacks waiting for its next refresh
    (`call_after_refresh`): both wait for its update timer, which `quiet` does not see."""
    screen = app.screen
    return bool(screen._layout_required or screen._callbacks)


async def laid_out(app: App[Any], pilot: Pilot[Any]) -> None:
    """Messages handled (`quiet`), then layouts and after-refresh callbacks run until
    none is pending."""
    await quiet(app)
    for _ in range(10):
        await pilot.pause()  # runs the pending layout and after-refresh callbacks
        await quiet(app)
        if not _layout_pending(app):
            break


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """The key's consequences done (see `quiet`), the screen laid out and refreshed
    until nothing more follows (a resize that restyles a row asks for another layout;
    under load the update timer may not have run yet: CI saw a row at 60 columns still
    laid out as at 80), the draft writer's queue committed. No sleeping."""
    await laid_out(app, pilot)
    await flushed(app)


async def flushed(app: App[Any]) -> None:
    assert isinstance(app, CespApp)
    assert app.flush_drafts(), "the draft writer did not commit in time"


@dataclass
class WalkResult:
    keys: list[str]
    problems: list[str]
    #: Keys typed before the walk stopped (it stops at the first broken rule).
    typed: int
    #: The fields the walk changed (a walk that changes none tests nothing).
    changed: set[str] = field(default_factory=set)


def _changed(before: Mapping[str, Value], after: Mapping[str, Value]) -> set[str]:
    return {
        key
        for key in before.keys() | after.keys()
        if _norm(before.get(key)) != _norm(after.get(key))
    }


def _norm(value: Value) -> Value:
    return None if value == "" else value


def check_key(target: Target, key: str, before: Seen, after: Seen) -> list[str]:
    """The rules one key must keep (see the module's docstring)."""
    problems: list[str] = []
    if after.screen is not before.screen:
        problems.append(f"another screen opened: {type(after.screen).__name__}")
        return problems
    if after.tab != before.tab and key not in NAVIGATION_KEYS | target.tab_keys:
        problems.append(f"tab changed {before.tab} -> {after.tab} (focus was {before.focus})")
    allowed: set[str] = set()
    if before.focus is not None:
        allowed = {before.focus, *target.derived.get(before.focus, ())}
    allowed |= target.key_changes.get(key, frozenset())
    if key in target.tab_keys and after.tab != before.tab:
        allowed |= set(after.values)  # a new tab: its own fields may appear
    if wrong := sorted(_changed(before.values, after.values) - allowed):
        details = ", ".join(
            f"{name}: {before.values.get(name)!r} -> {after.values.get(name)!r}" for name in wrong
        )
        problems.append(f"changed a field the cursor was not in ({before.focus}): {details}")
    return problems


def check_store(target: Target, app: App[Any]) -> list[str]:
    if target.stored is None or target.form_values is None:
        return []
    form = _without_none(target.form_values(app))
    stored = _without_none(target.stored(app))
    if form != stored:
        diff = {k: (form.get(k), stored.get(k)) for k in _changed(form, stored)}
        return [f"draft store differs from the form (form, store): {diff}"]
    return []


async def walk(
    target: Target,
    app: App[Any],
    pilot: Pilot[Any],
    keys: Sequence[str],
    *,
    label: str = "",
) -> WalkResult:
    """Types ``keys`` one by one into ``app`` (already running), checking each."""
    await settle(app, pilot)
    before = target.observe(app)
    changed: set[str] = set()
    for number, key in enumerate(keys):
        await press(app, key)
        await flushed(app)
        after = target.observe(app)
        if after.screen is not before.screen and key in target.screen_keys:
            await press(app, "escape")
            await flushed(app)
            after = target.observe(app)
        problems = check_key(target, key, before, after) + check_store(target, app)
        if problems:
            recent = " ".join(repr(k) for k in keys[max(0, number - 12) : number + 1])
            where = f"{label} key #{number} {key!r} (…{recent})"
            return WalkResult(list(keys), [f"{where}: {p}" for p in problems], number + 1, changed)
        changed |= _changed(before.values, after.values)
        before = after
    return WalkResult(list(keys), [], len(keys), changed)


async def run_walk(
    target: Target, tmp_path: Path, seed: int, count: int, *, digits: bool = True
) -> WalkResult:
    """A fresh app for ``target`` and one walk of ``count`` keys drawn from ``seed``."""
    app = target.make_app(tmp_path)
    keys = random_keys(seed, count, digits=digits)
    async with run_app(app, size=target.size) as pilot:
        if target.ready is not None:
            await target.ready(app, pilot)
        freeze_cursors(app)
        return await walk(target, app, pilot, keys, label=f"{target.name} seed={seed}")


def freeze_cursors(app: App[Any]) -> None:
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


# --- the dossier's tabs -----------------------------------------------------------------------


def dossier_screen(app: App[Any]) -> Any:
    """The dossier screen under any modal (None when it is not open)."""
    for screen in reversed(app.screen_stack):
        if type(screen).__name__ == "DossierScreen":
            return screen
    return None


def dossier_values(app: App[Any]) -> dict[str, Value]:
    """Every tab's values as the dossier screen holds them, and the certifications."""
    screen = dossier_screen(app)
    values: dict[str, Value] = {}
    for tab, fields in screen.data.items():
        for key, value in fields.items():
            values[f"{tab}.{key}"] = value
    for ticked in screen.certifications:
        values[f"certification.{ticked}"] = True
    return values


def form_of(app: App[Any]) -> Any:
    """The `TabForm` of the tab shown (None on "Pièces", "Synthèse")."""
    screen = dossier_screen(app)
    forms = screen.query(f"#form-{screen.current_tab}")
    return forms.first() if forms else None


def observe_dossier(app: App[Any]) -> Seen:
    screen = dossier_screen(app)
    focus = field_of(app.focused)
    tab = screen.current_tab if screen is not None else None
    if focus is not None and tab is not None:
        focus = f"{tab}.{focus}"
    elif isinstance(app.focused, Checkbox) and (app.focused.id or "").startswith("cert-"):
        focus = f"certification.{app.focused.id[5:]}"
    values = dossier_values(app) if screen is not None else {}
    return Seen(app.screen, tab, focus, values)


def dossier_form_values(app: App[Any]) -> dict[str, Value]:
    form = form_of(app)
    if form is None:  # "Pièces", "Synthèse": the screen's copy of every tab
        return {k: v for k, v in dossier_values(app).items() if not k.startswith("cert")}
    tab = dossier_screen(app).current_tab
    return {f"{tab}.{key}": value for key, value in form.values().items()}


def dossier_stored(app: App[Any]) -> dict[str, Value]:
    screen = dossier_screen(app)
    assert isinstance(app, CespApp)
    store: DraftStore = app.drafts
    dossier = store.get(screen.dossier_id)
    assert dossier is not None
    form = form_of(app)
    tabs = [screen.current_tab] if form is not None else list(dossier.data)
    return {
        f"{tab}.{key}": value
        for tab in tabs
        for key, value in (dossier.data.get(tab) or {}).items()
    }


def documented_derivations(demarche: Demarche, *, keying: bool) -> dict[str, frozenset[str]]:
    """Field -> fields that follow from it, as the démarche and DESIGN.md document: a
    commune from the field it `depends_on`, BIC and bank from the IBAN, a level's list
    from its filière, and in keying mode what a NIR tells (`cesp_core.keying`)."""
    derived: dict[str, set[str]] = {}
    for tab in demarche.form_tabs:
        for f in tab.fields:
            if f.depends_on:
                derived.setdefault(f"{tab.key}.{f.depends_on}", set()).add(f"{tab.key}.{f.key}")
            if f.type is FieldType.IBAN:
                derived.setdefault(f"{tab.key}.{f.key}", set()).update(
                    f"{tab.key}.{other.key}"
                    for other in tab.fields
                    if other.type is FieldType.BIC or other.key == "domiciliation"
                )
            if f.type is FieldType.NIR and keying:
                derived.setdefault(f"{tab.key}.{f.key}", set()).update(
                    f"{tab.key}.{k}"
                    for k in (
                        "civilite",
                        "ne_a_l_etranger",
                        "departement_naissance",
                        "commune_naissance",
                        "pays_naissance",
                        "date_naissance",
                    )
                )
            if f.key == "filiere":  # the levels offered follow the filière
                derived.setdefault(f"{tab.key}.{f.key}", set()).add(f"{tab.key}.niveau")
    return {key: frozenset(values) for key, values in derived.items()}


def new_dossier_app(
    data_dir: Path,
    demarche: str,
    tab: str,
    *,
    role: str | None = None,
    data: Mapping[str, Mapping[str, Value]] | None = None,
    saved: Sequence[str] = (),
    field: str | None = None,
    campaigns: Sequence[dict[str, Any]] = (),
) -> CespApp:
    """The app, logged in, on a new dossier of ``demarche`` in a store of its own, on ``tab``
    (``campaigns``: the windows the session knows, see `tui_app`)."""
    store = DraftStore(data_dir / "drafts.db")
    try:
        dossier = store.create_local(SERVER_KEY, USERNAME, demarche, 1, data=data)
        for saved_tab in saved:
            store.mark_tab_saved(dossier.id, saved_tab)
    finally:
        store.close()
    if role is None:
        role = "etablissement" if demarche == "asp" else "candidat"
    return tui_app(
        data_dir, role=role, open_id=dossier.id, tab=tab, field=field, campaigns=campaigns
    )


async def _dossier_ready(app: App[Any], pilot: Pilot[Any]) -> None:
    await settle(app, pilot)
    assert dossier_screen(app) is not None


def dossier_target(demarche_key: str, tab: str, *, role: str | None = None) -> Target:
    """A walk over one tab of a new dossier (``role`` "agent": keying mode)."""
    demarche = get_demarche(demarche_key)
    keying = role == "agent"
    tab_kind = demarche.tab(tab).kind.value
    return Target(
        name=f"{demarche_key}.{tab}" + (f"[{role}]" if role else ""),
        make_app=lambda d: new_dossier_app(d, demarche_key, tab, role=role),
        observe=observe_dossier,
        stored=dossier_stored,
        form_values=dossier_form_values,
        derived=documented_derivations(demarche, keying=keying),
        # Keying mode: Enter in a tab's last field saves it and opens the next one.
        # "Synthèse": Enter on a problem of its list opens the tab of that problem.
        tab_keys=frozenset({"enter"}) if keying or tab_kind == "synthese" else frozenset(),
        # "Pièces": "a" and Enter open the file picker ("Ajouter un fichier").
        screen_keys=frozenset({"a", "enter"}) if tab_kind == "pieces" else frozenset(),
        ready=_dossier_ready,
    )


# --- the account screens ----------------------------------------------------------------------


def account_observer(field_ids: Sequence[str]) -> Callable[[App[Any]], Seen]:
    """What an account screen shows: the value of each control of ``field_ids``."""

    def observe(app: App[Any]) -> Seen:
        screen = app.screen
        values: dict[str, Value] = {}
        for control_id in field_ids:
            found = screen.query(f"#{control_id}")
            if found:
                values[control_id] = control_value(found.first())
        focus: str | None = None
        node: Any = app.focused
        while node is not None and focus is None:
            if getattr(node, "id", None) in field_ids:
                focus = node.id
            node = node.parent
        return Seen(screen, None, focus, values)

    return observe


def account_target(
    name: str,
    make_screen: Callable[[], Screen[Any]],
    field_ids: Sequence[str],
    *,
    key_changes: Mapping[str, frozenset[str]] | None = None,
) -> Target:
    async def ready(app: App[Any], pilot: Pilot[Any]) -> None:
        await settle(app, pilot)

    return Target(
        name=name,
        make_app=lambda data_dir: tui_app(data_dir, screen=make_screen),
        observe=account_observer(field_ids),
        key_changes=dict(key_changes or {}),
        ready=ready,
    )


def radio_labels(radio_set: RadioSet) -> list[str]:
    return [str(button.label) for button in radio_set.query(RadioButton)]


async def send_at_once(app: App[Any], pilot: Pilot[Any], keys: Sequence[str]) -> None:
    """All of ``keys`` into the app's queue before it handles the first one (a burst
    over SSH, a paste), then wait until they are all dealt with."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        driver.send_message(key_event(key))
    await settle(app, pilot)


def _key_name(key: str) -> str:
    if len(key) == 1 and not key.isalnum():
        from textual.keys import _character_to_key

        return _character_to_key(key)
    return key


# --- the agent's "Nouveau dossier papier" form ---------------------------------------------------


def on_behalf_app(data_dir: Path, new_api: ApiFactory | None = None) -> App[Any]:
    """The agent's "Nouveau dossier papier" form (the applicant's identity, keyed before
    the dossier exists), offline: no campaign, nothing created (``new_api``: a fake
    platform client, `tests.support.tui.fake`)."""
    from cesp_tui.screens.staff.on_behalf import OnBehalfScreen

    def screen() -> Screen[Any]:
        workspace = app.workspace()
        assert workspace is not None
        return OnBehalfScreen(workspace)

    app = tui_app(data_dir, role="agent", screen=screen, new_api=new_api)
    return app


def observe_on_behalf(app: App[Any]) -> Seen:
    screen = app.screen
    forms = screen.query("#on-behalf-form")
    values = dict(forms.first().values()) if forms else {}
    return Seen(screen, None, field_of(app.focused), values)


def on_behalf_target() -> Target:
    async def ready(app: App[Any], pilot: Pilot[Any]) -> None:
        await settle(app, pilot)

    return Target(
        name="agent.on_behalf",
        make_app=on_behalf_app,
        observe=observe_on_behalf,
        ready=ready,
    )


# --- every form of the client ------------------------------------------------------------------


def all_targets() -> dict[str, Target]:
    """Every form the walks cover, by name: the tabs of both démarches (candidat,
    établissement), the CESP form tabs in an agent's keying mode, the account screens."""
    from cesp_core.demarches import ASP, CESP
    from cesp_tui.screens.account.login import LoginScreen
    from cesp_tui.screens.account.signup import SignupScreen
    from cesp_tui.screens.etablissement.signup_etablissement import EtablissementSignupScreen

    targets = [dossier_target("cesp", tab.key) for tab in CESP.tabs]
    targets += [dossier_target("asp", tab.key) for tab in ASP.tabs]
    targets += [dossier_target("cesp", tab.key, role="agent") for tab in CESP.form_tabs]
    targets.append(on_behalf_target())
    password = frozenset({"password"})
    targets += [
        account_target(
            "login", LoginScreen, ["identifier", "password"], key_changes={"enter": password}
        ),
        account_target(
            "signup",
            SignupScreen,
            [
                *("civilite", "nom", "prenom", "date_naissance"),
                *("email", "email_confirmation", "accepte_conditions"),
            ],
        ),
        account_target(
            "signup_etablissement",
            EtablissementSignupScreen,
            ["etablissement_nom", "finess", "email", "password", "password_confirmation"],
        ),
    ]
    return {target.name: target for target in targets}


# --- what lies on the screen -------------------------------------------------------------------

#: Widgets whose whole text a user must see: the options of a choice, the labels.
SHOWN = "RadioButton, Checkbox, Button, Label, CollapsibleTitle"


def scroll_parent(widget: Widget) -> Widget | None:
    """The nearest container that scrolls ``widget`` (None: the screen)."""
    for node in widget.ancestors:
        if isinstance(node, Screen) or not isinstance(node, Widget):
            return None
        if {node.styles.overflow_x, node.styles.overflow_y} & {"auto", "scroll"}:
            return node
    return None


def visible_box(widget: Widget) -> Any:
    """The part of the screen where ``widget`` can be seen: the screen, within the
    visible content area of each of its containers (each one clips what it holds), less
    what their docked children cover (a help band docked at the foot of a form)."""
    box = widget.screen.region
    path = {widget, *widget.ancestors}
    for node in widget.ancestors:
        if not isinstance(node, Widget):
            break
        if not isinstance(node, Screen):
            box = box.intersection(node.scrollable_content_region)
        for child in node.children:
            if child in path or not child.display or child.styles.dock == "none":
                continue
            cover = child.region
            if not cover.area:
                continue
            dock = child.styles.dock
            if dock == "bottom":
                box = box.intersection(box._replace(height=max(0, cover.y - box.y)))
            elif dock == "top":
                box = box.intersection(
                    box._replace(y=cover.bottom, height=max(0, box.bottom - cover.bottom))
                )
            elif dock == "right":
                box = box.intersection(box._replace(width=max(0, cover.x - box.x)))
            elif dock == "left":
                box = box.intersection(
                    box._replace(x=cover.right, width=max(0, box.right - cover.right))
                )
        if isinstance(node, Screen):
            break
    return box


def _text_of(widget: Widget) -> str:
    label = getattr(widget, "label", None)
    if label is not None:
        return str(label)
    return str(widget.render())


def layout_problems(root: Widget) -> list[str]:
    """Options and labels under ``root`` that do not lie whole within the screen's width
    (their region past the right edge of the screen or of their scroll container), or
    whose text does not fit in their region (cut)."""
    problems: list[str] = []
    screen = root.screen
    width = screen.size.width
    for widget in root.query(SHOWN):
        region = widget.region
        if not region.area:
            continue  # not displayed (a hidden field's row)
        box = visible_box(widget)
        text = _text_of(widget).strip()
        name = f"{type(widget).__name__} {text!r}"
        if region.x < box.x or region.right > min(width, box.right):
            problems.append(
                f"{name} at columns {region.x}-{region.right} (visible: {box.x}-{box.right})"
            )
            continue
        content = widget.content_region
        need_width = widget.get_content_width(content.size, screen.size)
        if need_width > content.width:
            need_height = widget.get_content_height(content.size, screen.size, content.width)
            if need_height > content.height:
                has = f"{content.width}x{content.height}"
                problems.append(f"{name} cut: needs {need_width}x{need_height}, has {has}")
    return problems


def focus_problem(app: App[Any]) -> str | None:
    """Where the focused widget is not seen whole: outside the visible area of its scroll
    container or of the screen."""
    focused = app.focused
    if focused is None:
        return None
    region = focused.region
    box = visible_box(focused)
    if not region.area or box.intersection(region) != region:
        where = field_of(focused) or focused.id or type(focused).__name__
        return f"focus on {where} at {tuple(region)} outside the visible area {tuple(box)}"
    return None


def ordered_account_app(data_dir: Path, make_screen: Callable[[], Screen[Any]]) -> CespApp:
    """An account screen in the client app (which hands keys over in order,
    `cesp_tui.key_order.OrderedKeys`)."""
    return tui_app(data_dir, screen=make_screen)
