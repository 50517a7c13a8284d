#!/usr/bin/env python3
"""Symbol-level check of the dependency rule (src/README.md): every symbol a module's objects use
and another module defines must come from a module the user's row allows. The include directories
already refuse forbidden headers; this catches a hand-written prototype of a function above.

argv[1]: build/layers/modules.tsv (module, its allowed modules, its objects; lists ';'-separated).
"""
import subprocess
import sys


def nm(obj):
    out = subprocess.run(["nm", "-P", obj], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) < 2:
            continue
        if f[1] in ("U", "w", "v"):
            undefined.add(f[0])
        elif f[1] in "TDBRVWCtdbr" and f[1].isupper():
            defined.add(f[0])  # global definitions only: a static is the file's own
    return defined, undefined


def main():
    modules = []
    for line in open(sys.argv[1]):
        name, allowed, objs = line.rstrip("\n").split("\t")
        modules.append((name, set(filter(None, allowed.split(";"))), list(filter(None, objs.split(";")))))
    owner, uses = {}, {}
    for name, _, objs in modules:
        uses[name] = set()
        for o in objs:
            d, u = nm(o)
            for s in d:
                owner.setdefault(s, name)
            uses[name] |= u
    bad = 0
    for name, allowed, _ in modules:
        for s in sorted(uses[name]):
            m = owner.get(s)
            if m and m != name and m not in allowed:
                print(f"FAIL: module {name} uses {s}, defined in {m}, which its row does not allow")
                bad += 1
    n_edges = sum(len({owner[s] for s in uses[n] if s in owner} - {n}) for n, _, _ in modules)
    print(f"{len(modules)} modules, {len(owner)} defined symbols, {n_edges} module-to-module uses checked")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
