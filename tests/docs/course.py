#!/usr/bin/env python3
"""Runs every command of docs/course.md and compares its output with the doc's, or rewrites the doc's.

  course.py check  --doc docs/course.md --bin BUILD/bin   (ctest: course_commands_run_as_shown)
  course.py update --doc docs/course.md --bin BUILD/bin   (scripts/course.sh)

The doc's commands are the lines starting with "$ " inside ```console blocks; the lines after one, up
to the next command or the end of the block, are its standard output. Every command runs with bash,
in order, in one fresh temporary directory (a command may use the files an earlier one wrote), with
BIN first on PATH. `check` fails when a command exits non-zero or when its output does not have the
doc's shape (see same_shape); `update` writes the real outputs, and the machine line, into the doc.
Only standard output is compared: warnings on stderr depend on the machine's load.
"""
import argparse
import datetime
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BLOCK_OPEN = "```console"
BLOCK_CLOSE = "```"
MACHINE_PREFIX = "> Outputs from `scripts/course.sh`"
COMMAND_TIMEOUT_S = 120

# Values that change between runs although the command does not: the process id, the CPU an unbound
# thread happens to be on, how many tasks a worker of a dynamic schedule took.
VOLATILE_COLUMNS = {"pid", "cpu", "runs"}
# Flags a study sets from the timings' spread: noise, not shape. `oversubscribed` follows from the
# layout and stays.
VOLATILE_FLAGS = {"noisy", "wall-clock"}
STABLE_FLAGS = {"oversubscribed"}
# Sentences a study adds from the timings: a fit through times that happen not to follow the law.
VOLATILE_PHRASES = [r"; the serial fraction is outside 0\.\.1: these times do not follow \S+ law \([^)]*\)"]

NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
UNIT = r"(?:ns|us|µs|ms|s|B|KiB|MiB|GiB|TiB)"
TOKEN = re.compile(rf"(?P<num>{NUMBER})(?P<unit> ?{UNIT}(?![\w/]))?|(?P<text>[^\s\d-]+|-)")


def parse_doc(lines):
    """[(line index of the command, command, [output lines], index after the output)] of every block."""
    commands, inside, current = [], False, None
    for i, line in enumerate(lines):
        if not inside:
            inside = line.strip() == BLOCK_OPEN
            continue
        if line.strip() == BLOCK_CLOSE or line.startswith("$ "):
            if current:
                current[3] = i
                commands.append(tuple(current))
                current = None
            if line.strip() == BLOCK_CLOSE:
                inside = False
            else:
                current = [i, line[2:], [], None]
        elif current:
            current[2].append(line)
        elif line.strip():
            raise SystemExit(f"line {i + 1}: output before the first command of a console block")
    if inside:
        raise SystemExit("a ```console block is not closed")
    return commands


def doc_host(lines):
    for line in lines:
        if line.startswith(MACHINE_PREFIX):
            found = re.search(r"on host `([^`]+)`", line)
            if found:
                return found.group(1)
    raise SystemExit(f"no line starting with '{MACHINE_PREFIX}' naming the host (`on host `NAME``)")


def cells(line):
    return [(m.start(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", line)]


def mask_volatile_columns(lines):
    """Replaces the cells of VOLATILE_COLUMNS in parakit's tables (a header of snake_case names, then
    rows right-aligned under it) by '<v>'."""
    out, header = [], None
    for line in lines:
        spans = cells(line)
        names = [line[a:b] for a, b in spans]
        if len(names) >= 3 and all(re.fullmatch(r"[a-z_][a-z0-9_]*", n) for n in names):
            header = {b: n for (a, b), n in zip(spans, names)}
            out.append(line)
            continue
        if header:
            ends = {b: (a, b) for a, b in spans}
            if 2 * sum(1 for b in header if b in ends) < len(header):
                header = None
            else:
                for b, name in sorted(header.items(), reverse=True):
                    if name in VOLATILE_COLUMNS and b in ends:
                        a, _ = ends[b]
                        line = line[:a] + "<v>" + line[b:]
        out.append(line)
    return out


def drop_volatile_flags(line):
    """The flags cell ends a study's row: keeps the flags that follow from the layout, drops the others."""
    found = re.search(r"(\s)([\w,-]+)$", line)
    if not found or not set(found.group(2).split(",")) <= VOLATILE_FLAGS | STABLE_FLAGS:
        return line
    kept = [f for f in found.group(2).split(",") if f in STABLE_FLAGS]
    return line[:found.start(2)] + ",".join(kept)


def normalise(line, host):
    line = drop_volatile_flags(line)
    for phrase in VOLATILE_PHRASES:
        line = re.sub(phrase, "", line)
    # A study names the faster layout first, and with few repeats which one that is is noise.
    line = re.sub(r"^(\s*)(\S+) vs (\S+):", lambda m: m.group(1) + " vs ".join(sorted(m.group(2, 3))) + ":", line)
    line = re.sub(r"(cpu_model|cache_summary) .*?(  |$)", r"\1 <machine>\2", line)
    line = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<timestamp>", line)
    # The commit and the build type (the page is made from a Release build; the sanitizer preset's is Debug).
    line = re.sub(r"parakit (\S+) \([0-9a-f]{7,40}(-dirty)?, \w+\)", r"parakit \1 (<commit>, <build>)", line)
    if host:
        line = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w.-])", "<host>", line)
    return line


def tokens(line):
    """[(kind, text)]: 'int' (a bare integer), 'num' (a decimal, or any number with a unit), 'text'."""
    out = []
    for m in TOKEN.finditer(line):
        if m.group("text") is not None:
            out.append(("text", m.group("text")))
        elif m.group("unit") or re.search(r"[.eE]", m.group("num")):
            out.append(("num", m.group(0)))
        else:
            out.append(("int", m.group("num")))
    return out


def same_line(doc_tokens, real_tokens):
    """Words and punctuation must be equal, bare integers too (counts, sizes, seeds, layouts: what a
    command's options decide); decimals and quantities with a unit (times, rates, sizes in MiB) may be
    any number, and a time's unit may differ (us, ms, s)."""
    if len(doc_tokens) != len(real_tokens):
        return False
    for (dk, dt), (rk, rt) in zip(doc_tokens, real_tokens):
        if dk == "text" or rk == "text":
            if (dk, dt) != (rk, rt):
                return False
        elif dk == "int" and rk == "int" and dt != rt:
            return False
    return True


def same_shape(doc_lines, real_lines, doc_hostname, real_hostname):
    """None when the real output has the doc's shape, else a sentence saying where it differs."""
    doc_lines = [l.rstrip() for l in doc_lines]
    real_lines = [l.rstrip() for l in real_lines]
    while doc_lines and not doc_lines[-1]:
        doc_lines.pop()
    while real_lines and not real_lines[-1]:
        real_lines.pop()
    doc_norm = [normalise(l, doc_hostname) for l in mask_volatile_columns(doc_lines)]
    real_norm = [normalise(l, real_hostname) for l in mask_volatile_columns(real_lines)]
    for n, (d, r) in enumerate(zip(doc_norm, real_norm)):
        if not same_line(tokens(d), tokens(r)):
            return f"output line {n + 1} differs:\n    doc:  {doc_lines[n]}\n    real: {real_lines[n]}"
    if len(doc_norm) != len(real_norm):
        return (f"the doc shows {len(doc_norm)} output lines, the command printed {len(real_norm)}"
                f"\n    doc:  " + "\n          ".join(doc_lines) + "\n    real: " + "\n          ".join(real_lines))
    return None


def environment(bin_dir):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMPI_MCA_", "PARAKIT_", "OMP_", "GOMP_", "SLURM_", "PMIX_"))}
    # The doc is for a plain shell: no transport, binding or Slurm setting of the caller leaks in.
    env["PATH"] = os.path.abspath(bin_dir) + os.pathsep + env.get("PATH", "")
    if os.geteuid() == 0:
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    if (os.cpu_count() or 1) < 2:
        env["OMPI_MCA_rmaps_base_oversubscribe"] = "1"  # the doc's mpirun -n 2 on a 1-CPU machine
    return env


def run_all(commands, bin_dir, keep):
    work = tempfile.mkdtemp(prefix="parakit-course-")
    env = environment(bin_dir)
    results = []
    try:
        for _, command, _, _ in commands:
            start = time.monotonic()
            try:
                done = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True,
                                      text=True, timeout=COMMAND_TIMEOUT_S)
                rc, out, err = done.returncode, done.stdout, done.stderr
            except subprocess.TimeoutExpired as e:
                rc, out, err = "timeout", e.stdout or "", e.stderr or ""
                out = out.decode() if isinstance(out, bytes) else out
                err = err.decode() if isinstance(err, bytes) else err
            elapsed = time.monotonic() - start
            print(f"[{elapsed:6.2f} s] $ {command}", flush=True)
            results.append((rc, out, err, elapsed))
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return results


def machine_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            found = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            model = found.group(1).strip() if found else model
    except OSError:
        pass
    system = platform.platform()
    try:
        with open("/etc/os-release") as f:
            found = re.search(r'^PRETTY_NAME="?([^"\n]+)"?', f.read(), re.M)
            system = found.group(1) if found else system
    except OSError:
        pass
    load = os.getloadavg()[0]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{MACHINE_PREFIX} on host `{socket.gethostname()}`: {os.cpu_count()} CPUs ({model}), "
            f"{system}, {now}; load average {load:.1f} when it started.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["check", "update"])
    parser.add_argument("--doc", required=True)
    parser.add_argument("--bin", required=True, help="the directory holding the built parakit")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not os.access(os.path.join(args.bin, "parakit"), os.X_OK):
        raise SystemExit(f"no parakit in {args.bin}")
    with open(args.doc) as f:
        lines = f.read().split("\n")
    commands = parse_doc(lines)
    if not commands:
        raise SystemExit(f"{args.doc}: no commands in ```console blocks")
    host = doc_host(lines)
    machine = machine_line() if args.mode == "update" else None
    if args.mode == "update" and os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print(f"course: warning: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other work "
              "shares the cores, and the page's times will show it (the machine line says so)", file=sys.stderr)
    start = time.monotonic()
    results = run_all(commands, args.bin, args.keep)
    total = time.monotonic() - start
    failures = []
    for (index, command, expected, _), (rc, out, err, _) in zip(commands, results):
        where = f"{args.doc}:{index + 1}: $ {command}"
        if rc != 0:
            failures.append(f"{where}\n  exit {rc}; stderr:\n" + "".join("    " + l + "\n" for l in err.splitlines()[-15:]))
            continue
        if args.mode == "check":
            problem = same_shape(expected, out.split("\n"), host, socket.gethostname())
            if problem:
                failures.append(f"{where}\n  {problem}")
    print(f"{len(commands)} commands in {total:.1f} s")
    if failures:
        print("\n".join(["", f"{len(failures)} of {len(commands)} commands failed:"] + failures))
        return 1
    if args.mode == "update":
        new = []
        previous_end = 0
        for (index, _, _, end), (_, out, _, _) in zip(commands, results):
            new += lines[previous_end:index + 1]
            real = [l.rstrip() for l in out.split("\n")]
            while real and not real[-1]:
                real.pop()
            new += real
            previous_end = end
        new += lines[previous_end:]
        new = [machine if l.startswith(MACHINE_PREFIX) else l for l in new]
        with open(args.doc + ".tmp", "w") as f:
            f.write("\n".join(new))
        os.replace(args.doc + ".tmp", args.doc)
        print(f"{args.doc}: outputs of {len(commands)} commands written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
