#!/usr/bin/env python3
"""Run brine scan, picklescan, fickling and modelscan on the whole corpus.

    python3 compare.py --brine target/release/brine --tools /tmp/scantools/bin \
        [--write ../../../docs/SCANNER.md]

Each tool runs once per file. A result is `flagged` (the tool reports a
problem), `clean` (it reports none), `error` (it crashed or said it could not
scan) or `skipped` (it did not recognise the file). For brine the verdict is
shown. A malicious sample counts as detected only when flagged (for brine:
unsafe, unknown or incomplete); a benign file counts as a false positive when
flagged. With --write the table replaces the part of the file between
`<!-- compare:begin -->` and `<!-- compare:end -->`.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "tests", "corpus")


def run(cmd, timeout=120):
    try:
        # fickling writes safety_results.json into the working directory.
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           cwd=tempfile.gettempdir())
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return None, "timeout"


def brine(args, path):
    rc, out = run([args.brine, "scan", "--format", "json", path])
    try:
        doc = json.loads(out[: out.rindex("}") + 1])
        v = doc["files"][0]["verdict"]
        if v == "unsafe" and not doc["files"][0]["complete"]:
            v = "unsafe+incomplete"
        return v
    except Exception:
        return "error"


def picklescan(args, path):
    rc, out = run([os.path.join(args.tools, "picklescan"), "--path", path])
    if rc is None or "Traceback" in out:
        return "error"
    if rc == 1:
        return "flagged"
    if rc == 0:
        return "clean" if "Scanned files: 0" not in out else "skipped"
    return "error"


def fickling(args, path):
    rc, out = run([os.path.join(args.tools, "fickling"), "--check-safety", path])
    if rc is None or "Traceback" in out:
        return "error"
    return {0: "clean", 1: "flagged"}.get(rc, "error")


def modelscan(args, path):
    rc, out = run([os.path.join(args.tools, "modelscan"), "-p", path])
    if rc is None or "Traceback" in out:
        return "error"
    return {0: "clean", 1: "flagged", 2: "error", 3: "skipped"}.get(rc, "error")


TOOLS = [("picklescan", picklescan), ("fickling", fickling), ("modelscan", modelscan)]


def detected(name, result):
    if name == "brine":
        return result not in ("safe", "not-pickle", "error")
    return result == "flagged"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brine", required=True)
    ap.add_argument("--tools", required=True, help="directory with picklescan/fickling/modelscan")
    ap.add_argument("--write", help="markdown file to update")
    args = ap.parse_args()
    args.brine = os.path.abspath(args.brine)
    args.tools = os.path.abspath(args.tools)

    versions = {}
    for t in ("picklescan", "fickling", "modelscan"):
        rc, out = run([os.path.join(args.tools, "pip"), "show", t])
        versions[t] = next((l.split()[1] for l in out.splitlines() if l.startswith("Version:")), "?")

    rows = []
    for kind in ("malicious", "benign"):
        with open(os.path.join(CORPUS, f"{kind}.json")) as f:
            entries = json.load(f)
        for e in entries:
            path = os.path.join(CORPUS, kind, e["file"])
            r = {"file": e["file"], "kind": kind,
                 "expected": e.get("verdict", "safe") if kind == "malicious" else "safe",
                 "brine": brine(args, path)}
            for name, fn in TOOLS:
                r[name] = fn(args, path)
            rows.append(r)
            print(r, file=sys.stderr)

    names = ["brine"] + [n for n, _ in TOOLS]
    lines = []
    mal = [r for r in rows if r["kind"] == "malicious"]
    ben = [r for r in rows if r["kind"] == "benign"]
    lines.append("| | brine scan | " + " | ".join(f"{n} {versions[n]}" for n, _ in TOOLS) + " |")
    lines.append("|---|---|" + "---|" * len(TOOLS))
    lines.append(f"| malicious detected (of {len(mal)}) | "
                 + " | ".join(str(sum(detected(n, r[n]) for r in mal)) for n in names) + " |")
    lines.append(f"| benign flagged (of {len(ben)}) | "
                 + " | ".join(str(sum(detected(n, r[n]) for r in ben)) for n in names) + " |")
    lines.append("")
    lines.append("| sample | expected | brine scan | picklescan | fickling | modelscan |")
    lines.append("|---|---|---|---|---|---|")

    def cell(n, r):
        v = r[n]
        miss = (r["kind"] == "malicious") != detected(n, v)
        return f"**{v}**" if miss else v

    for r in rows:
        name = ("" if r["kind"] == "malicious" else "benign/") + r["file"]
        lines.append(f"| `{name}` | {r['expected']} | " + " | ".join(cell(n, r) for n in names) + " |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        with open(args.write) as f:
            doc = f.read()
        a, b = "<!-- compare:begin -->\n", "<!-- compare:end -->"
        i, j = doc.index(a) + len(a), doc.index(b)
        with open(args.write, "w") as f:
            f.write(doc[:i] + table + doc[j:])


if __name__ == "__main__":
    main()
