"""The README's code snippets are cut from files that compile, so they never rot."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def code_lines(text):
    """Lines that are code: comments and blank lines dropped, whitespace trimmed."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("//"):
            lines.append(line)
    return lines


def test_readme_hello_snippet_is_the_example_that_compiles():
    readme = (ROOT / "README.md").read_text()
    snippets = re.findall(r"```cpp\n(.*?)```", readme, re.S)
    assert snippets, "README has no C++ snippet"
    example = code_lines((ROOT / "examples/hello/main.cpp").read_text())
    assert code_lines(snippets[0]) == example


def test_readme_notes_snippet_is_cut_from_its_routes():
    readme = (ROOT / "README.md").read_text()
    snippets = re.findall(r"```cpp\n(.*?)```", readme, re.S)
    assert len(snippets) >= 2, "README has no notes snippet"
    snippet = code_lines(snippets[1])
    routes = code_lines((ROOT / "examples/notes/routes.cpp").read_text())
    starts = [i for i, line in enumerate(routes) if line == snippet[0]]
    assert any(routes[i:i + len(snippet)] == snippet for i in starts), \
        "README's notes snippet is not in examples/notes/routes.cpp"


def test_procfile_declares_web_and_release():
    procfile = (ROOT / "Procfile").read_text().splitlines()
    assert "web: welcome serve" in procfile
    assert "release: welcome migrate" in procfile
