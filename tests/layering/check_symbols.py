#!/usr/bin/env python3
"""Symbol-level check of the dependency rule (src/README.md): every symbol a module's objects use
and another module defines must come from a module the user's row allows. The include directories
already refuse forbidden headers; this catches a hand-written prototype of a function above.
Also: no cycle between the object files (file A uses B and B uses A, directly or through others),
inside a module too, so that every file can be read knowing only the files below it.

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


def short(obj):
    """src/<module>/<file>.c of an object file path (CMake names objects after their sources)."""
    i = obj.rfind("/src/")
    return obj[i + 1:].removesuffix(".o") if i >= 0 else obj


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]; counter[0] += 1
        stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]; counter[0] += 1
                    stack.append(w); on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop(); on.discard(w); comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def main():
    modules = []
    for line in open(sys.argv[1]):
        name, allowed, objs = line.rstrip("\n").split("\t")
        modules.append((name, set(filter(None, allowed.split(";"))), list(filter(None, objs.split(";")))))
    owner, uses, file_of, file_uses = {}, {}, {}, {}
    for name, _, objs in modules:
        uses[name] = set()
        for o in objs:
            d, u = nm(o)
            for s in d:
                owner.setdefault(s, name)
                file_of.setdefault(s, o)
            uses[name] |= u
            file_uses[o] = u
    bad = 0
    for name, allowed, _ in modules:
        for s in sorted(uses[name]):
            m = owner.get(s)
            if m and m != name and m not in allowed:
                print(f"FAIL: module {name} uses {s}, defined in {m}, which its row does not allow")
                bad += 1
    graph = {o: {file_of[s] for s in u if s in file_of and file_of[s] != o} for o, u in file_uses.items()}
    for comp in cycles(graph):
        names = ", ".join(sorted(short(o) for o in comp))
        print(f"FAIL: object files that use each other (a cycle): {names}")
        bad += 1
    n_edges = sum(len({owner[s] for s in uses[n] if s in owner} - {n}) for n, _, _ in modules)
    print(f"{len(modules)} modules, {len(owner)} defined symbols, {n_edges} module-to-module uses checked")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
