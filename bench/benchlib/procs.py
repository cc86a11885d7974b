"""Processes the bench starts and what /proc says about them: spawning on a
CPU set, process trees, RSS, CPU time, affinity, stopping.

Every process the bench starts is recorded in STARTED and stopped by its
own id (its process group, which it leads) when the bench ends, whatever
way it ends."""

import os
import re
import signal
import subprocess
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ALL_CPUS = frozenset(os.sched_getaffinity(0))
STARTED = []  # Popen objects, oldest first


def spawn(cmd, cpus, log_path, env, cwd=None):
    """Starts `cmd` on `cpus` with stdout and stderr appended to `log_path`
    (O_APPEND, so the bench may truncate the file between runs), in a new
    session it leads. Returns (Popen, monotonic
    time just before the fork): "exec to ready" then includes fork and exec,
    never less. The child inherits this thread's CPU set, set around the
    fork (no preexec_fn, so Python forks with vfork and the child execs at
    once)."""
    own = os.sched_getaffinity(0)
    with open(log_path, "ab") as out:
        os.sched_setaffinity(0, cpus)
        try:
            started_at = time.monotonic()
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True)
        finally:
            os.sched_setaffinity(0, own)
    STARTED.append(proc)
    return proc, started_at


def alive(proc):
    """Whether `proc` still runs. Never reaps it, so its pid (its process
    group's id) cannot be reused until stop() does."""
    if proc.returncode is not None:
        return False
    try:
        info = os.waitid(os.P_PID, proc.pid,
                         os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return info is None


def stop(proc, timeout=10.0, sig=signal.SIGTERM):
    """`sig` to the process (SIGTERM: as a platform stops it); once it has
    exited, or after `timeout`, SIGKILL to what is left of its process group
    (the leader is not reaped before that, so the group id is still ours),
    then reap. Returns the exit code."""
    if proc.returncode is None:
        if alive(proc):
            proc.send_signal(sig)
        deadline = time.monotonic() + timeout
        while alive(proc) and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    if proc in STARTED:
        STARTED.remove(proc)
    return proc.returncode


def stop_all():
    for proc in reversed(list(STARTED)):
        stop(proc, timeout=5.0)


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name: [0] is the state,
    [1] the parent pid, [11] utime, [12] stime. None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rfind(b")") + 2:].split()


def tree(root):
    """`root` and all its descendants that are alive, as a list of pids."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields = _stat_fields(name)
        if fields is not None and fields[0] != b"Z":
            children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if _stat_fields(pid) is None:
            continue
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def rss_kib(pids):
    """Sum of VmRSS over `pids`, in KiB (processes gone count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cpu_seconds(pids):
    """utime+stime of each pid (all its threads, alive or gone), seconds."""
    out = {}
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            out[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return out


def _tids(pid):
    """The thread ids of `pid` (strings), none if it is gone."""
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def _thread_stat(pid, tid):
    """(name, fields after the name) of one thread's stat; None if gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
            text = f.read()
    except OSError:
        return None
    name = text[text.find(b"(") + 1:text.rfind(b")")]
    return name.decode(errors="replace"), text[text.rfind(b")") + 2:].split()


def thread_cpu(pids):
    """User and system CPU seconds of the threads of `pids`, summed by role:
    {role: (user_s, system_s)}. A thread's role is its name without a
    worker number ("web-0" and "web-1" are "web"; the kit names its
    threads), "main" for each process's first thread. Threads that ended
    are lost: the kit's live as long as the server."""
    out = {}
    for pid in pids:
        for tid in _tids(pid):
            stat = _thread_stat(pid, tid)
            if stat is None:
                continue
            name, fields = stat
            role = "main" if tid == str(pid) else re.sub(r"-\d+$", "", name)
            user, system = out.get(role, (0.0, 0.0))
            out[role] = (user + int(fields[11]) / CLOCK_TICKS,
                         system + int(fields[12]) / CLOCK_TICKS)
    return out


def thread_cpu_delta(before, after):
    """{role: {"user_s", "system_s"}} spent between two thread_cpu()
    snapshots."""
    out = {}
    for role, (user, system) in after.items():
        user0, system0 = before.get(role, (0.0, 0.0))
        out[role] = {"user_s": round(user - user0, 3),
                     "system_s": round(system - system0, 3)}
    return out


def cpu_delta(before, after):
    """CPU seconds spent between two cpu_seconds() snapshots (processes born
    in between count from zero; those gone in between are lost)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def set_affinity(pids, cpus):
    """Moves every thread of every pid onto `cpus` (taskset -a -p)."""
    for pid in pids:
        for tid in _tids(pid):
            try:
                os.sched_setaffinity(int(tid), cpus)
            except OSError:
                pass  # the thread ended meanwhile


def system_cpu():
    """Busy and total jiffies per CPU line of /proc/stat: {"cpu": (busy,
    total), "cpu0": ..., ...}. Busy excludes idle and iowait."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                break
            name, *values = line.split()
            values = [int(v) for v in values[:8]]
            total = sum(values)
            out[name] = (total - values[3] - values[4], total)
    return out


def raise_fd_limit(wanted):
    """Raises RLIMIT_NOFILE (soft, and hard when allowed) to `wanted`, for
    this process and the servers it starts. Returns the soft limit now."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return soft
    if hard != resource.RLIM_INFINITY and hard < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, OSError):
            wanted = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return wanted
