"""Small, reusable makers of real-world faults on copies of the fixtures.

Each maker changes files in a copy (made by :func:`link_tree`: symbolic links to the
read-only fixtures, a link replaced by a real file when it is changed) and returns what it
changed, so that a test can assert that the message names it.
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable
from pathlib import Path

FE3PT_CONFIGS = ("config_0", "config_22", "config_28")


def link_tree(source: Path, target: Path, configs: Iterable[str] = FE3PT_CONFIGS) -> Path:
    """A copy of ``source/<config>`` trees made of symbolic links (cheap), under ``target``."""
    for config in configs:
        for path in (source / config).rglob("*"):
            if path.is_file():
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path, destination)
    return target


def link_folder(source: Path, target: Path) -> Path:
    """A copy of one folder's files (e.g. a single volume folder) made of symbolic links."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file():
            os.symlink(path, target / path.name)
    return target


def replace(path: Path, data: bytes) -> Path:
    """Write ``data`` as a real file in place of ``path`` (a link into the fixtures)."""
    path.unlink()
    path.write_bytes(data)
    return path


def plain_bytes(path: Path) -> bytes:
    """The content of ``path``, decompressed when it is gzip (the fixtures' OUTCARs)."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def remove_kinds(folder: Path, *kinds: str) -> list[Path]:
    """Delete every file of ``folder`` whose name starts with one of ``kinds``."""
    removed = [p for p in folder.iterdir() if p.name.startswith(kinds)]
    for path in removed:
        path.unlink()
    return removed


def outcar_only(folder: Path) -> Path:
    """Leave only the OUTCAR of a volume folder (no INCAR, OSZICAR, CONTCAR, KPOINTS)."""
    remove_kinds(folder, "INCAR", "OSZICAR", "CONTCAR", "KPOINTS", "POSCAR")
    return next(folder.glob("OUTCAR*"))


def the_file(folder: Path, kind: str) -> Path:
    """The (only) file of ``kind`` of the final stage in a Fe3Pt volume folder."""
    return next(p for p in folder.iterdir() if p.name.startswith(f"{kind}.3static"))


def overflow_last_moment_table(outcar: Path, site: int = 0) -> Path:
    """Replace the ``tot`` of one site in the last ``magnetization (x)`` table by stars."""
    text = plain_bytes(outcar).decode()
    start = text.rfind(" magnetization (x)")
    lines = text[start:].split("\n")
    row = 4 + site
    fields = lines[row].rsplit(None, 1)
    lines[row] = fields[0] + " " + "*" * len(fields[1])
    return replace(outcar, (text[:start] + "\n".join(lines)).encode())


def overflow_last_positions(outcar: Path) -> Path:
    """Overflow the x coordinate of the first ion in the last POSITION block."""
    text = plain_bytes(outcar).decode()
    start = text.rfind("POSITION")
    head, tail = text[:start], text[start:]
    lines = tail.split("\n")
    lines[2] = re.sub(r"^\s*\S+", "  **********", lines[2])
    return replace(outcar, (head + "\n".join(lines)).encode())


def swap_species(structure_file: Path) -> Path:
    """A CONTCAR/POSCAR whose species line and counts are swapped (Fe9 Pt3 -> Pt3 Fe9)
    but whose positions keep their order: same composition, wrong sites."""
    lines = structure_file.read_text().split("\n")
    lines[5] = " ".join(reversed(lines[5].split()))
    lines[6] = " ".join(reversed(lines[6].split()))
    return replace(structure_file, "\n".join(lines).encode())


def drop_species_line(structure_file: Path, comment: str | None = None) -> Path:
    """A VASP 4 style POSCAR: no species line; optionally a new comment line."""
    lines = structure_file.read_text().split("\n")
    del lines[5]
    if comment is not None:
        lines[0] = comment
    return replace(structure_file, "\n".join(lines).encode())


def compress_lzw(data: bytes, max_width: int = 16, clear_when_full: bool = False) -> bytes:
    """``data`` packed as Unix ``compress`` does (``.Z``, block mode), for the tests.

    With ``clear_when_full`` the table is cleared (code 256) each time it fills, which
    exercises the decoder's reset; ``gzip -d`` reads either form.
    """
    limit = 1 << max_width
    out_bits: list[tuple[int, int, int]] = []  # (code, width, bit position)
    position = group_start = 0
    width = 9
    max_code = (1 << width) - 1
    decoder_size = 257  # table size the decoder will have when it reads the next code
    first = True
    table = {bytes([i]): i for i in range(256)}
    next_code = 257

    def emit(code: int) -> None:
        nonlocal position, group_start, width, max_code, decoder_size, first
        if decoder_size > max_code:
            position = _padded(position, group_start, width)
            group_start = position
            width += 1
            max_code = limit if width == max_width else (1 << width) - 1
        out_bits.append((code, width, position))
        position += width
        if not first and decoder_size < limit:
            decoder_size += 1
        first = False

    word = b""
    for byte in data:
        candidate = word + bytes([byte])
        if candidate in table:
            word = candidate
            continue
        emit(table[word])
        if next_code < limit:
            table[candidate] = next_code
            next_code += 1
        elif clear_when_full:
            emit(256)
            position = _padded(position, group_start, width)
            group_start, width, decoder_size, first = position, 9, 257, True
            max_code = (1 << width) - 1
            table = {bytes([i]): i for i in range(256)}
            next_code = 257
        word = bytes([byte])
    if word:
        emit(table[word])
    body = bytearray((position + 7) // 8 + 3)
    for code, _, at in out_bits:
        shifted = code << (at & 7)
        for offset in range(3):
            body[(at >> 3) + offset] |= (shifted >> (8 * offset)) & 0xFF
    body = body[: (position + 7) // 8]
    return b"\x1f\x9d" + bytes([0x80 | max_width]) + bytes(body)


def _padded(position: int, group_start: int, width: int) -> int:
    group = 8 * width
    return group_start + -(-(position - group_start) // group) * group


# ----------------------------------------------------------------------------- accounting


def link_copy(source: Path, target: Path) -> Path:
    """A copy of the folder ``source`` (any depth) made of symbolic links to its files."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path.resolve() if path.is_symlink() else path, destination)
    return target


def write_manifest(root: Path, text: str) -> Path:
    """A ``zenthermo.toml`` at the root of a tree."""
    manifest = root / "zenthermo.toml"
    manifest.write_text(text)
    return manifest


def nest_volumes(configuration: Path, *groups: str) -> list[Path]:
    """Move the volume folders of ``configuration`` one level deeper, dealt in turn into the
    sub-folders ``groups`` (one group: unambiguous; several: ambiguous)."""
    volumes = sorted(p for p in configuration.iterdir() if p.is_dir())
    targets = [configuration / group for group in groups]
    for target in targets:
        target.mkdir()
    for index, volume in enumerate(volumes):
        volume.rename(targets[index % len(targets)] / volume.name)
    return targets


def unfinished_configuration(source_volume: Path, target: Path, volumes: int = 6) -> Path:
    """A configuration folder whose volume folders hold only the inputs of the runs."""
    for index in range(volumes):
        folder = target / f"vol_{index}"
        folder.mkdir(parents=True)
        for path in source_volume.iterdir():
            if path.name.startswith(("INCAR", "KPOINTS", "POSCAR")):
                os.symlink(path.resolve(), folder / path.name)
    return target


def results_one_level_deeper(volume: Path, sub: str = "run") -> Path:
    """Move the files of a volume folder into ``volume/sub``."""
    (volume / sub).mkdir()
    for path in list(volume.iterdir()):
        if path.is_file() or path.is_symlink():
            path.rename(volume / sub / path.name)
    return volume / sub


def twin_volume(volume: Path, name: str, dv: float = 1e-9, de: float = 0.0) -> Path:
    """A copy of a Fe3Pt-style volume folder as a sibling ``name``: its final structure's
    volume ``dv`` A^3 larger, its OSZICAR a real file with the final energy ``de`` eV higher
    (with ``de = 0`` only a trailing newline differs: other bytes, same energy)."""
    twin = link_folder(volume, volume.parent / name)
    contcar = the_file(twin, "CONTCAR")
    lines = contcar.read_text().split("\n")
    cell = [[float(x) for x in line.split()] for line in lines[2:5]]
    a, b, c = cell
    det = (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
           + a[2] * (b[0] * c[1] - b[1] * c[0]))
    lines[1] = repr(float(lines[1]) * ((det + dv) / det) ** (1 / 3))
    replace(contcar, "\n".join(lines).encode())
    if de:
        shift_final_energy(twin, de)
    oszicar = the_file(twin, "OSZICAR")
    replace(oszicar, plain_bytes(oszicar) + b"\n")
    return twin


def shift_final_energy(volume: Path, de: float,
                       kinds: tuple[str, ...] = ("OSZICAR", "OUTCAR")) -> None:
    """Raise the final energy of a Fe3Pt-style volume's run by ``de`` eV, in its OSZICAR (the
    last E0) and its OUTCAR (the last energy(sigma->0)) alike, as such a run would print it
    (in ``kinds`` only, where given)."""
    keys = {"OSZICAR": " E0= ", "OUTCAR": "energy(sigma->0) ="}
    for kind, key in ((kind, keys[kind]) for kind in kinds):
        path = the_file(volume, kind)
        head, _, tail = plain_bytes(path).decode().rpartition(key)
        value = tail.split()[0]
        shifted = f"{float(value) + de:.8E}" if kind == "OSZICAR" else f"{float(value) + de:.8f}"
        replace(path, (head + key + tail.replace(value, shifted, 1)).encode())


def drop_stage(volume: Path, stage: str, kinds: tuple[str, ...] = ()) -> list[Path]:
    """Delete the files of ``stage`` (only those of ``kinds`` when given) in a volume folder."""
    removed = [p for p in volume.iterdir() if f".{stage}" in p.name
               and (not kinds or p.name.startswith(kinds))]
    for path in removed:
        path.unlink()
    return removed


def rename_suffixes(folder: Path, rename) -> dict[str, str]:
    """Rename ``thermal_properties.yaml-<n>`` and ``POSCAR-<n>`` by ``rename(n) -> new``."""
    renamed = {}
    for path in sorted(folder.iterdir()):
        for stem in ("thermal_properties.yaml-", "POSCAR-"):
            if path.name.startswith(stem):
                new = stem + rename(path.name[len(stem):])
                path.rename(folder / new)
                renamed[path.name] = new
    return renamed


def one_folder_per_volume(folder: Path) -> list[Path]:
    """Move ``thermal_properties.yaml-<n>`` and ``POSCAR-<n>`` into ``vol_<n>/`` (plain names)."""
    made = []
    for path in sorted(folder.glob("thermal_properties.yaml-*")):
        number = path.name[len("thermal_properties.yaml-"):]
        target = folder / f"vol_{number}"
        target.mkdir()
        path.rename(target / "thermal_properties.yaml")
        (folder / f"POSCAR-{number}").rename(target / "POSCAR")
        made.append(target / "thermal_properties.yaml")
    return made


def swap_files(first: Path, second: Path) -> tuple[Path, Path]:
    """Exchange the contents of two files (e.g. two POSCARs: a contradicted pairing)."""
    a, b = first.read_bytes(), second.read_bytes()
    replace(first, b)
    replace(second, a)
    return first, second


def snapshot(root: Path) -> dict[str, object]:
    """What is on disk under ``root``: each link's target, each file's bytes' hash."""
    import hashlib

    state: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[key] = ("link", os.readlink(path))
        elif path.is_file():
            state[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            state[key] = ("dir",)
    return state


def append_row(path: Path, row: str) -> Path:
    """``path`` (e.g. e-v.dat) as a real file with one more line."""
    return replace(path, path.read_bytes().rstrip(b"\n") + b"\n" + row.encode() + b"\n")


def copy_over(source: Path, target: Path) -> Path:
    """``target`` made a real file with the bytes of ``source`` (a copied file)."""
    return replace(target, source.read_bytes())
