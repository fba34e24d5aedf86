"""The repository speaks only of the product.

No text file in the repository tells how glassnet was built (numbered work periods, notes
kept "for the record"), who works on what or who commits, or names a folder that exists only
on one particular machine. The project's own documents are there (LICENSE, CHANGELOG.md,
CONTRIBUTING.md), and every page that the documentation's navigation lists exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve()

#: Text that belongs to the story of the build, not to the product.
BUILD_HISTORY = {
    "a numbered work period": r"\bsessions?[\s_-]*\d",
    "findings of a work period": r"\bfindings\s*\(\s*session",
    "this or that work period": r"\b(this|that|last|previous|next|earlier)\s+session\b",
    "notes kept for the record": r"\bkept for the record\b",
    "a speed-up told as history": r"\bwas\s+[0-9.–-]+\s*[x×]\s+before\b",
}

#: Text about a team's working rules.
TEAM_PROCESS = {
    "who commits": r"\bwho (may )?commits?\b|\bthe lead commits\b",
    "the lead": r"\bthe lead\b|\blead's\b",
    "a team": r"\b(our|the) team\b|\bteam (rules|members?)\b",
    "worktrees": r"\bworktrees?\b",
    "other developers": r"\b(another|other) developers?\b|\bdevelopers working\b",
    "someone editing now": r"\b(editing|writing)\b[^.\n]{0,60}\bright now\b",
    "git rules": r"\bdo not (run )?git\b|\bgit add/commit\b|\bdo not commit\b",
}

#: Folders of one particular machine.
MACHINE_PATHS = {
    "/work/": r"(?<![\w.])/work/",
    "/opt/ wheels or package mirrors": r"(?<![\w.])/opt/(wheels|pypi)",
    "/root/": r"(?<![\w.])/root/",
    "a user's home folder": r"(?<![\w.])(/home|/Users)/[A-Za-z_][\w.-]*/",
    "a shared folder beside the checkout": r"\.\./shared/",
}

PATTERNS = [
    (kind, label, re.compile(regex, re.IGNORECASE))
    for kind, table in (("build history", BUILD_HISTORY), ("team process", TEAM_PROCESS),
                        ("machine path", MACHINE_PATHS))
    for label, regex in table.items()
]


def repository_text_files() -> list[Path]:
    """Tracked and new (not ignored) files of the checkout that decode as UTF-8 text."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the list of the repository's files is unknown")
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    files = []
    for name in sorted(set(filter(None, listing.split("\0")))):
        path = ROOT / name
        if not path.is_file() or path.resolve() == THIS_FILE:
            continue
        raw = path.read_bytes()
        if b"\0" in raw:
            continue  # binary (images, archives)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def offending_lines(text: str) -> list[tuple[int, str, str]]:
    """``(line number, what, line)`` for each line of ``text`` that matches a pattern."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, label, pattern in PATTERNS:
            if pattern.search(line):
                found.append((number, f"{kind}: {label}", line.strip()))
                break
    return found


@pytest.mark.parametrize("line, expected", [
    ("Findings (session 3): where the time goes", "build history"),
    ("the JSON files are in benchmark_runs/session4_w1w2.json", "build history"),
    ("W4, 0.80x (was 1.13× before).", "build history"),
    ("Rules: do not git add/commit/stash; the lead commits.", "team process"),
    ("Another developer is writing load_data() right now.", "team process"),
    ("Edit files only in your worktree; the team rules apply.", "team process"),
    ("so GLASSNET_DATA=/work/shared/data finds the files", "machine path"),
    ("TORCH_WHEEL := $(wildcard /opt/wheels/torch-*.whl)", "machine path"),
    ("CI has ../shared/data", "machine path"),
])
def test_patterns_catch_each_kind(line, expected):
    found = offending_lines(line)
    assert found and found[0][1].startswith(expected), found


@pytest.mark.parametrize("line", [
    'sess = ort.InferenceSession("model.onnx")',
    "options = ort.SessionOptions()",
    "Debian's package installs /usr/share/datasets/fashion-mnist",
    "reports/demo/ holds the curves; the cache is ~/.cache/glassnet",
    "the learning rate leads to divergence; a leading axis",
    "W4 LSTM(128): 0.80× PyTorch's epoch time",
])
def test_patterns_leave_product_text_alone(line):
    assert offending_lines(line) == []


def test_no_build_history_team_process_or_machine_paths():
    problems = []
    for path in repository_text_files():
        text = path.read_text(encoding="utf-8")
        for number, what, line in offending_lines(text):
            problems.append(f"{path.relative_to(ROOT)}:{number}: {what}: {line[:120]}")
        if re.search(r"session\d", path.name, re.IGNORECASE):
            problems.append(f"{path.relative_to(ROOT)}: build history in the file name")
    assert not problems, (
        f"{len(problems)} line(s) speak of how glassnet was built or of one machine:\n"
        + "\n".join(problems)
    )


def test_license_is_the_mit_license_pyproject_declares():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license\s*=\s*"MIT"', pyproject, re.MULTILINE)
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} ", license_text)
    assert "WITHOUT WARRANTY OF ANY KIND" in license_text


def test_changelog_describes_the_current_version():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version\s*=\s*"([^"]+)"', pyproject, re.MULTILINE).group(1)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "Keep a Changelog" in changelog
    section = re.search(rf"^## \[{re.escape(version)}\].*?(?=^## |\Z)", changelog,
                        re.MULTILINE | re.DOTALL)
    assert section, f"CHANGELOG.md has no section for version {version}"
    assert "### Added" in section.group(0)


def test_contributing_covers_setup_test_lint_benchmark_and_layers():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    for needed in ("Set up", "Test", "Lint", "Benchmark", "Write a layer"):
        assert any(h.startswith(needed) for h in headings), (needed, headings)
    assert "check_layer" in text and "in place" in text


def nav_pages() -> list[str]:
    """Every ``*.md`` file that mkdocs.yml's ``nav`` lists, relative to ``docs/``."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:"):]
    return re.findall(r"^\s*-\s+(?:[^\n]*?:\s+)?([\w./-]+\.md)\s*$", nav, re.MULTILINE)


def test_every_page_of_the_documentation_navigation_exists():
    pages = nav_pages()
    assert len(pages) >= 10, pages
    missing = [page for page in pages if not (ROOT / "docs" / page).is_file()]
    assert not missing, f"mkdocs.yml lists pages that do not exist in docs/: {missing}"
    for needed in ("index.md", "benchmark_results.md", "engine_contract.md",
                   "reference/scratch.md"):
        assert needed in pages


def test_every_documentation_page_is_in_the_navigation():
    listed = set(nav_pages())
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert not pages - listed, f"pages missing from mkdocs.yml's nav: {sorted(pages - listed)}"


def test_readme_links_point_at_files_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links into the documentation"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README.md links to missing files: {missing}"
