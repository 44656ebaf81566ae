"""The API reference covers the package: every top-level module or subpackage of zenthermo has
a ``::: zenthermo.<name>`` directive in docs/api/, and every directive names a module that
exists. Pages render a whole subpackage with its submodules, so only a new, renamed or
removed top-level module needs an edit there (the failure says which). The build itself
(``make docs``, mkdocs --strict) runs in CI.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "zenthermo"
API_PAGES = REPO / "docs" / "api"
#: Top-level names without an API page: the command line is documented by --help.
UNDOCUMENTED = {"cli", "__main__"}


def _directives() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for page in sorted(API_PAGES.glob("*.md")):
        for name in re.findall(r"^::: *([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            found[name] = page
    return found


def _module_exists(dotted: str) -> bool:
    path = REPO.joinpath(*dotted.split("."))
    return (path / "__init__.py").is_file() or path.with_suffix(".py").is_file()


def _top_level_modules() -> set[str]:
    names = {p.stem for p in PACKAGE.glob("*.py")}
    names |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    return {n for n in names if not n.startswith("_")} - UNDOCUMENTED


def test_every_top_level_module_has_an_api_page():
    documented = set(_directives())
    missing = sorted(f"zenthermo.{name}" for name in _top_level_modules()
                     if f"zenthermo.{name}" not in documented)
    assert "zenthermo" in documented
    assert not missing, f"add '::: <module>' to a page in docs/api/ for: {missing}"


def test_every_api_directive_names_a_module_that_exists():
    stale = {name: page.name for name, page in _directives().items()
             if not _module_exists(name)}
    assert not stale, f"docs/api/ names modules that do not exist: {stale}"


def test_every_api_page_is_in_the_site_navigation():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.name for p in API_PAGES.glob("*.md"))
    assert pages and all(f"api/{name}" in nav for name in pages)
