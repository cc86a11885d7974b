"""Reading /metrics in tests: the text format parsed into samples, and
`promtool check metrics` (Debian's prometheus package) run on a scrape."""

import re
import shutil
import subprocess

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """{(name, frozenset(labels.items())): value} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(match.group(3) or ""))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def value(samples, name, **labels):
    """The sample `name` with exactly `labels`, or None."""
    return samples.get((name, frozenset(labels.items())))


def total(samples, name, **labels):
    """The sum of the samples `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items()
               if n == name and wanted <= set(ls))


def promtool_check(text):
    """Runs `promtool check metrics` on `text`; returns its output. Fails the
    test with promtool's words when it finds a problem."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool missing: apt-get install prometheus (deps/test.txt)"
    done = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                          capture_output=True, timeout=30)
    output = (done.stdout + done.stderr).decode()
    assert done.returncode == 0, f"promtool check metrics: {output}"
    return output
