"""The README stays true to the code: every command documented, the layout real."""

from __future__ import annotations

import re
from pathlib import Path

import click

from qldrops.cli import LAZY_COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_cli_command_is_in_the_readme():
    ctx = click.Context(cli)
    names = set(cli.list_commands(ctx)) | set(LAZY_COMMANDS)
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    missing = sorted(n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", section))
    assert missing == [], f"commands missing from README.md: {missing}"


def test_every_path_in_the_layout_exists():
    layout = README.split("## Layout", 1)[1].split("```", 2)[1]
    paths = []
    parent = ""
    for line in layout.splitlines():
        if not line.strip():
            continue
        name = line.split()[0]
        if not line.startswith(" "):
            parent = name if name.endswith("/") else ""
            paths.append(name)
        else:
            paths.append(parent + name)
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == [], f"README layout names paths that do not exist: {missing}"


def test_the_readme_commands_are_make_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"^make (\w+)", README, flags=re.M):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make test" in (ROOT / ".ci" / "run").read_text()
