"""One reader for every compressed input: the format is told by content, never by name."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import shutil
import subprocess
from pathlib import Path

import pytest
from faults.makers import compress_lzw, plain_bytes

from zenthermo.errors import InputError
from zenthermo.io.compressed import (
    compression_of,
    file_record,
    plain_copy,
    read_content,
    read_text,
)
from zenthermo.io.unix_compress import LzwError, decompress

TEXT = b"  vasp.6.4.3 19Mar24\n" + b" magnetization (x)\n    1  0.1  2.8\n" * 500

COMPRESSORS = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
    "lzma": lambda data: lzma.compress(data, format=lzma.FORMAT_ALONE),
    "compress": compress_lzw,
}


@pytest.mark.parametrize("kind", list(COMPRESSORS))
@pytest.mark.parametrize("name", ["OSZICAR", "OUTCAR.gz", "CONTCAR.bz2", "e-v.dat.Z"])
def test_any_compression_under_any_name_is_read_by_content(tmp_path, kind, name):
    packed = COMPRESSORS[kind](TEXT)
    path = tmp_path / name
    path.write_bytes(packed)
    content = read_content(path)
    assert content.data == TEXT and content.compression == kind
    assert content.sha256 == hashlib.sha256(packed).hexdigest()  # the stored bytes
    assert file_record(path, "x").sha256 == content.sha256


@pytest.mark.parametrize("name", ["OUTCAR.gz", "OSZICAR.Z", "POSCAR.xz", "plain"])
def test_plain_text_under_a_compressed_name_is_read_as_is(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(TEXT)
    assert read_text(path)[0] == TEXT.decode()
    assert read_content(path).compression is None


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "lzma"])
def test_truncated_or_corrupt_stream_names_the_file(tmp_path, kind):
    packed = COMPRESSORS[kind](TEXT)
    path = tmp_path / "OUTCAR"
    path.write_bytes(packed[: len(packed) // 2])
    reason = f"{kind}-compressed file is damaged or truncated"
    with pytest.raises(InputError, match=reason) as error:
        read_content(path)
    assert error.value.path == str(path)


def test_corrupt_compress_stream_is_an_input_error(tmp_path):
    path = tmp_path / "OUTCAR.Z"
    path.write_bytes(b"\x1f\x9d\x90" + bytes([0xFF] * 40))  # codes beyond the table
    with pytest.raises(InputError, match="compress-compressed file is damaged") as error:
        read_content(path)
    assert error.value.path == str(path)


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "is empty"), (b"  \n\n", "is empty"), (bytes(range(256)) * 4, "binary")],
)
def test_empty_and_binary_files_are_refused(tmp_path, data, reason):
    path = tmp_path / "INCAR"
    path.write_bytes(gzip.compress(data) if reason == "binary" else data)
    with pytest.raises(InputError, match=reason) as error:
        read_text(path)
    assert error.value.path == str(path)


def test_missing_file_folder_and_permission_denied(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="file not found"):
        read_content(tmp_path / "nothing")
    with pytest.raises(InputError, match="is a folder"):
        read_content(tmp_path)
    locked = tmp_path / "OUTCAR"
    locked.write_bytes(TEXT)
    real = Path.read_bytes

    def denied(self):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(InputError, match="Permission denied") as error:
        read_content(locked)
    assert error.value.path == str(locked)


@pytest.mark.parametrize(("max_width", "clear"), [(16, False), (12, True), (9, True)])
def test_unix_compress_round_trip_and_table_resets(max_width, clear, fe3pt_vasp_dir):
    data = plain_bytes(fe3pt_vasp_dir / "config_22" / "vol_0" / "OUTCAR.3static.gz")[:300_000]
    packed = compress_lzw(data, max_width=max_width, clear_when_full=clear)
    assert decompress(packed) == data


@pytest.mark.skipif(shutil.which("gzip") is None, reason="needs the gzip program")
@pytest.mark.parametrize(("max_width", "clear"), [(16, False), (12, True), (9, True)])
def test_the_test_encoder_writes_what_gzip_reads(max_width, clear):
    # gzip -d decodes .Z independently: this keeps encoder and decoder honest
    data = (b"E0= -.92466067E+02 mag= 8.5956\n" * 300) + bytes(range(256)) * 40
    packed = compress_lzw(data, max_width=max_width, clear_when_full=clear)
    decoded = subprocess.run(["gzip", "-dc"], input=packed, capture_output=True, check=True)
    assert decoded.stdout == data
    assert decompress(packed) == data


def test_compress_stream_with_bad_header_is_refused():
    with pytest.raises(LzwError):
        decompress(b"\x1f\x9d\x05abc")  # code width 5


def test_compression_of_heads():
    assert compression_of(b"\x1f\x8b\x08\x00") == "gzip"
    assert compression_of(b"BZh91AY") == "bzip2"
    assert compression_of(b"\xfd7zXZ\x00\x00") == "xz"
    assert compression_of(b"\x1f\x9d\x90") == "compress"
    assert compression_of(b"\x5d\x00\x00\x80\x00") == "lzma"
    assert compression_of(b" vasp.6") is None


def test_plain_copy_only_copies_when_a_library_would_be_misled(tmp_path):
    plain = tmp_path / "OSZICAR"
    plain.write_bytes(TEXT)
    with plain_copy(plain, read_content(plain)) as path:
        assert path == plain
    misnamed = tmp_path / "vasprun.xml.gz"
    misnamed.write_bytes(TEXT)  # plain text under a gzip name: pymatgen would gunzip it
    with plain_copy(misnamed, read_content(misnamed)) as path:
        assert path.name == "vasprun.xml" and path.read_bytes() == TEXT
        copy = path
    assert not copy.exists() and misnamed.exists()


def test_csv_readers_read_compressed_files_by_content(tmp_path, fe3pt_experiment_dir):
    from zenthermo.io.experiment import read_reference_csv

    original = fe3pt_experiment_dir / "sumiyama_fe3pt_lcte.csv"
    packed = tmp_path / "sumiyama_fe3pt_lcte.csv"  # bzip2 inside, a plain name outside
    packed.write_bytes(bz2.compress(b"\xef\xbb\xbf" + original.read_bytes()))  # with a BOM
    a, b = read_reference_csv(original), read_reference_csv(packed)
    assert (a.T_K == b.T_K).all() and (a.values == b.values).all()
