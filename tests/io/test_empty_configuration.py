"""A folder named like the configurations that holds no files (a run not started) is
accounted for as an exclusion; other folders without VASP work stay out of the record."""

from __future__ import annotations

from faults.makers import link_tree

import zenthermo


def test_an_empty_folder_named_like_the_configurations_is_an_exclusion(fe3pt_vasp_dir,
                                                                       tmp_path) -> None:
    tree = link_tree(fe3pt_vasp_dir, tmp_path / "tree", configs=("config_0", "config_22"))
    (tree / "config_99").mkdir()
    (tree / "config_98" / "vol_0").mkdir(parents=True)  # empty volume folders only
    (tree / "scripts").mkdir()  # not named like them: no configuration
    (tree / "config_notes").mkdir()  # no trailing number: no configuration either
    sources = zenthermo.ingest(tree)
    assert [s.name for s in sources] == ["config_0", "config_22"]
    excluded = {e.item: e.reason for e in sources.excluded}
    assert set(excluded) == {"config_98", "config_99"}
    assert all("holds no files" in reason for reason in excluded.values())


def test_a_folder_with_any_file_is_not_called_empty(fe3pt_vasp_dir, tmp_path) -> None:
    tree = link_tree(fe3pt_vasp_dir, tmp_path / "tree", configs=("config_0",))
    (tree / "config_1").mkdir()
    (tree / "config_1" / "README").write_text("to be run")
    assert zenthermo.ingest(tree).excluded == ()
