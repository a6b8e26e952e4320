#!/usr/bin/env python3
"""check-docs.py [--build-dir DIR] [--only KIND,...]: check the course text
against the code, so that a sentence the code contradicts fails a test.

Reads docs/*.md (the chapters, the glossary, the teachers' file, the guide)
and README.md, and checks every claim of these kinds it can recognise:

  paths      every `path` in backticks under src/, tests/, scripts/, docs/,
             cmake/, iso/, bench/, fuzz/, labs/ or .ci/ exists (brace and
             [ch] patterns are expanded; paths under build/ are outputs,
             not checked)
  functions  every `name()` in backticks is defined somewhere in the
             sources (a C definition or a Python def), not only called
  tests      every ctest test name in backticks (`boot.x`, `host.test_y`,
             `gdb.z`, `viz.w`, `fuzz.v`, `labs.u`, patterns with * and {})
             names at least one test that `ctest -N` lists
  labels     every label in the label table of docs/04 is a ctest label,
             and every ctest label is in that table
  options    every `scripts/NAME --option` a chapter shows appears in that
             script's own text (its argument parser or case statement)
  sources    every GDB transcript line that names a source line
             (`... at .../src/mm/stages.c:185`) points at a line of that
             file, and when the transcript quotes it on the next line
             (`185<tab>mm_info(...)`) the file has that text there
  serial     every serial-log line a chapter quotes in a code block that
             starts with one of the kernel's log prefixes (`paging: `,
             `buddy: `, ...) has its wording in the sources: the text up
             to its first number must appear in a format string of src/
  counts     every count of tests the text states next to the ctest command
             that lists them ("`ctest --preset gcc -L smp` runs the fifteen
             SMP boot tests", "102 today: `ctest --preset gcc -N`") is what
             that command lists in the build directory
  grading    every lab handout (the "handout" of labs/<lab>/lab.json) shows
             its checks as `scripts/grade.sh LAB --list` prints them, in a
             code block ending with the "total: N points in M checks" line,
             and that block is exactly what the command prints today
  includes   no headers of src/ include each other in a loop
  calls      no two modules of the kernel call each other in a loop: a
             module is one object file (a .c or .S of src/), and module A
             depends on B when A uses a function B defines (read with nm from
             the build directory's objects); every cycle is named with each
             step and one symbol that makes it

A chapter that names code on purpose before it exists (the guide to adding
a stage writes a slab allocator as an example) lists those names in a
comment, `<!-- check-docs: not-yet src/mm/slab.c mm_slab_stage() ... -->`;
they are skipped in that file only. Tests that only another preset's build
registers (the debug preset's GDB test) are declared the same way with
`other-build` instead of `not-yet`.

What it does not check, said plainly: prose (a sentence's meaning), figures
(sizes, times, addresses in transcripts: those come from a given build and
say so), and names outside backticks.

Exit status 0 when every check passes; 1 with one line per problem,
`FILE:LINE: kind: what is wrong`. --only limits the run to some kinds
(the includes check needs no build directory, the tests and labels checks
need one configured with ctest).
"""
import argparse
import json
import glob
import itertools
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["paths", "functions", "tests", "labels", "options", "counts", "sources", "serial", "grading",
         "includes", "calls"]
LIBC = {"abort", "malloc", "free", "snprintf", "printf", "exit", "assert", "main", "select", "fork"}
GDB_API = {"parse_and_eval", "execute", "lookup_symbol", "lookup_type", "lookup_global_symbol", "selected_frame",
           "selected_inferior", "write", "Command", "Value", "types", "inferiors", "newest_frame"}
PATH_ROOTS = ("src/", "tests/", "scripts/", "docs/", "cmake/", "iso/", "bench/", "fuzz/", "labs/", ".ci/")
SOURCE_DIRS = ("src", "tests", "scripts", "fuzz", "bench", "cmake", "iso", "labs")
TEST_PREFIXES = ("boot.", "host.", "gdb.", "viz.", "fuzz.", "labs.", "docs.", "scripts.")
CODE_SPAN = re.compile(r"`([^`\n]+)`")


def doc_files():
    files = sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
    return files + [os.path.join(ROOT, "README.md")]


def not_yet(path):
    """The names a file declares as not written yet (see the docstring)."""
    names = set()
    with open(path, encoding="utf-8") as f:
        for m in re.finditer(r"<!--\s*check-docs:\s*(?:not-yet|other-build)\s+(.*?)-->", f.read(), re.S):
            names.update(m.group(1).split())
    return names


def spans(path):
    """(line number, text) of every `code span` in a Markdown file, and of
    every line of its fenced code blocks (as one span each)."""
    fenced = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                yield number, line.rstrip("\n"), True
                continue
            for m in CODE_SPAN.finditer(line):
                yield number, m.group(1), False


def expand(pattern):
    """Expand {a,b} alternatives (nested ones too) into every string."""
    m = re.search(r"\{([^{}]*)\}", pattern)
    if not m:
        return [pattern]
    out = []
    for choice in m.group(1).split(","):
        out += expand(pattern[:m.start()] + choice + pattern[m.end():])
    return out


def source_files():
    for d in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, d)):
            dirnames[:] = [x for x in dirnames if x not in ("__pycache__",)]
            for name in filenames:
                if name.endswith((".c", ".h", ".S", ".py", ".sh", ".ld", ".cmake", ".txt", ".in")):
                    yield os.path.join(dirpath, name)


class Checker:
    def __init__(self, build_dir):
        self.build_dir = build_dir
        self.problems = []
        self._sources = None
        self._tests = None

    def problem(self, path, line, kind, text, name=None):
        if name is not None and path.endswith(".md") and name in not_yet(path):
            return
        self.problems.append(f"{os.path.relpath(path, ROOT)}:{line}: {kind}: {text}")

    def sources(self):
        if self._sources is None:
            self._sources = {}
            for path in source_files():
                with open(path, encoding="utf-8", errors="replace") as f:
                    self._sources[path] = f.read()
        return self._sources

    # --- paths -------------------------------------------------------------
    def check_paths(self):
        token = re.compile(r"(?<![\w./-])((?:%s)[\w./\[\]{},*+-]*)" % "|".join(re.escape(r) for r in PATH_ROOTS))
        for doc in doc_files():
            for line, text, fenced in spans(doc):
                for m in token.finditer(text):
                    raw = m.group(1).rstrip(".,:;)")
                    if text[m.end():m.end() + 1] == "<":
                        continue  # a pattern such as fuzz/fuzz_<name>.c, not one path
                    if "..." in raw or "<" in raw or raw.endswith("-"):
                        continue
                    if raw.endswith((".elf", ".iso")) or raw.startswith("src/stageos"):
                        continue  # build outputs, named relative to the build directory
                    if not any(glob.glob(os.path.join(ROOT, p)) for p in expand(raw)):
                        self.problem(doc, line, "paths", f"{raw} does not exist", name=raw)

    # --- functions ---------------------------------------------------------
    def defined(self, name):
        c_def = re.compile(r"^(?:[\w \t]*__attribute__\(\(.*?\)\)\s*)?[A-Za-z_][\w \t\*]*\b%s\s*\([^;]*$" % re.escape(name),
                           re.M)
        py_def = re.compile(r"^\s*(?:def|class) %s\b" % re.escape(name), re.M)
        macro = re.compile(r"^#\s*define\s+%s\(" % re.escape(name), re.M)
        asm = re.compile(r"^%s:" % re.escape(name), re.M)
        cmake = re.compile(r"^\s*(?:function|macro)\(%s\b" % re.escape(name), re.M | re.I)
        for path, text in self.sources().items():
            if name not in text:
                continue
            if path.endswith(".py"):
                if py_def.search(text):
                    return True
            elif path.endswith((".txt", ".cmake")):
                if cmake.search(text):
                    return True
            elif c_def.search(text) or macro.search(text) or asm.search(text):
                return True
        return False

    def check_functions(self):
        call = re.compile(r"^([A-Za-z_]\w*)\(\)$")
        for doc in doc_files():
            for line, text, fenced in spans(doc):
                if fenced:
                    continue
                m = call.match(text.strip())
                if m and (m.group(1).startswith("__builtin") or m.group(1) in LIBC):
                    continue  # the compiler's or the C library's, not ours
                if m and not self.defined(m.group(1)):
                    self.problem(doc, line, "functions", f"{m.group(1)}() is not defined anywhere in the sources",
                                 name=m.group(1) + "()")

    # --- tests and labels --------------------------------------------------
    def ctest_list(self):
        if self._tests is None:
            out = subprocess.run(["ctest", "-N"], cwd=self.build_dir, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"check-docs: ctest -N failed in {self.build_dir}: configure it first\n{out.stderr}")
            self._tests = re.findall(r"Test\s+#\d+: (\S+)", out.stdout)
        return self._tests

    def check_tests(self):
        name = re.compile(r"^(?:%s)[\w.*{},+-]+$" % "|".join(re.escape(p) for p in TEST_PREFIXES))
        tests = self.ctest_list()
        for doc in doc_files():
            for line, text, fenced in spans(doc):
                if fenced:
                    continue
                text = text.strip()
                if not name.match(text) or text.endswith((".c", ".py", ".h", ".sh")):
                    continue
                if text.startswith("gdb.") and text[4:] in GDB_API:
                    continue  # GDB's Python API, not a test
                for pattern in expand(text):
                    regex = re.compile("^" + re.escape(pattern).replace(r"\*", ".*") + "$")
                    if not any(regex.match(t) for t in tests):
                        self.problem(doc, line, "tests", f"no ctest test is named {pattern}", name=pattern)

    def check_labels(self):
        out = subprocess.run(["ctest", "--print-labels"], cwd=self.build_dir, capture_output=True, text=True)
        labels = set(re.findall(r"^\s+(\S+)$", out.stdout, re.M))
        doc = os.path.join(ROOT, "docs", "04-running-and-testing.md")
        row = re.compile(r"^\| `([\w-]+)` \|")
        in_table = set()
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        start = text.find("| label | tests | names |")
        if start < 0:
            self.problem(doc, 1, "labels", "the label table (| label | tests | names |) is missing")
            return
        first_line = text[:start].count("\n") + 1
        for offset, line in enumerate(text[start:].split("\n")[2:]):
            m = row.match(line)
            if not m:
                break
            in_table.add(m.group(1))
            if m.group(1) not in labels:
                self.problem(doc, first_line + 2 + offset, "labels", f"label {m.group(1)} is not a ctest label")
        for label in sorted(labels - in_table):
            self.problem(doc, first_line, "labels", f"ctest label {label} is missing from the label table")

    # --- script options ----------------------------------------------------
    def check_options(self):
        use = re.compile(r"(?:^|[\s(])((?:scripts/)[\w.-]+\.(?:py|sh))((?:\s+[^|;&#]*)?)")
        option = re.compile(r"(?<![\w-])(--[a-z][\w-]*)")
        for doc in doc_files():
            for line, text, fenced in spans(doc):
                for m in use.finditer(text):
                    script = os.path.join(ROOT, m.group(1))
                    if not os.path.exists(script):
                        continue  # the paths check reports it
                    args = m.group(2).split(" -- ")[0]  # after a lone --, options go to QEMU
                    with open(script, encoding="utf-8") as f:
                        body = f.read()
                    for o in option.findall(args):
                        if o not in body:
                            self.problem(doc, line, "options", f"{m.group(1)} has no option {o}")

    # --- GDB transcripts' source lines ---------------------------------------
    def check_sources(self):
        at = re.compile(r"at \S*?/(src/[\w/.-]+):(\d+)\s*$")
        for doc in doc_files():
            with open(doc, encoding="utf-8") as f:
                lines = f.read().split("\n")
            for i, line in enumerate(lines):
                m = at.search(line)
                if not m:
                    continue
                path, number = os.path.join(ROOT, m.group(1)), int(m.group(2))
                if not os.path.exists(path):
                    continue  # the paths check reports it if it is in backticks
                with open(path, encoding="utf-8", errors="replace") as f:
                    source = f.read().split("\n")
                if number < 1 or number > len(source):
                    self.problem(doc, i + 1, "sources", f"{m.group(1)} has no line {number}")
                    continue
                quoted = lines[i + 1] if i + 1 < len(lines) else ""
                q = re.match(r"^(\d+)\t(.*)$", quoted)
                if q and int(q.group(1)) == number and q.group(2).strip() != source[number - 1].strip():
                    self.problem(doc, i + 2, "sources", f"{m.group(1)}:{number} is "
                                 f"{source[number - 1].strip()!r}, the transcript quotes {q.group(2).strip()!r}")

    # --- serial-log quotes ---------------------------------------------------
    def check_serial(self):
        texts = [t for p, t in self.sources().items()
                 if (p.endswith(".c") and "/src/" in p) or p.endswith(os.path.join("scripts", "gdb", "stageos.py"))]
        strings = []
        for t in texts:  # the string literals, adjacent ones joined as C joins them
            for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*', t):
                literal = "".join(re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0)))
                strings.append(literal.replace("\\n", "").replace("\\t", "\t").replace('\\"', '"'))
        # Each format as a pattern: a conversion (%s, %lu, %08x, Python's
        # {...}) stands for any text.
        conversion = r"%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXcsp]|\{[^{}]*\}"
        patterns = {}  # log prefix ("paging") -> the formats that start with it
        for t in strings:
            m = re.match(r"^(?:([a-z][a-z0-9_]*)|%s): ", t)
            if not m:
                continue
            parts = re.split(conversion, t.replace("%%", "\0"))
            if len("".join(parts)) - len(m.group(0)) < 8:
                continue  # "%s: %s" and the like would fit any line
            regex = re.compile(".*?".join(re.escape(x.replace("\0", "%")) for x in parts))
            patterns.setdefault(m.group(1), []).append(regex)  # None: "%s: ..." fits any prefix
        prefixes = {m.group(1) for t in strings for m in [re.match(r"^([a-z][a-z0-9_]*): ", t)] if m}
        for doc in doc_files():
            for line, text, fenced in spans(doc):
                if not fenced:
                    continue
                text = re.sub(r"^(?:error|warning): ", "", text.strip())
                m = re.match(r"^([a-z][a-z0-9_]*): ", text)
                if not m or m.group(1) not in prefixes:
                    continue
                # The wording: up to the first number, address or quoted value.
                wording = re.split(r"\d|'|\[|\(|\"", text, maxsplit=1)[0].rstrip()
                if len(wording) <= len(m.group(0)) + 2:
                    continue  # too little to tell a message from another
                if any(p.match(text) for p in patterns.get(m.group(1), []) + patterns.get(None, [])):
                    continue
                self.problem(doc, line, "serial", f"no message of the kernel (or of GDB's helpers) reads "
                             f"{wording!r}...")

    # --- test counts -------------------------------------------------------
    def count_tests(self, selection):
        out = subprocess.run(["ctest", "-N"] + selection.split(), cwd=self.build_dir, capture_output=True,
                             text=True)
        m = re.search(r"Total Tests: (\d+)", out.stdout)
        return int(m.group(1)) if m else None

    def check_grading(self):
        for lab_json in sorted(glob.glob(os.path.join(ROOT, "labs", "*", "lab.json"))):
            lab = os.path.basename(os.path.dirname(lab_json))
            with open(lab_json, encoding="utf-8") as f:
                handout = json.load(f).get("handout")
            if not handout or not os.path.isfile(os.path.join(ROOT, handout)):
                self.problem(lab_json, 1, "grading", f"lab {lab} names no handout that exists ({handout})")
                continue
            env = {k: v for k, v in os.environ.items() if k != "STAGEOS_PRIVATE_TESTS"}
            listing = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "lab.py"), "grade", lab,
                                      "--list"], cwd=ROOT, capture_output=True, text=True, env=env)
            want = listing.stdout.rstrip("\n").split("\n")
            path = os.path.join(ROOT, handout)
            block, start, found = [], 0, False
            for number, line, fenced in spans(path):
                if not fenced:
                    continue
                if block and number != start + len(block):
                    block = []  # a new code block
                if not block:
                    start = number
                block.append(line)
                if re.fullmatch(r"total: \d+ points in \d+ checks", line):
                    found = True
                    got = block[-len(want):]
                    for i, (g, w) in enumerate(zip(got, want)):
                        if g.rstrip() != w.rstrip():
                            self.problem(path, start + len(block) - len(got) + i, "grading",
                                         f"the checks of lab {lab} read {g.strip()!r} here, but "
                                         f"`scripts/grade.sh {lab} --list` prints {w.strip()!r}")
                            break
                    block = []
            if not found:
                self.problem(path, 1, "grading", f"the handout of lab {lab} does not show its checks (a code block "
                             f"ending with `scripts/grade.sh {lab} --list`'s total line)")

    def check_counts(self):
        words = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven "
                                            "twelve thirteen fourteen fifteen sixteen seventeen eighteen "
                                            "nineteen twenty".split())}
        number = r"(\d+|" + "|".join(words) + r")"
        command = r"`ctest --preset (\w+)((?: -(?:L|LE|R) \S+)*)(?: -N)?`"
        # After the command, only a selection (-L, -LE, -R) or a listing (-N)
        # states a count; a bare `ctest --preset gcc` is a run, and the
        # number next to it may be one measured then.
        selective = r"`ctest --preset (\w+)((?: -(?:L|LE|R) \S+)+|(?: -(?:L|LE|R) \S+)* -N)`"
        after = re.compile(selective + r"[^.`]*?\b" + number + r"\b[^.`]*?\btests?\b")
        before = re.compile(r"\b" + number + r" today: " + command)
        for doc in doc_files():
            with open(doc, encoding="utf-8") as f:
                for line_number, line in enumerate(f, 1):
                    found = [(m.group(1), m.group(2).replace(" -N", ""), m.group(3)) for m in after.finditer(line)]
                    found += [(m.group(2), m.group(3), m.group(1)) for m in before.finditer(line)]
                    for preset, selection, stated in found:
                        if preset != os.path.basename(self.build_dir):
                            continue  # another preset's build: not the one at hand
                        want = int(stated) if stated.isdigit() else words[stated]
                        got = self.count_tests(selection)
                        if got is not None and got != want:
                            self.problem(doc, line_number, "counts",
                                         f"says {stated} tests for ctest{selection}, ctest -N lists {got}")

    # --- include cycles ----------------------------------------------------
    def check_includes(self):
        headers = glob.glob(os.path.join(ROOT, "src", "**", "*.h"), recursive=True)
        graph = {os.path.relpath(h, ROOT): set() for h in headers}
        where = {}
        for h in headers:
            me = os.path.relpath(h, ROOT)
            with open(h, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    for base in (os.path.dirname(h), os.path.join(ROOT, "src")):
                        target = os.path.relpath(os.path.normpath(os.path.join(base, m.group(1))), ROOT)
                        if target in graph:
                            graph[me].add(target)
                            where.setdefault((me, target), number)
                            break
        for cycle in find_cycles(graph):
            steps = " -> ".join(cycle + [cycle[0]])
            self.problem(os.path.join(ROOT, cycle[0]), where[(cycle[0], cycle[1])], "includes",
                         f"headers include each other in a loop: {steps}")

    # --- call cycles -------------------------------------------------------
    def check_calls(self):
        objects = glob.glob(os.path.join(self.build_dir, "src", "CMakeFiles", "kernel.dir", "**", "*.o"),
                            recursive=True)
        if not objects:
            sys.exit(f"check-docs: no kernel objects under {self.build_dir}/src: build first")
        defines, uses = {}, {}
        for obj in objects:
            module = os.path.relpath(obj, os.path.join(self.build_dir, "src", "CMakeFiles", "kernel.dir"))
            module = re.sub(r"\.o$", "", module)
            out = subprocess.run(["nm", obj], capture_output=True, text=True).stdout
            uses[module] = set()
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == "U":
                    uses[module].add(parts[1])
                elif len(parts) == 3 and parts[1] == "T":
                    defines[parts[2]] = module  # functions only: a call, not a shared variable
        graph = {m: set() for m in uses}
        why = {}
        for module, symbols in uses.items():
            for sym in sorted(symbols):
                owner = defines.get(sym)
                if owner and owner != module:
                    graph[module].add(owner)
                    why.setdefault((module, owner), sym)
        for cycle in find_cycles(graph):
            steps = " -> ".join(f"{a} ({why[(a, b)]})" for a, b in zip(cycle, cycle[1:] + cycle[:1]))
            self.problem(os.path.join(ROOT, "src", cycle[0]), 1, "calls",
                         f"modules call each other in a loop: {steps} -> {cycle[0]}")


def find_cycles(graph):
    """One cycle per strongly connected component with more than one module
    (Tarjan's algorithm), each as the list of modules along it."""
    index, low, stack, on_stack, components = {}, {}, [], set(), []
    counter = itertools.count()

    def visit(v):
        index[v] = low[v] = next(counter)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(set(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    cycles = []
    for component in components:
        start = min(component)
        path, seen = [start], {start}
        while True:  # walk inside the component until a module repeats
            nxt = min(w for w in graph[path[-1]] if w in component)
            if nxt in seen:
                cycles.append(path[path.index(nxt):])
                break
            path.append(nxt)
            seen.add(nxt)
    return cycles


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build", "gcc"),
                   help="a configured build directory, for ctest -N (default build/gcc)")
    p.add_argument("--only", default=",".join(KINDS), help="comma-separated kinds to check (default: all)")
    args = p.parse_args()
    kinds = args.only.split(",")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        p.error(f"unknown kind {unknown[0]!r} (known: {', '.join(KINDS)})")
    checker = Checker(os.path.abspath(args.build_dir))
    for kind in kinds:
        getattr(checker, "check_" + kind)()
    for problem in checker.problems:
        print(problem)
    if checker.problems:
        print(f"check-docs: {len(checker.problems)} problems ({', '.join(kinds)})")
        sys.exit(1)
    print(f"check-docs: no problems ({', '.join(kinds)}; {len(doc_files())} files)")


if __name__ == "__main__":
    main()
