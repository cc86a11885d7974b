"""The machine a run measured: CPU, kernel, OS, the source and binaries'
commit, the tools' versions, the load at the start."""

import datetime
import os
import platform
import re
import subprocess


def _first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "unknown"


def _python_module_version(module):
    # bench/run runs on /usr/bin/python3, the peers' interpreter.
    import importlib.metadata
    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def describe(repo, bin_dir, wrk_version):
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    os_name = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    build = {}
    try:
        with open(os.path.join(bin_dir, "build_info.env")) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                build[key] = value.strip("'\"")
    except OSError:
        pass
    commit = _first_line(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain",
                            "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    redis = _first_line(["redis-server", "--version"])
    redis = re.search(r"v=(\S+)", redis)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_model": cpu_model,
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1048576, 1),
        "kernel": platform.release(),
        "os": os_name,
        "git_commit": commit + ("-dirty" if dirty else ""),
        "binaries_commit": build.get("TWELVE_BUILD_COMMIT", "unknown"),
        "binaries_build_type": build.get("TWELVE_BUILD_TYPE", "unknown"),
        "compiler": build.get("TWELVE_BUILD_COMPILER", "unknown"),
        "wrk": wrk_version,
        "python": "Python " + platform.python_version(),
        "flask": _python_module_version("flask"),
        "gunicorn": _python_module_version("gunicorn"),
        "redis_server": redis.group(1) if redis else "unknown",
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
    }


def postgres_version(binary):
    found = re.search(r"\) (\d[\w.]*)", _first_line([binary, "--version"]))
    return found.group(1) if found else "unknown"
