"""`zenthermo batch` without a cluster: a bad batch file or an unreachable scheduler is one
clear line and exit 2; materials that cannot even be configured fail alone, recorded."""

from __future__ import annotations

import dask
import pytest

from zenthermo.batch import read_batch_table
from zenthermo.cli import main


@pytest.mark.parametrize(("text", "message"), [
    ("[[material]]\nname = 'a'\n[[material]]\nname = 'a'\n", "used twice"),
    ("[[material]\n", "not valid TOML"),
])
def test_a_bad_batch_file_is_one_line_and_exit_2(tmp_path, capsys, text, message):
    file = tmp_path / "batch.toml"
    file.write_text(text, encoding="utf-8")
    assert main(["batch", str(file), "-o", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and len(error.splitlines()) <= 2
    assert not (tmp_path / "out").exists()


def test_workers_and_scheduler_exclude_each_other(tmp_path):
    with pytest.raises(SystemExit) as caught:
        main(["batch", "b.toml", "-o", "out", "--workers", "2", "--scheduler", "tcp://x:1"])
    assert caught.value.code == 2


def test_materials_that_cannot_be_configured_fail_alone_and_are_recorded(tmp_path, capsys):
    file = tmp_path / "batch.toml"
    file.write_text('[[material]]\nname = "typo"\nphysics = { eos = "bm99" }\n'
                    '[[material]]\nname = "gone"\ninputs = { paths = ["gone/"] }\n',
                    encoding="utf-8")
    out = tmp_path / "out"
    assert main(["batch", str(file), "-o", str(out), "--quiet"]) == 1
    table = read_batch_table(out / "batch.csv")
    assert table["status"].tolist() == ["failed", "failed"]
    assert "bm99" in table.loc[0, "error"] and "gone" in table.loc[1, "error"]
    assert "typo failed" in capsys.readouterr().err
    assert "bm99" in (out / "index.html").read_text(encoding="utf-8")


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path, capsys):
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["run", "--methods", "exact", "-o", str(tmp_path / "out"),
                     "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    error = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in error
    assert "Traceback" not in error
