"""``xlprod excel-setup``: the ribbon add-in and the settings that let Excel find this Python.

The add-in's ribbon is derived from the kind registry: « Recalculer » acts on the active
workbook whatever its kind, and each kind's extra actions get a group of their own.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from xlprod.kinds import KINDS
from xlprod.kinds.registry import RECALCULATE
from xlprod.workbook.addin import CONFIG_SHEET, PROJECT, RibbonButton, RibbonGroup, build_addin
from xlprod.workbook.files import atomic_write_bytes


def ribbon_groups() -> list[RibbonGroup]:
    groups = [RibbonGroup("Classeur actif", (RibbonButton(
        RECALCULATE, "Recalculer",
        "Recalculer et contrôler le classeur actif (" + ", ".join(k.title for k in KINDS.values()) + ")"),))]
    for kind in KINDS.values():
        if kind.actions:
            groups.append(RibbonGroup(kind.title, tuple(RibbonButton(a.name, a.label, a.description, "MacroPlay")
                                                        for a in kind.actions)))
    return groups


def interpreter_key(platform: str) -> str:
    """xlwings' setting for the interpreter on this system (``Interpreter_Win`` / ``Interpreter_Mac``)."""
    return "Interpreter_Mac" if platform == "darwin" else "Interpreter_Win"


def user_config_path(platform: str, home: Path) -> Path:
    """Where the xlwings VBA, renamed xlprod, looks for its user settings (``GetConfigFilePath``)."""
    if platform == "darwin":  # Excel is sandboxed on macOS: its $HOME is its container
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{PROJECT}.conf"
    return home / f".{PROJECT}" / f"{PROJECT}.conf"


def config_encoding(platform: str) -> str:
    """VBA's ``Input #`` reads the system's ANSI code page on Windows, not UTF-8."""
    return "cp1252" if platform == "win32" else "utf-8"


def user_config_bytes(path: Path, settings: dict[str, str], platform: str = sys.platform) -> bytes:
    """``"KEY","value"`` lines (VBA ``Input #``), keeping the other settings already in ``path``."""
    encoding = config_encoding(platform)
    existing: dict[str, str] = {}
    if path.exists():
        for row in csv.reader(io.StringIO(path.read_bytes().decode(encoding, errors="replace"))):
            if len(row) >= 2:
                existing[row[0].upper()] = row[1]
    existing.update({k.upper(): v for k, v in settings.items()})
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for key, value in existing.items():
        writer.writerow([key, value])
    try:
        return out.getvalue().encode(encoding)
    except UnicodeEncodeError as exc:
        raise ValueError(f"« {exc.object[exc.start:exc.end]} » ne peut pas être écrit dans {path.name} ({encoding}) : "
                         "installez Python dans un dossier dont le chemin n'a que des caractères latins") from exc


def write_user_config(path: Path, settings: dict[str, str], platform: str = sys.platform) -> Path:
    data = user_config_bytes(path, settings, platform)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(path, data)


def check_interpreter(python: str, platform: str) -> None:
    """Excel starts the interpreter from its own folder: the path must be absolute, and, when the
    add-in is built on the machine that will use it, point at an existing file."""
    from pathlib import PurePosixPath, PureWindowsPath

    absolute = PureWindowsPath(python).is_absolute() if platform == "win32" else PurePosixPath(python).is_absolute()
    if '"' in python or not absolute:
        raise ValueError(f"chemin d'interpréteur invalide : {python} (donnez un chemin complet, par exemple "
                         f"{sys.executable})")
    if platform == sys.platform and not Path(python).is_file():
        raise ValueError(f"interpréteur introuvable : {python}")


def excel_setup(out_dir: Path, *, interpreter: str | None = None, write_user_config_file: bool = True,
                platform: str = sys.platform, home: Path | None = None) -> list[str]:
    """Build the add-in for this Python; return what was done and what the user does next, in French."""
    python = interpreter or sys.executable
    check_interpreter(python, platform)
    settings = {interpreter_key(platform): python}
    conf = user_config_path(platform, home or Path.home())
    conf_data = user_config_bytes(conf, settings, platform) if write_user_config_file else None  # fails before writing
    out_dir.mkdir(parents=True, exist_ok=True)
    addin = build_addin(out_dir, ribbon_groups(), settings)
    done = [f"{addin}: complément Excel créé (onglet « xlprod », feuille {CONFIG_SHEET} : {python})"]
    if conf_data is not None:
        conf.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(conf, conf_data)
        done.append(f"{conf}: configuration écrite (utilisée par les boutons des classeurs .xlsm)")
    done.append("Dans Excel : Fichier > Options > Compléments > Gérer : Compléments Excel > Parcourir… > "
                f"{addin.name} (macOS : Outils > Compléments Excel). Détails : README, « Dans Excel ».")
    return done
