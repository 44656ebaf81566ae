"""A configuration folder given twice (or given and inside a tree also given) is read once."""

from __future__ import annotations

import os

import pytest
from faults.makers import link_tree

import zenthermo
from zenthermo.errors import InputError


@pytest.fixture
def tree(fe3pt_vasp_dir, tmp_path):
    return link_tree(fe3pt_vasp_dir, tmp_path / "tree", configs=("config_0", "config_22"))


def test_the_same_folder_twice_is_one_configuration(tree) -> None:
    sources = zenthermo.ingest(tree / "config_0", tree / "config_0")
    assert [s.name for s in sources] == ["config_0"]
    assert any("given more than once: read once" in w for w in sources.warnings)


def test_a_tree_and_a_folder_inside_it_read_each_configuration_once(tree) -> None:
    sources = zenthermo.ingest(tree, tree / "config_22" / ".." / "config_22")
    assert [s.name for s in sources] == ["config_0", "config_22"]
    assert [s.points for s in sources] == [s.points for s in zenthermo.ingest(tree)]
    assert len([w for w in sources.warnings if "given more than once (also as" in w]) == 1


def test_a_symbolic_link_to_a_configuration_is_still_a_duplicate(tree) -> None:
    os.symlink(tree / "config_0", tree / "config_0_again")
    with pytest.raises(InputError, match="config_0"):
        zenthermo.ingest(tree)
