#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which file of a module calls which, from the built objects, and whether
the calls form a tree (no circles).

For each object file of a module (the .o files kbuild lists in
MODULE.mod), nm gives the global symbols it defines and the ones it uses.
File A uses file B when A uses a symbol B defines. A circle is a set of
files that reach each other (a strongly connected component of more than
one file). Prints one line per file with the files it uses, then the
circles, if any.

usage: file-graph.py KMOD_DIR MODULE [--dot FILE]
exit status: 0 no circle; 1 circles; 2 usage or build missing
"""
import os
import subprocess
import sys


def nm(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBRGSVW":
            defined.add(parts[2])
    return defined, used


def sccs(nodes, edges):
    """Tarjan's algorithm; returns the components of more than one node."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    args = sys.argv[1:]
    dot = None
    if "--dot" in args:
        i = args.index("--dot")
        dot = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    kdir, mod = args
    modfile = os.path.join(kdir, mod + ".mod")
    try:
        objs = open(modfile).read().split()
    except OSError:
        print(f"file-graph: no {modfile} (build the modules first)",
              file=sys.stderr)
        return 2
    names = {}
    for o in objs:
        path = o if os.path.isabs(o) else os.path.join(kdir, os.path.basename(o))
        if not os.path.exists(path):
            path = os.path.normpath(os.path.join(kdir, o))
        if not os.path.exists(path):
            # kbuild lists paths relative to the top of the external tree
            top = os.path.normpath(os.path.join(kdir, "..", ".."))
            path = os.path.join(top, o)
        names[os.path.relpath(path, kdir).replace(".o", ".c")] = path
    owner, uses = {}, {}
    for name, path in names.items():
        d, u = nm(path)
        uses[name] = u
        for s in d:
            owner.setdefault(s, name)
    edges = {n: set() for n in names}
    for name, u in uses.items():
        for s in u:
            o = owner.get(s)
            if o and o != name:
                edges[name].add(o)
    for name in sorted(names):
        print(f"{name}: {' '.join(sorted(edges[name])) or '-'}")
    if dot:
        with open(dot, "w") as f:
            f.write(f"digraph {mod} {{\n")
            for a in sorted(edges):
                for b in sorted(edges[a]):
                    f.write(f'  "{a}" -> "{b}";\n')
            f.write("}\n")
    circles = sccs(names, edges)
    for c in circles:
        print(f"circle: {' <-> '.join(c)}")
    print(f"file-graph: {mod}: {len(names)} files, "
          f"{sum(len(e) for e in edges.values())} uses, {len(circles)} circles")
    return 1 if circles else 0


if __name__ == "__main__":
    sys.exit(main())
