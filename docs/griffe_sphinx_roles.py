"""Griffe extension for the docs build: Sphinx cross-reference roles as code spans.

zenthermo's numpy-style docstrings name other objects with Sphinx roles
(``:func:`fit_eos```, ``:class:`~zenthermo.sources.SourceSet```), which Markdown would show
as raw text. This turns each into a code span of the name as Sphinx would print it (the last
component after ``~``). Used by ``mkdocs.yml`` (mkdocstrings' ``extensions`` option); not part
of the package.
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension

ROLE = re.compile(r":(?:py:)?(?:func|class|mod|data|meth|attr|exc|obj|const):`(~?)([^`]+)`")


def _replace(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"`{target.rsplit('.', 1)[-1] if tilde else target}`"


class SphinxRolesAsCode(Extension):
    """Rewrite ``:role:`target``` in every docstring into ```target```."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_replace, obj.docstring.value)
