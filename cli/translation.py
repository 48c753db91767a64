"""`stop-intake detect-language` and `stop-intake translation install|list|remove`.

Registered by cli/main.py; model management works offline from `.argosmodel` files that
an operator copied onto the machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from translation import ModelInstallError, ModelStore
from translation import detect_language as detect


def _store() -> ModelStore:
    from core.settings import get_settings

    return ModelStore(get_settings().effective_translation_dir)


@click.command("detect-language")
def detect_language() -> None:
    """Read JSON lines {"text", "locale"?} on stdin; write {"language", "confidence"} lines.

    Each answer also has `script` (ISO 15924 of the letters read, null when there were
    none) and `tag` (BCP 47: `hi-Latn` when a language was typed in Latin letters instead
    of its own script, else the language). A malformed line gets {"error": ...} in its
    place, so outputs stay aligned with inputs."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError("expected an object with a string 'text'")
            locale = item.get("locale")
            if locale is not None and not isinstance(locale, str):
                raise ValueError("'locale' must be a string")
            found = detect(item["text"], locale)
            answer: dict[str, object] = {
                "language": found.language,
                "confidence": found.confidence,
                "script": found.script,
                "tag": found.tag,
            }
        except ValueError as error:
            answer = {"error": f"malformed line: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


@click.group()
def translation() -> None:
    """Offline translation models (argos-translate packages)."""


@translation.command("install")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def install(path: Path) -> None:
    """Install translation packages from PATH (an .argosmodel file or a folder of them)
    without any network access."""
    store = _store()
    files = store.package_files(path)
    if not files:
        raise click.ClickException(f"no .argosmodel files in {path}")
    total = sum(store.unpacked_size(file) for file in files)
    failed = 0
    with click.progressbar(length=total, label="Installing", file=sys.stderr) as bar:
        for file in files:
            try:
                model = store.install(file, progress=bar.update)
            except ModelInstallError as error:
                failed += 1
                click.echo(f"\nrefused {file.name}: {error}", err=True)
                continue
            click.echo(f"\ninstalled {model.source} -> {model.target} ({model.version})")
    raise SystemExit(1 if failed else 0)


@translation.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_models(as_json: bool) -> None:
    """Show installed packages: which languages can be translated."""
    models = _store().installed()
    for model in models:
        if as_json:
            row = {"name": model.name, "source": model.source, "target": model.target}
            click.echo(json.dumps({**row, "version": model.version}))
        else:
            click.echo(f"{model.source:>6} -> {model.target:<6} {model.version:<8} {model.name}")
    if not models and not as_json:
        click.echo("no translation models installed")


@translation.command("remove")
@click.argument("package")
def remove(package: str) -> None:
    """Remove an installed PACKAGE: a pair like es-en, or a name from `list`."""
    removed = _store().remove(package)
    if not removed:
        raise click.ClickException(f"no installed package matches {package}")
    for model in removed:
        click.echo(f"removed {model.source} -> {model.target} ({model.version})")
