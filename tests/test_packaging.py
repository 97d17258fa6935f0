"""The project's own files agree: pins, entry points, the README's commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_pins() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        pins += extra
    return {pin.replace(" ", "") for pin in pins}


def test_every_dependency_is_pinned_exactly() -> None:
    loose = [pin for pin in _pyproject_pins() if "==" not in pin]
    assert loose == []


def test_environment_yml_lists_the_same_pins_as_pyproject() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    conda_pins = {pin.replace(" ", "") for pin in pip_section if not pin.startswith("-e")}
    assert conda_pins == _pyproject_pins()


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./dev.sh test" in readme
    assert re.search(r"^exec \./dev\.sh test$", ci, re.MULTILINE)


def test_notebooks_are_committed_without_outputs() -> None:
    import nbformat

    for path in (ROOT / "notebooks").glob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        outputs = [c for c in notebook.cells if c.cell_type == "code" and c.outputs]
        assert outputs == [], f"{path.name} has outputs"
