#!/usr/bin/env python3
"""The library's symbols are its public API, no more and no less (docs/design.md, "Symbols").

usage: check_symbols.py SHARED_LIB SOURCE_DIR CC
       check_symbols.py --list SOURCE_DIR        (prints each declaration: header, line, marker, name)

Reads every declaration of include/entroprof/*.h and checks:
  1. every function (or object) declared in a public header is marked EP_API (stable API) or
     EP_STATIC_API (experimental), and its name starts with ep_;
  2. EP_STATIC_API declarations, and only they, sit inside `#ifdef EP_STATIC_LINKING_ONLY`;
  3. the shared library exports (nm -D --defined-only) exactly the EP_API names: nothing private,
     nothing unprefixed (such as llm.c-style kernels), nothing experimental, none missing;
  4. a program that includes only <entroprof/entroprof.h> compiles with every EP_API name (so the
     umbrella header includes every public header) and links against the shared library;
  5. without EP_STATIC_LINKING_ONLY, every EP_STATIC_API name is undeclared through entroprof.h,
     and with it every one is declared.
Exit 0 when all hold, 1 with one line per violation, 77 (skip) when nm is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

GUARD = "EP_STATIC_LINKING_ONLY"
# Defined by the linker in every shared object, not by us.
LINKER_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}
# Defined by the sanitizer instrumentation in an EP_SANITIZE build.
SANITIZER_PREFIXES = ("__asan", "___asan", "__odr_asan", "__ubsan", "__sanitizer", "__lsan")


def strip_comments(text):
    """Replaces comments by spaces, keeping newlines (line numbers) and string literals."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(c if c == "\n" else " " for c in text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def condition(directive, arg):
    """(taken, experimental, unguarded) for the conditionals the public headers use: code under
    `#ifdef EP_STATIC_LINKING_ONLY` is experimental; `#ifndef EP_STATIC_LINKING_ONLY` is the branch
    of a user who did not opt in (an #error there makes the rest of the header experimental)."""
    if "__cplusplus" in arg:
        return False, False, False
    if directive == "ifdef" and arg == GUARD or directive == "if" and re.search(
            r"(?<!!)defined\s*\(?\s*" + GUARD, arg):
        return True, True, False
    if directive == "ifndef" and arg == GUARD or re.search(r"!\s*defined\s*\(?\s*" + GUARD, arg):
        return False, False, True
    return True, False, False


def declarations(path):
    """Yields (line, marker, name, experimental) for each top-level declaration with a name."""
    lines = strip_comments(open(path, encoding="utf-8").read()).split("\n")
    stack = []  # (taken, experimental, unguarded) per open conditional
    code = []   # (line number, text, experimental) of the lines that the compiler sees
    whole_file = False  # an #error for users without the guard: all that follows is experimental
    k = 0
    while k < len(lines):
        line, start = lines[k], k
        while line.endswith("\\") and k + 1 < len(lines):
            k += 1
            line = line[:-1] + " " + lines[k]
        k += 1
        m = re.match(r"\s*#\s*(\w+)\s*(.*)", line)
        if m:
            d, arg = m.group(1), m.group(2).strip()
            if d in ("if", "ifdef", "ifndef"):
                stack.append(condition(d, arg))
            elif d in ("else", "elif"):
                taken, exp, unguarded = stack[-1]
                stack[-1] = (not taken, unguarded, exp)
            elif d == "endif":
                stack.pop()
            elif d == "error" and stack and stack[-1][2]:
                whole_file = True
            continue
        if all(t for t, _, _ in stack):
            code.append((start + 1, line, whole_file or any(e for _, e, _ in stack)))
    depth, stmt, stmt_line, stmt_exp = 0, "", 0, False
    for number, line, exp in code:
        for ch in line:
            if not stmt.strip() and not ch.isspace():
                stmt_line, stmt_exp = number, exp
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            # A statement ends at ';', or at the '}' of a function body (an inline definition)
            if depth == 0 and (ch == ";" or ch == "}" and is_function_head(stmt)):
                s = " ".join(stmt.split())
                stmt = ""
                yield from declaration(s, stmt_line, stmt_exp)
            else:
                stmt += ch
        stmt += " "


def is_function_head(stmt):
    head = stmt.split("{", 1)[0].strip()
    return head.endswith(")") and not head.startswith(("typedef", "struct", "enum", "union"))


def declaration(stmt, line, experimental):
    if not stmt or stmt.startswith(("typedef", "static", "extern \"C\"")) or re.match(
            r"^(struct|enum|union)\b[^(]*\{", stmt):
        return
    head = stmt.split("{", 1)[0]
    head = re.sub(r"__attribute__\s*\(\(.*\)\)", "", head)
    m = re.search(r"\b([A-Za-z_]\w*)\s*\(", head)  # a function: the name before its parameter list
    if not m:
        m = re.search(r"\b([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*(=.*)?$", head)  # an object
    if not m:
        return
    marker = head.split()[0] if head.split()[0] in ("EP_API", "EP_STATIC_API") else ""
    yield line, marker, m.group(1), experimental


def public_declarations(src):
    inc = os.path.join(src, "include", "entroprof")
    for h in sorted(os.listdir(inc)):
        if h.endswith(".h"):
            for line, marker, name, exp in declarations(os.path.join(inc, h)):
                yield "include/entroprof/%s:%d" % (h, line), marker, name, exp


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", "--format=posix", lib], check=True,
                         capture_output=True, text=True).stdout
    names = {ln.split()[0] for ln in out.splitlines() if ln.strip()}
    return {s for s in names if s not in LINKER_SYMBOLS and not s.startswith(SANITIZER_PREFIXES)}


def compile_ok(cc, src, text, args):
    with tempfile.TemporaryDirectory() as t:
        c = os.path.join(t, "t.c")
        open(c, "w").write(text)
        r = subprocess.run([cc, "-std=c11", "-Wall", "-Werror", "-I", os.path.join(src, "include"), c,
                            "-o", os.path.join(t, "t")] + args, capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C"))  # plain quotes in the messages
        return r.returncode == 0, r.stderr


def main(argv):
    if len(argv) == 3 and argv[1] == "--list":
        for where, marker, name, exp in public_declarations(argv[2]):
            print(where, marker or "-", name, "experimental" if exp else "stable")
        return 0
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    lib, src, cc = argv[1:]
    if not shutil.which("nm"):
        print("SKIP: nm (binutils) is not installed")
        return 77
    bad = []
    stable, experimental = {}, {}
    for where, marker, name, exp in public_declarations(src):
        if not marker:
            bad.append("%s: %s is declared without EP_API or EP_STATIC_API" % (where, name))
        elif marker == "EP_API" and exp:
            bad.append("%s: %s is EP_API inside #ifdef %s (experimental: EP_STATIC_API)" % (where, name, GUARD))
        elif marker == "EP_STATIC_API" and not exp:
            bad.append("%s: %s is EP_STATIC_API outside #ifdef %s" % (where, name, GUARD))
        if not name.startswith("ep_"):
            bad.append("%s: %s has no ep_ prefix" % (where, name))
        if marker:
            (stable if marker == "EP_API" else experimental)[name] = where
    if len(stable) < 10:
        bad.append("only %d EP_API declarations found: the header parser is broken" % len(stable))
    have = exported(lib)
    for s in sorted(have - set(stable)):
        why = "experimental (EP_STATIC_API)" if s in experimental else "not declared EP_API in include/entroprof/"
        bad.append("%s exports %s: %s" % (os.path.basename(lib), s, why))
    for s in sorted(set(stable) - have):
        bad.append("%s: %s is EP_API but %s does not export it" % (stable[s], s, os.path.basename(lib)))

    uses = "".join("    (void)&%s;\n" % s for s in sorted(stable))
    ok, err = compile_ok(cc, src, "#include <entroprof/entroprof.h>\nint main(void)\n{\n%s    return 0;\n}\n"
                         % uses, [lib, "-Wl,-rpath," + os.path.dirname(os.path.abspath(lib))])
    if not ok:
        bad.append("a program using every EP_API name through <entroprof/entroprof.h> does not build and "
                   "link against %s:\n%s" % (os.path.basename(lib), err[:4000]))
    funcs = "".join("void use_%s(void);\nvoid use_%s(void) { (void)&%s; }\n" % (s, s, s) for s in sorted(experimental))
    tu = "#include <entroprof/entroprof.h>\n" + funcs
    ok, err = compile_ok(cc, src, tu, ["-fsyntax-only", "-D" + GUARD])
    if not ok:
        bad.append("with -D%s, <entroprof/entroprof.h> does not declare every EP_STATIC_API name:\n%s"
                   % (GUARD, err[:4000]))
    ok, err = compile_ok(cc, src, tu, ["-fsyntax-only"])
    for s in sorted(experimental):
        if not re.search(r"'%s' undeclared" % re.escape(s), err):
            bad.append("%s: %s is visible through <entroprof/entroprof.h> without %s" % (experimental[s], s, GUARD))

    for b in bad:
        print("FAIL:", b)
    print("%d EP_API, %d EP_STATIC_API declarations; %d exported symbols; %d violations"
          % (len(stable), len(experimental), len(have), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
