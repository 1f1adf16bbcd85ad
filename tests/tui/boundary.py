"""What the client's code takes from Textual beyond its public API, and how the client's
modules import each other: both read from the source (`ast`), never by running it.

- `private_uses`: imports of a ``textual._*`` module (or of a ``_name`` from a Textual
  module), and attribute accesses ``obj._name`` where ``_name`` is a name Textual defines
  privately (a class member, or an attribute its code assigns on ``self``) and our own
  code never defines. ``cesp_tui/textual_compat.py`` is the one module allowed them.
- `import_graph`: the client's modules and who imports whom, with the imports run at
  module level (``if TYPE_CHECKING:`` blocks left out: they never run) apart from those
  run inside a function.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import textual

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The client's packages (``cesp_client`` once split out of ``cesp_tui``).
CLIENT_PACKAGES = ("cesp_tui", "cesp_client")
#: The one module allowed Textual's private names.
COMPAT_MODULE = "cesp_tui.textual_compat"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# --- the client's modules ----------------------------------------------------------------


def client_modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the client's packages found on disk."""
    modules: dict[str, Path] = {}
    for package in CLIENT_PACKAGES:
        root = REPO_ROOT / package
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- Textual's private names -------------------------------------------------------------


def _self_assigned(tree: ast.AST) -> Iterator[str]:
    """Names assigned on ``self`` (``self._x = ...``, ``self._x: T = ...``) and class
    members (methods, class attributes) defined in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    yield item.name
                elif isinstance(item, ast.Assign):
                    yield from (t.id for t in item.targets if isinstance(t, ast.Name))
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    yield item.target.id
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if (
                    isinstance(sub, ast.Attribute)
                    and isinstance(sub.value, ast.Name)
                    and sub.value.id == "self"
                ):
                    yield sub.attr


#: Textual modules that do something when imported (a script, a demo).
_NOT_IMPORTED = frozenset({"__main__", "_sleep", "demo", "cli"})


@cache
def textual_private_names() -> frozenset[str]:
    """Every ``_name`` Textual defines: members of its classes (introspected from the
    imported classes) and the attributes its code assigns on ``self`` (read from its
    source: instance attributes are not on the classes)."""
    names: set[str] = set()
    root = Path(textual.__file__).parent
    for path in root.rglob("*.py"):
        names.update(n for n in _self_assigned(_parse(path)) if _is_private(n))
    for info in pkgutil.walk_packages(textual.__path__, "textual."):
        if info.name.rpartition(".")[2] in _NOT_IMPORTED:
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # optional extras (e.g. tree-sitter languages) may be missing
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__.startswith("textual"):
                names.update(n for n in dir(cls) if _is_private(n))
    return frozenset(names)


@cache
def our_private_names() -> frozenset[str]:
    """Every ``_name`` the client's code defines itself (members, attributes assigned on
    ``self``, module-level names, functions)."""
    names: set[str] = set()
    for path in client_modules().values():
        tree = _parse(path)
        names.update(n for n in _self_assigned(tree) if _is_private(n))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    names = {name for name in names if _is_private(name)}
    return frozenset(names)


@dataclass(frozen=True, order=True)
class PrivateUse:
    module: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def private_uses(module: str, source: str) -> list[PrivateUse]:
    """Textual's private names used by ``module`` (see the module's docstring)."""
    textual_names = textual_private_names()
    ours = our_private_names()
    found: list[PrivateUse] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _textual_private_module(alias.name):
                    found.append(PrivateUse(module, node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _textual_private_module(node.module):
                found.append(PrivateUse(module, node.lineno, f"from {node.module} import"))
            elif node.module.split(".")[0] == "textual":
                for alias in node.names:
                    if _is_private(alias.name):
                        what = f"from {node.module} import {alias.name}"
                        found.append(PrivateUse(module, node.lineno, what))
        elif (
            isinstance(node, ast.Attribute) and node.attr in textual_names and node.attr not in ours
        ):
            found.append(PrivateUse(module, node.lineno, f".{node.attr}"))
    return sorted(found)


def _textual_private_module(name: str) -> bool:
    parts = name.split(".")
    return parts[0] == "textual" and any(_is_private(p) for p in parts[1:])


def inherited_privates(module: str, path: Path) -> list[PrivateUse]:
    """``self._name`` in our subclasses of Textual classes, and methods they define,
    where ``_name`` is a private name of their Textual bases (their class members, and
    the attributes those classes assign on ``self``): read, it is Textual's state
    (`RadioSet._selected`); assigned, it shares Textual's slot (``self._value = ...`` in
    a widget whose base keeps one); defined, it overrides Textual's (`_watch_value`)."""
    found: list[PrivateUse] = []
    tree = _parse(path)
    runtime = importlib.import_module(module)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(runtime, node.name, None)
        if not inspect.isclass(cls):
            continue
        bases = [b for b in cls.__mro__[1:] if b.__module__.startswith("textual.")]
        if not bases:
            continue
        theirs = _names_of_classes(tuple(bases))
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name in theirs:
                what = f"{node.name}: overrides {item.name}"
                found.append(PrivateUse(module, item.lineno, what))
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id == "self"
                and sub.attr in theirs
            ):
                what = f"{node.name}: self.{sub.attr}"
                found.append(PrivateUse(module, sub.lineno, what))
    return sorted(set(found))


def _names_of_classes(classes: tuple[type, ...]) -> set[str]:
    names: set[str] = set()
    for cls in classes:
        names.update(n for n in vars(cls) if _is_private(n))
        try:
            source = inspect.getsource(cls)
        except (OSError, TypeError):
            continue
        names.update(n for n in _self_assigned(ast.parse(_dedent(source))) if _is_private(n))
    return names


def _dedent(source: str) -> str:
    import textwrap

    return textwrap.dedent(source)


# --- the import graph --------------------------------------------------------------------


@dataclass
class ImportGraph:
    modules: set[str]
    #: Module -> the client's modules it imports when it is imported.
    module_level: dict[str, set[str]] = field(default_factory=dict)
    #: Module -> the client's modules it imports inside a function (when that runs).
    function_level: dict[str, set[str]] = field(default_factory=dict)

    def edges(self, *, with_functions: bool) -> dict[str, set[str]]:
        out = {m: set(self.module_level.get(m, ())) for m in self.modules}
        if with_functions:
            for module, targets in self.function_level.items():
                out[module] |= targets
        return out


def import_graph() -> ImportGraph:
    modules = client_modules()
    graph = ImportGraph(set(modules))
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        top: set[str] = set()
        inner: set[str] = set()
        _collect(_parse(path).body, module, package, set(modules), top, inner, in_function=False)
        graph.module_level[module] = top - {module}
        graph.function_level[module] = inner - top - {module}
    return graph


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _collect(
    body: Iterable[ast.stmt],
    importer: str,
    package: str,
    known: set[str],
    top: set[str],
    inner: set[str],
    *,
    in_function: bool,
) -> None:
    for stmt in body:
        if isinstance(stmt, ast.If) and _is_type_checking(stmt.test):
            _collect(stmt.orelse, importer, package, known, top, inner, in_function=in_function)
            continue
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            (inner if in_function else top).update(_targets(stmt, importer, package, known))
            continue
        nested = isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child_body in _bodies(stmt):
            _collect(
                child_body, importer, package, known, top, inner, in_function=in_function or nested
            )


def _bodies(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            yield value
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body


def _targets(
    stmt: ast.Import | ast.ImportFrom, importer: str, package: str, known: set[str]
) -> set[str]:
    """The client's modules an import statement runs: the module named and its parent
    packages, except the importer's own parents (they are being imported already), unless
    a name is taken from one of them (``from cesp_client.store import DraftStore``)."""
    parts = importer.split(".")
    ancestors = {".".join(parts[:end]) for end in range(1, len(parts))}
    named: list[str] = []
    taken_from: set[str] = set()
    if isinstance(stmt, ast.Import):
        named = [alias.name for alias in stmt.names]
    else:
        base = stmt.module or ""
        if stmt.level:
            pkg = package.split(".")
            pkg = pkg[: len(pkg) - (stmt.level - 1)]
            base = ".".join([*pkg, base] if base else pkg)
        for alias in stmt.names:
            submodule = f"{base}.{alias.name}"
            if submodule in known:
                named.append(submodule)
            else:
                named.append(base)
                taken_from.add(base)
    found: set[str] = set()
    for name in named:
        chain = name.split(".")
        for end in range(1, len(chain) + 1):
            candidate = ".".join(chain[:end])
            if candidate not in known:
                continue
            if candidate in ancestors and candidate not in taken_from:
                continue
            found.add(candidate)
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(out)


def report() -> str:
    """What `python -m tests.tui.boundary` prints."""
    lines = []
    modules = client_modules()
    for module, path in modules.items():
        for use in private_uses(module, path.read_text(encoding="utf-8")):
            lines.append(f"private: {use}")
    graph = import_graph()
    top = sum(len(v) for v in graph.module_level.values())
    inner = sum(len(v) for v in graph.function_level.values())
    lines.append(f"{len(modules)} modules; imports of the client's modules: {top} at module")
    lines.append(f"level, {inner} more inside functions only")
    for kind, with_functions in (("module-level", False), ("with function-level", True)):
        found = cycles(graph.edges(with_functions=with_functions))
        lines.append(f"cycles, {kind} imports: {len(found)}")
        for component in found:
            lines.append(f"  {len(component)} modules reach each other: {', '.join(component)}")
            members = set(component)
            lines.extend(
                f"    inside a function: {source} -> {target}"
                for source in component
                for target in sorted(graph.function_level.get(source, set()) & members)
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
