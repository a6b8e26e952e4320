#!/usr/bin/env python3
"""lab.py - the course's labs: student trees cut from the reference sources,
and the grader that scores them (scripts/lab.sh and scripts/grade.sh call it).

A lab is a directory labs/<name>/ with a lab.json (title, order, handout,
checks) and mutants/*.patch (seeded bugs its checks must catch). The code a
student writes is marked in the reference sources, in C files under src/:

    enum mm_error bump_alloc_frame(phys_addr_t *out)
    {
            /* LAB bump: begin */
            ... the reference body ...
            /* LAB bump: end */
    }

and, at file scope, static helpers and data only marked code uses:

    /* LAB buddy: begin helper */
    ...
    /* LAB buddy: end helper */

`start LAB DIR` copies the tree; regions of labs before LAB keep their code
(the markers go), regions of LAB and of the labs after it become stubs that
call lab_not_implemented(__func__, "LAB"), which panics in the kernel and
fails the current case in a host test. `solve LAB DIR` pastes the reference
regions of LAB back. docs/labs/README.md and docs/teachers/labs-guide.md
say how students and teachers use all this.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
BEGIN = re.compile(r"^(\s*)/\* LAB (\w+): begin( helper)? \*/\s*$")
END = re.compile(r"^(\s*)/\* LAB (\w+): end( helper)? \*/\s*$")
ANY_MARKER = re.compile(r"/\* LAB \w+: (begin|end)")
STUB_NOTE = "/* Write the helper functions and data you need here. */"
# What a student tree leaves out: the answers and the seeded bugs (they are
# diffs of the reference solution).
NOT_FOR_STUDENTS = (re.compile(r"^labs/[^/]+/mutants/"), re.compile(r"^docs/teachers/"))
LAB_FILE = ".stageos-lab"  # written at the root of a student tree: the lab's name


class LabError(Exception):
    """A problem with the labs' definitions or with the caller's request."""


def die(msg):
    print(f"lab: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------- the labs


def load_labs(root):
    """Every labs/<name>/lab.json under root, in course order."""
    labs_dir = os.path.join(root, "labs")
    labs = []
    if os.path.isdir(labs_dir):
        for name in sorted(os.listdir(labs_dir)):
            path = os.path.join(labs_dir, name, "lab.json")
            if not os.path.isfile(path):
                continue
            try:
                with open(path) as f:
                    lab = json.load(f)
            except ValueError as e:
                raise LabError(f"{path}: not valid JSON: {e}")
            for key in ("order", "title", "checks"):
                if key not in lab:
                    raise LabError(f"{path}: no \"{key}\"")
            lab["name"] = name
            lab["dir"] = os.path.dirname(path)
            labs.append(lab)
    labs.sort(key=lambda lab: lab["order"])
    orders = [lab["order"] for lab in labs]
    if len(set(orders)) != len(orders):
        raise LabError(f"two labs have the same order: {orders}")
    return labs


def find_lab(labs, name):
    for lab in labs:
        if lab["name"] == name:
            return lab
    known = " ".join(lab["name"] for lab in labs) or "(none: no labs/*/lab.json)"
    raise LabError(f"no lab named '{name}'; the labs are: {known}")


# ------------------------------------------------------------ the markers


def parse_regions(path, text, known):
    """Split a source file into plain text and marked regions. Returns a list
    of ("text", lines) and ("region", lab, helper, begin_line, body_lines,
    end_line) items; raises LabError for a marker that is malformed, nested,
    unmatched or names no lab."""
    items, plain, region = [], [], None
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        b, e = BEGIN.match(line), END.match(line)
        where = f"{path}:{number}"
        if not b and not e and ANY_MARKER.search(line):
            raise LabError(f"{where}: a lab marker must be alone on its line, as "
                           f"'/* LAB <lab>: begin */' or '/* LAB <lab>: end helper */': {line.strip()!r}")
        if b:
            if region:
                raise LabError(f"{where}: lab marker inside the region begun at line {region['line']}")
            if b.group(2) not in known:
                raise LabError(f"{where}: marker names lab '{b.group(2)}', which has no labs/{b.group(2)}/lab.json")
            items.append(("text", plain))
            plain = []
            region = {"lab": b.group(2), "helper": bool(b.group(3)), "begin": line, "body": [], "line": number}
        elif e:
            if not region:
                raise LabError(f"{where}: '{line.strip()}' with no region begun")
            if e.group(2) != region["lab"] or bool(e.group(3)) != region["helper"]:
                raise LabError(f"{where}: '{line.strip()}' ends the region begun at line {region['line']} "
                               f"as '{region['begin'].strip()}'")
            items.append(("region", region["lab"], region["helper"], region["begin"], region["body"], line))
            region = None
        elif region:
            region["body"].append(line)
        else:
            plain.append(line)
    if region:
        raise LabError(f"{path}:{region['line']}: region of lab '{region['lab']}' never ends")
    items.append(("text", plain))
    return items


def stub_lines(lab, helper, begin_line):
    indent = BEGIN.match(begin_line).group(1)
    if helper:
        return [f"{indent}{STUB_NOTE}\n"]
    return [f"{indent}lab_not_implemented(__func__, \"{lab}\");\n"]


def render(items, order_of, target_order):
    """The file's text in the student tree of the lab with target_order."""
    out = []
    for item in items:
        if item[0] == "text":
            out += item[1]
            continue
        _, lab, helper, begin, body, end = item
        if order_of[lab] < target_order:
            out += body
        else:
            out += [begin] + stub_lines(lab, helper, begin) + [end]
    return "".join(out)


def tree_files(root):
    """The project's files (git's list: tracked, and new files not ignored)."""
    p = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       capture_output=True)
    if p.returncode != 0:
        raise LabError(f"{root} is not a git repository ({p.stderr.decode().strip()}): the labs take the "
                       f"project's files from git's list of them, so run them in a clone")
    listing = p.stdout.decode()
    return sorted({f for f in listing.split("\0") if f and os.path.lexists(os.path.join(root, f))})


def marked_files(root, files):
    return [f for f in files if f.startswith("src/") and f.endswith((".c", ".h"))]


def cmd_list(root, args):
    for lab in load_labs(root):
        print(f"{lab['name']:<10} {lab['title']}")


def cmd_start(root, args):
    labs = load_labs(root)
    lab = find_lab(labs, args.lab)
    order_of = {x["name"]: x["order"] for x in labs}
    dest = os.path.abspath(args.dir)
    if os.path.exists(dest) and os.listdir(dest):
        raise LabError(f"{args.dir} exists and is not empty: give a new directory")
    files = tree_files(root)
    marked = set(marked_files(root, files))
    stubbed = 0
    os.makedirs(dest, exist_ok=True)
    for f in files:
        if any(p.search(f) for p in NOT_FOR_STUDENTS):
            continue
        src, dst = os.path.join(root, f), os.path.join(dest, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if f in marked:
            text = open(src).read()
            items = parse_regions(f, text, order_of)
            stubbed += sum(1 for i in items if i[0] == "region" and order_of[i[1]] >= lab["order"])
            with open(dst, "w") as out:
                out.write(render(items, order_of, lab["order"]))
            shutil.copymode(src, dst)
        else:
            shutil.copy2(src, dst, follow_symlinks=False)
    with open(os.path.join(dest, LAB_FILE), "w") as f:
        f.write(lab["name"] + "\n")
    head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "unknown"
    env = dict(os.environ, GIT_AUTHOR_NAME="StageOS labs", GIT_AUTHOR_EMAIL="labs@stageos.invalid",
               GIT_COMMITTER_NAME="StageOS labs", GIT_COMMITTER_EMAIL="labs@stageos.invalid")
    for git in (["init", "-q"], ["add", "-A"],
                ["commit", "-q", "-m", f"Lab {lab['name']}: {lab['title']}\n\n"
                 f"Student tree made by scripts/lab.sh start from the reference at {head}.\n"
                 f"Grade it with: scripts/grade.sh {lab['name']}"]):
        subprocess.run(["git", "-C", dest] + git, check=True, env=env)
    print(f"lab {lab['name']}: student tree in {args.dir} ({stubbed} marked regions of this and later labs "
          f"are stubs); handout: {lab.get('handout', '(none)')}; grade with: cd {args.dir} && "
          f"scripts/grade.sh {lab['name']}")


def cmd_solve(root, args):
    labs = load_labs(root)
    lab = find_lab(labs, args.lab)
    order_of = {x["name"]: x["order"] for x in labs}
    dest = os.path.abspath(args.dir)
    pasted = 0
    for f in marked_files(root, tree_files(root)):
        ref = [i for i in parse_regions(f, open(os.path.join(root, f)).read(), order_of)
               if i[0] == "region" and i[1] == lab["name"]]
        if not ref:
            continue
        target = os.path.join(dest, f)
        if not os.path.isfile(target):
            raise LabError(f"{args.dir}/{f} does not exist: is {args.dir} a tree of this project?")
        items = parse_regions(f, open(target).read(), order_of)
        theirs = [i for i, item in enumerate(items) if item[0] == "region" and item[1] == lab["name"]]
        if len(theirs) != len(ref):
            raise LabError(f"{args.dir}/{f} has {len(theirs)} regions of lab {lab['name']}, the reference "
                           f"{len(ref)}: the markers were changed")
        for i, r in zip(theirs, ref):
            _, name, helper, begin, _, end = items[i]
            items[i] = ("region", name, helper, begin, r[4], end)
            pasted += 1
        with open(target, "w") as out:
            out.write("".join(line for item in items
                              for line in (item[1] if item[0] == "text" else [item[3]] + item[4] + [item[5]])))
    print(f"lab {lab['name']}: pasted the reference code into {pasted} regions of {args.dir}")


# ------------------------------------------------------------- the grader


def test_cases(root, test, path=None):
    """The cmocka case names of tests/host/<test>.c (or of the file at
    path), in order."""
    path = path or os.path.join(root, "tests", "host", test + ".c")
    if not os.path.isfile(path):
        raise LabError(f"host test {test}: no {os.path.relpath(path, root)}")
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", open(path).read(), flags=re.S)
    # A test that is another test's source built again (#include "x.c").
    again = re.fullmatch(r'\s*#include "(test_\w+)\.c"\s*', text)
    if again:
        return test_cases(root, again.group(1), os.path.join(os.path.dirname(path), again.group(1) + ".c"))
    cases = []
    # Each entry of a `struct CMUnitTest name[] = { ... };` array is a call
    # (cmocka_unit_test... or a file's own TEST/T macro) whose first
    # argument is the case's function.
    for array in re.finditer(r"struct\s+CMUnitTest\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\};", text, re.S):
        cases += re.findall(r"\b\w+\(\s*(\w+)\s*[,)]", array.group(1))
    if not cases:
        raise LabError(f"host test {test}: found no struct CMUnitTest array in {os.path.relpath(path, root)}")
    return cases


def expand_checks(root, lab, extra):
    """The lab's checks (and the private ones) one per scored item:
    dicts with kind, name, points and what running them needs."""
    out = []
    for source, checks in [("lab", lab["checks"])] + extra:
        for c in checks:
            points = c.get("points", 1)
            kind = c.get("kind")
            if kind in ("host", "host-source"):
                if kind == "host":
                    test, source_file = c["test"], None
                else:
                    # A teacher's own cmocka file, next to the JSON that names it.
                    source_file = os.path.join(c["dir"], c["source"])
                    test = "private_" + re.sub(r"\W", "_", os.path.splitext(c["source"])[0])
                cases = test_cases(root, test, source_file)
                picked = [n for n in cases
                          if (not c.get("cases") or any(re.search(p, n) for p in c["cases"]))
                          and not any(re.search(p, n) for p in c.get("exclude", []))]
                if not picked:
                    raise LabError(f"{source} check on {test}: no case matches {c.get('cases')} "
                                   f"(minus {c.get('exclude', [])})")
                for n in picked:
                    out.append({"kind": "host", "test": test, "case": n, "points": points,
                                "name": f"host {test}: {n}", "source": source, "source_file": source_file})
            elif kind == "boot":
                for key in ("name", "iso"):
                    if key not in c:
                        raise LabError(f"{source} boot check without \"{key}\": {c}")
                out.append(dict(c, kind="boot", points=points, name=f"boot {c['name']}", source=source))
            else:
                raise LabError(f"{source} check of unknown kind {kind!r} (known: host, host-source, boot): {c}")
    names = [c["name"] for c in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise LabError(f"checks listed twice: {', '.join(dup)}")
    return out


def private_checks(lab_name):
    """Checks from $STAGEOS_PRIVATE_TESTS/<lab>/*.json, each {"checks": [...]}."""
    base = os.environ.get("STAGEOS_PRIVATE_TESTS")
    if not base:
        return []
    d = os.path.join(base, lab_name)
    if not os.path.isdir(base):
        raise LabError(f"STAGEOS_PRIVATE_TESTS={base} is not a directory")
    out = []
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.endswith(".json"):
            path = os.path.join(d, name)
            try:
                data = json.load(open(path))
            except ValueError as e:
                raise LabError(f"{path}: not valid JSON: {e}")
            if "checks" not in data:
                raise LabError(f"{path}: no \"checks\"")
            out.append((f"private {name}", [dict(c, dir=d) for c in data["checks"]]))
    return out


def run(cmd, timeout, **kw):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout, **kw)
        return p.returncode, p.stdout + p.stderr, False
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out, True


def run_on_terminal(cmd, timeout, env):
    """Run cmd with its output on a pseudo-terminal, so that its stdout is
    line-buffered and lands in order with what it prints on stderr (each
    host test case's messages, then its result line). Returns (status or
    None, output, timed out)."""
    import pty
    import select
    master, slave = pty.openpty()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            proc.kill()
            timed_out = True
            break
        ready, _, _ = select.select([master], [], [], min(left, 1.0))
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the program and its children closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    os.close(master)
    code = proc.wait()
    out = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    return (None if timed_out else code), out, timed_out


def configure_and_build(root, build, targets, compiler, jobs, ccache):
    env = None
    if ccache:
        # Trees that differ only in a lab's files share every other object:
        # paths below the tree's root are hashed relative to it, and the
        # directory of the compile is not hashed (the debug information of
        # a shared object may then name another tree's directory).
        env = dict(os.environ, CCACHE_BASEDIR=root, CCACHE_NOHASHDIR="1")
    if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
        code, out, _ = run(["cmake", "-S", root, "-B", build, "-G", "Unix Makefiles",
                            f"-DCMAKE_C_COMPILER={compiler}", f"-DCMAKE_ASM_COMPILER={compiler}"]
                           + (["-DCMAKE_C_COMPILER_LAUNCHER=ccache"] if ccache else []), None, env=env)
        if code != 0:
            return out
    code, out, _ = run(["cmake", "--build", build, "--parallel", str(jobs), "--target"] + sorted(targets), None,
                       env=env)
    return None if code == 0 else out


def build_private_test(root, build, test, source_file, compiler):
    """Compile a teacher's cmocka file the way the host tests are built:
    against all of src/mm and the host environment, sanitized."""
    out_dir = os.path.join(build, "tests", "host")
    os.makedirs(out_dir, exist_ok=True)
    sources = [source_file] + [os.path.join(root, f) for f in (
        "tests/host/host_env.c", "tests/host/counting_frames.c", "tests/host/mb2_builder.c",
        "src/boot/multiboot2.c", "src/lib/format.c", "src/lib/kstring.c")]
    sources += sorted(os.path.join(root, "src", "mm", f) for f in os.listdir(os.path.join(root, "src", "mm"))
                      if f.endswith(".c"))
    code, out, _ = run([compiler, "-std=gnu11", "-O1", "-g", "-Wall", "-fsanitize=address,undefined",
                        "-fno-omit-frame-pointer", "-DSTAGEOS_HOST=1", "-I" + os.path.join(root, "src"),
                        "-I" + os.path.join(root, "tests", "host"), "-o", os.path.join(out_dir, test)]
                       + sources + ["-lcmocka", "-lpthread"], None)
    return None if code == 0 else f"{source_file}:\n{out}"


def tail(text, n=25):
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join("      " + line for line in lines[-n:])


def grade_host(root, build, test, checks, scale, results):
    """Run one host test binary with TAP output; score its selected cases."""
    binary = os.path.join(build, "tests", "host", test)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    code, out, timed_out = run_on_terminal([binary], 120 * scale, env)
    # What the program printed before each case's result line is that
    # case's output (cmocka runs the cases one after the other).
    results_of, chunk = {}, []
    for line in out.splitlines():
        m = re.match(r"(not )?ok \d+ - (\S+)", line)
        if m:
            results_of[m.group(2)] = (not m.group(1), chunk)
            chunk = []
        elif line.strip() and not line.startswith(("#", "1..")):
            chunk.append(line)
    for c in checks:
        if c["case"] in results_of:
            ok, lines = results_of[c["case"]]
            results.append((c, ok, "" if ok else "\n".join(dict.fromkeys(lines[-12:])) or "failed"))
        else:
            why = (f"timed out after {120 * scale:.0f} s" if timed_out else
                   f"never ran: {test} stopped (status {code}) before it")
            results.append((c, False, why + "\n" + tail("\n".join(chunk), 12)))


def grade_boot(root, build, lab, later, check, scale, log_dir):
    iso = os.path.join(build, check["iso"] + ".iso")
    log = os.path.join(log_dir, re.sub(r"\W", "_", check["name"]) + ".log")
    stub_panic = r"KERNEL PANIC: not implemented: \S+ \(lab (%s)\)" % "|".join(later) if later else None
    last = "KERNEL OK" + (f"|{stub_panic}" if stub_panic else "")
    timeout = check.get("timeout", 60) * scale
    cmd = [sys.executable, os.path.join(SCRIPTS, "qemu_boot.py"), "--iso", iso,
           "--machine", check.get("machine", "pc"), "--firmware", check.get("firmware", "bios"),
           "--memory", str(check.get("memory", "128M")), "--cpu", check.get("cpu", "qemu64"),
           "--smp", str(check.get("smp", 1)), "--timeout", str(timeout),
           "--expect-status", "33,35" if stub_panic else "33", "--expect-last-line", last, "--keep-log", log]
    for e in check.get("expect", []):
        cmd += ["--expect", e]
    for r in check.get("reject", []):
        cmd += ["--reject", r]
    code, out, _ = run(cmd, timeout + 30)
    if code == 0:
        return True, ""
    reason = re.findall(r"^FAIL: (.*)$", out, re.M)
    return False, (reason[0] if reason else "the boot runner failed") + f" (serial log: {log})\n" + tail(out, 8)


def cmd_grade(root, args):
    labs = load_labs(root)
    lab = find_lab(labs, args.lab)
    scale = args.timeout_scale
    if scale is None:
        env_scale = os.environ.get("STAGEOS_TIMEOUT_SCALE", "1")
        try:
            scale = float(env_scale)
        except ValueError:
            raise LabError(f"STAGEOS_TIMEOUT_SCALE={env_scale!r} is not a number")
    if scale <= 0:
        raise LabError(f"the time-out scale must be above 0, not {scale}")
    checks = expand_checks(root, lab, private_checks(lab["name"]))
    total = sum(c["points"] for c in checks)
    if args.list:
        for c in checks:
            print(f"{c['points']:>3}  {c['name']}" + ("" if c["source"] == "lab" else f"  ({c['source']})"))
        print(f"total: {total} points in {len(checks)} checks")
        return 0
    later = [x["name"] for x in labs if x["order"] > lab["order"]]
    build = os.path.abspath(args.build_dir or os.path.join(root, "build", "grade"))
    log_dir = os.path.join(build, "grade-logs", lab["name"])
    os.makedirs(log_dir, exist_ok=True)
    started = time.monotonic()
    print(f"grading lab {lab['name']} ({lab['title']}) in {root}")
    results = []

    def report(c, ok, why):
        print(f"  {'PASS' if ok else 'FAIL'} {c['points'] if ok else 0:>3}/{c['points']:<3} {c['name']}")
        if not ok and why and not args.quiet:
            for line in why.splitlines():
                print(f"           {line.strip()}")

    host_tests = list(dict.fromkeys(c["test"] for c in checks if c["kind"] == "host"))
    private_sources = {c["test"]: c["source_file"] for c in checks if c.get("source_file")}
    isos = sorted({"iso-" + c["iso"] for c in checks if c["kind"] == "boot"})
    stop = False
    # Host tests first: they are fast and say the most about a wrong result.
    for phase, targets in (("host", host_tests), ("boot", isos)):
        if stop:
            break
        mine = [c for c in checks if c["kind"] == phase]
        if not mine:
            continue
        failure = configure_and_build(root, build, [t for t in targets if t not in private_sources],
                                      args.compiler, args.jobs, args.ccache)
        for test, source_file in private_sources.items() if phase == "host" and not failure else ():
            failure = build_private_test(root, build, test, source_file, args.compiler)
            if failure:
                break
        if failure:
            print(f"  the {phase} build failed, so its {len(mine)} checks score 0:\n{tail(failure, 30)}")
            for c in mine:
                results.append((c, False, ""))
                report(c, False, "")
            stop = args.stop_at_first_loss
            continue
        if phase == "host":
            for test in host_tests:
                batch = []
                grade_host(root, build, test, [c for c in mine if c["test"] == test], scale, batch)
                for c, ok, why in batch:
                    results.append((c, ok, why))
                    report(c, ok, why)
                if args.stop_at_first_loss and any(not ok for _, ok, _ in batch):
                    stop = True
                    break
        else:
            for c in mine:
                ok, why = grade_boot(root, build, lab, later, c, scale, log_dir)
                results.append((c, ok, why))
                report(c, ok, why)
                if args.stop_at_first_loss and not ok:
                    stop = True
                    break
    score = sum(c["points"] for c, ok, _ in results if ok)
    if stop:
        print(f"  (stopped at the first lost point: {len(checks) - len(results)} checks not run)")
    print(f"graded in {time.monotonic() - started:.0f} s")
    print(f"score: {score}/{total}")
    return 0 if score == total else 1


# -------------------------------------------------------------- mutants


def cmd_mutants(root, args):
    labs = load_labs(root)
    lab = find_lab(labs, args.lab)
    patches = sorted(p for p in os.listdir(os.path.join(lab["dir"], "mutants"))
                     if p.endswith(".patch")) if os.path.isdir(os.path.join(lab["dir"], "mutants")) else []
    if not patches:
        raise LabError(f"lab {lab['name']} has no mutants (labs/{lab['name']}/mutants/*.patch)")
    work = os.path.abspath(args.work_dir or os.path.join(root, "build", "mutants", lab["name"]))
    tree = os.path.join(work, "tree")
    # A scratch copy of the tree, refreshed file by file so that make's
    # incremental build recompiles only what a mutant touches.
    os.makedirs(tree, exist_ok=True)
    for f in tree_files(root):
        src, dst = os.path.join(root, f), os.path.join(tree, f)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copy2(src, dst, follow_symlinks=False)
    # Its own git repository, so that `git apply` there patches the copy
    # (run inside the project's repository it would skip paths outside the
    # current directory).
    if not os.path.isdir(os.path.join(tree, ".git")):
        subprocess.run(["git", "init", "-q", tree], check=True)
    survivors, refused = [], []
    for name in patches:
        patch = os.path.join(lab["dir"], "mutants", name)
        head = open(patch).read().split("diff --git", 1)[0]
        claim = (re.findall(r"^# kills: (.*)$", head, re.M) or ["(not said)"])[0]
        bug = (re.findall(r"^# bug: (.*)$", head, re.M) or ["(not said)"])[0]
        code, out, _ = run(["git", "apply", patch], None, cwd=tree)
        if code != 0:
            refused.append(name)
            print(f"  NOT APPLIED {name}: {out.strip()}")
            continue
        try:
            code, out, _ = run([sys.executable, os.path.abspath(__file__), "grade", lab["name"], "--quiet",
                                "--stop-at-first-loss", "--build-dir", os.path.join(work, "build"),
                                "--compiler", args.compiler] + (["--ccache"] if args.ccache else [])
                               + (["--timeout-scale", str(args.timeout_scale)] if args.timeout_scale else []),
                               None, cwd=tree)
        finally:
            run(["git", "apply", "-R", patch], None, cwd=tree)
        score = (re.findall(r"^score: (\d+)/(\d+)$", out, re.M) or [None])[0]
        lost = re.findall(r"^  FAIL +\d+/\d+ +(.*)$", out, re.M)
        if score and int(score[0]) < int(score[1]):
            print(f"  killed   {name}: score {score[0]}/{score[1]}, first lost: {lost[0] if lost else '?'}\n"
                  f"           bug: {bug}\n           claimed killer: {claim}")
        else:
            survivors.append(name)
            print(f"  SURVIVED {name}: {'score ' + '/'.join(score) if score else 'no score'}\n           bug: {bug}")
            if not score:
                print(tail(out, 20))
    print(f"lab {lab['name']}: {len(patches) - len(survivors) - len(refused)} of {len(patches)} mutants killed"
          + (f"; survived: {' '.join(survivors)}" if survivors else "")
          + (f"; did not apply: {' '.join(refused)}" if refused else ""))
    return 0 if not survivors and not refused else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="one lab per line: name, then title")
    s = sub.add_parser("start", help="write the student tree of LAB to DIR (a git repository)")
    s.add_argument("lab")
    s.add_argument("dir")
    s = sub.add_parser("solve", help="paste the reference code of LAB into the tree at DIR")
    s.add_argument("lab")
    s.add_argument("dir")
    s = sub.add_parser("mutants", help="grade each seeded bug of LAB; every one must lose points")
    s.add_argument("lab")
    s.add_argument("--work-dir", help="scratch tree and build (default build/mutants/LAB)")
    s.add_argument("--timeout-scale", type=float)
    s.add_argument("--compiler", default="gcc", help="C compiler for a new build directory (gcc or clang)")
    s.add_argument("--ccache", action="store_true", help="compile through ccache")
    s = sub.add_parser("grade", help="build and run LAB's checks in this tree; 'score: X/Y'")
    s.add_argument("lab")
    s.add_argument("--build-dir", help="build directory (default build/grade)")
    s.add_argument("--timeout-scale", type=float, help="multiply every time-out (default: $STAGEOS_TIMEOUT_SCALE or 1)")
    s.add_argument("--stop-at-first-loss", action="store_true")
    s.add_argument("--list", action="store_true", help="list the checks and their points; run nothing")
    s.add_argument("--quiet", action="store_true", help="no details under failed checks")
    s.add_argument("--compiler", default="gcc", help="C compiler for a new build directory (gcc or clang)")
    s.add_argument("--jobs", type=int, default=2)
    s.add_argument("--ccache", action="store_true", help="compile through ccache (a new build directory only)")
    args = p.parse_args()
    root = os.getcwd() if args.command == "grade" else os.path.dirname(SCRIPTS)
    if args.command == "grade" and not os.path.isdir(os.path.join(root, "labs")):
        die(f"{root} has no labs/ directory: run scripts/grade.sh at the root of a StageOS tree")
    try:
        return {"list": cmd_list, "start": cmd_start, "solve": cmd_solve, "mutants": cmd_mutants,
                "grade": cmd_grade}[args.command](root, args) or 0
    except LabError as e:
        die(str(e))


if __name__ == "__main__":
    sys.exit(main())
