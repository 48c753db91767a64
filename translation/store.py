"""Installed translation models: install from `.argosmodel` files offline, list, remove.

One folder per language pair (`translate-es_en`), so installing a newer package for a
pair replaces the old one. An install is unpacked and checked in a hidden folder first
and moved into place with a rename, so a running worker never sees half a model.
"""

from __future__ import annotations

import json
import shutil
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from translation.argos_env import argos_package_module
from translation.languages import detection_code

Progress = Callable[[int], None]


class ModelInstallError(Exception):
    """A file is not an installable argos translation package (the message says why)."""


@dataclass(frozen=True)
class InstalledModel:
    """One installed package. `source`/`target` are detection codes (zh-cn, not zh)."""

    name: str
    source: str
    target: str
    version: str
    path: Path
    argos_from: str
    argos_to: str


def _folder_name(from_code: str, to_code: str) -> str:
    return f"translate-{from_code}_{to_code}"


class ModelStore:
    """The models in one folder (`Settings.effective_translation_dir`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    # --- reading ---

    def installed(self) -> list[InstalledModel]:
        """Installed packages, sorted by pair; unreadable folders are skipped."""
        if not self.directory.is_dir():
            return []
        argos = argos_package_module(self.directory)
        models = []
        for path in sorted(self.directory.iterdir()):
            if path.name.startswith(".") or not (path / "metadata.json").is_file():
                continue
            try:
                package = argos.Package(path)
            except (OSError, ValueError):
                continue
            if package.type != "translate" or not package.from_code or not package.to_code:
                continue
            models.append(
                InstalledModel(
                    name=path.name,
                    source=detection_code(package.from_code),
                    target=detection_code(package.to_code),
                    version=package.package_version or "",
                    path=path,
                    argos_from=package.from_code,
                    argos_to=package.to_code,
                )
            )
        return models

    def signature(self) -> tuple[tuple[str, int], ...]:
        """Cheap fingerprint of what is installed, to notice installs by another process."""
        if not self.directory.is_dir():
            return ()
        return tuple(
            (path.name, (path / "metadata.json").stat().st_mtime_ns)
            for path in sorted(self.directory.iterdir())
            if not path.name.startswith(".") and (path / "metadata.json").is_file()
        )

    # --- installing ---

    @staticmethod
    def package_files(path: Path) -> list[Path]:
        """The `.argosmodel` files a path names: itself, or those in a folder."""
        if path.is_dir():
            return sorted(p for p in path.iterdir() if p.suffix == ".argosmodel" and p.is_file())
        return [path]

    @staticmethod
    def unpacked_size(path: Path) -> int:
        """Bytes an install will write (for a progress bar)."""
        try:
            with zipfile.ZipFile(path) as archive:
                return sum(info.file_size for info in archive.infolist())
        except (OSError, zipfile.BadZipFile):
            return 0

    def install(self, archive_path: Path, progress: Progress | None = None) -> InstalledModel:
        """Install one `.argosmodel` file, replacing an installed package for the same pair."""
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = self.directory / f".installing-{uuid.uuid4().hex}"
        try:
            root = self._unpack(archive_path, staging, progress)
            from_code, to_code = self._check(root)
            final = self.directory / _folder_name(from_code, to_code)
            self._swap_in(root, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return next(model for model in self.installed() if model.path == final)

    def _unpack(self, archive_path: Path, staging: Path, progress: Progress | None) -> Path:
        if not zipfile.is_zipfile(archive_path):
            raise ModelInstallError(f"{archive_path.name}: not an .argosmodel (zip) file")
        with zipfile.ZipFile(archive_path) as archive:
            members = archive.infolist()
            tops = {PurePosixPath(m.filename).parts[0] for m in members if m.filename}
            for member in members:
                parts = PurePosixPath(member.filename).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise ModelInstallError(f"{archive_path.name}: unsafe path in archive")
            if len(tops) != 1:
                raise ModelInstallError(f"{archive_path.name}: expected one top-level folder")
            for member in members:
                archive.extract(member, staging)
                if progress:
                    progress(member.file_size)
        return staging / tops.pop()

    def _check(self, root: Path) -> tuple[str, str]:
        """Refuse anything that would fail later in the worker rather than now; return the
        package's (from_code, to_code)."""
        try:
            metadata: object = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ModelInstallError(f"{root.name}: unreadable metadata.json ({error})") from None
        if not isinstance(metadata, dict):
            raise ModelInstallError(f"{root.name}: metadata.json is not a JSON object")
        if metadata.get("type", "translate") != "translate":
            raise ModelInstallError(f"{root.name}: not a translation package")
        from_code, to_code = metadata.get("from_code"), metadata.get("to_code")
        if not isinstance(from_code, str) or not from_code:
            raise ModelInstallError(f"{root.name}: metadata.json lacks from_code")
        if not isinstance(to_code, str) or not to_code:
            raise ModelInstallError(f"{root.name}: metadata.json lacks to_code")
        if not (root / "model" / "model.bin").is_file():
            raise ModelInstallError(f"{root.name}: no CTranslate2 model (model/model.bin)")
        if not any((root / name).is_file() for name in ("sentencepiece.model", "bpe.model")):
            raise ModelInstallError(f"{root.name}: no tokenizer (sentencepiece.model/bpe.model)")
        return from_code, to_code

    def _swap_in(self, root: Path, final: Path) -> None:
        retired = self.directory / f".removing-{uuid.uuid4().hex}"
        if final.exists():
            final.rename(retired)
        root.rename(final)
        shutil.rmtree(retired, ignore_errors=True)

    # --- removing ---

    def remove(self, spec: str) -> list[InstalledModel]:
        """Remove packages named by folder name or pair (`es-en`, `es_en`); return them."""
        wanted = spec.strip().replace("_", "-").lower()
        removed = []
        for model in self.installed():
            pairs = {
                f"{model.source}-{model.target}",
                f"{model.argos_from}-{model.argos_to}".lower(),
                model.name.replace("_", "-").lower(),
            }
            if wanted in pairs:
                retired = self.directory / f".removing-{uuid.uuid4().hex}"
                model.path.rename(retired)
                shutil.rmtree(retired, ignore_errors=True)
                removed.append(model)
        return removed
