#!/usr/bin/env python3
"""Compare brine scan with picklescan, fickling and modelscan on both corpora.

    scripts/scan-compare.sh            # makes the venv, builds brine, runs this
    <venv>/bin/python compare.py --brine target/release/brine [--write docs/SCANNER.md]

Run with a Python that has picklescan, fickling and modelscan installed (the
versions of scripts/requirements-scan-compare.txt); each tool is called
through its Python API on every file, in this process:

  picklescan  scanner.scan_file_path(path): flagged when it reports an
              infected file (a dangerous global), error on scan_err, skipped
              when it scanned no file
  fickling    fickling.is_likely_safe(path) (what `fickling --check-safety`
              decides): flagged when False
  modelscan   ModelScan().scan(path): flagged when it lists an issue, error
              when it lists only errors, skipped when it skipped the file

brine scan runs once over all files (`--format json`); a file counts as
flagged when its verdict is unsafe, unknown or incomplete. The corpora are
tests/corpus/malicious (every sample should be flagged), and
tests/corpus/benign plus tests/corpus/harmless (nothing should be flagged).
With --write the tables replace the part of the file between
`<!-- compare:begin -->` and `<!-- compare:end -->`.
"""
import argparse
import collections
import contextlib
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "tests", "corpus")


def quiet(fn, *a):
    """Call fn with stdout/stderr captured; ('error', msg) on an exception."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return fn(*a)
    except BaseException as e:  # noqa: BLE001 - a crash is a result here
        if isinstance(e, KeyboardInterrupt):
            raise
        return ("error", repr(e)[:200])


def picklescan(path):
    from picklescan.scanner import scan_file_path

    r = quiet(scan_file_path, path)
    if isinstance(r, tuple):
        return "error"
    if r.infected_files > 0:
        return "flagged"
    if r.scan_err:
        return "error"
    return "clean" if r.scanned_files > 0 else "skipped"


def fickling(path):
    import fickling as fk

    r = quiet(fk.is_likely_safe, path)
    if isinstance(r, tuple):
        return "error"
    return "clean" if r else "flagged"


def modelscan(path):
    from modelscan.modelscan import ModelScan

    r = quiet(lambda p: ModelScan().scan(p), path)
    if isinstance(r, tuple) or not isinstance(r, dict):
        return "error"
    if r.get("issues"):
        return "flagged"
    if r.get("errors"):
        return "error"
    if r.get("summary", {}).get("skipped", {}).get("total_skipped"):
        return "skipped"
    return "clean"


TOOLS = [("picklescan", picklescan), ("fickling", fickling), ("modelscan", modelscan)]


def brine_all(exe, paths):
    p = subprocess.run([exe, "scan", "--format", "json", "-j", "2"] + paths,
                       capture_output=True, text=True)
    doc = json.loads(p.stdout)
    out = {}
    for f in doc["files"]:
        out[os.path.abspath(f["path"])] = f["verdict"]
    return out


def flagged(name, result):
    if name == "brine":
        return result in ("unsafe", "unknown", "incomplete")
    return result == "flagged"


def version(mod):
    try:
        from importlib.metadata import version as v

        return v(mod)
    except Exception:  # noqa: BLE001
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brine", required=True)
    ap.add_argument("--write", help="markdown file to update")
    args = ap.parse_args()
    exe = os.path.abspath(args.brine)

    rows = []
    for kind in ("malicious", "benign", "harmless"):
        with open(os.path.join(CORPUS, f"{kind}.json")) as f:
            entries = json.load(f)
        paths = [os.path.abspath(os.path.join(CORPUS, kind, e["file"])) for e in entries]
        verdicts = brine_all(exe, paths)
        for e, path in zip(entries, paths):
            r = {"file": e["file"], "kind": kind, "brine": verdicts.get(path, "error")}
            for name, fn in TOOLS:
                r[name] = fn(path)
            rows.append(r)
            print(kind, r["file"], {k: r[k] for k in ["brine"] + [n for n, _ in TOOLS]},
                  file=sys.stderr)

    names = ["brine"] + [n for n, _ in TOOLS]
    mal = [r for r in rows if r["kind"] == "malicious"]
    ben = [r for r in rows if r["kind"] != "malicious"]

    def pct(k, n):
        return f"{k}/{n} ({100.0 * k / n:.1f} %)"

    lines = ["| | brine scan | " + " | ".join(f"{n} {version(n)}" for n, _ in TOOLS) + " |",
             "|---|---|" + "---|" * len(TOOLS),
             "| detection rate (malicious flagged) | "
             + " | ".join(pct(sum(flagged(n, r[n]) for r in mal), len(mal)) for n in names) + " |",
             "| false-alarm rate (benign flagged) | "
             + " | ".join(pct(sum(flagged(n, r[n]) for r in ben), len(ben)) for n in names) + " |",
             "| benign files the tool could not scan (error or skipped) | "
             + " | ".join(str(sum(r[n] in ("error", "skipped") for r in ben)) for n in names)
             + " |",
             "",
             "False alarms per benign directory (library and version that wrote the files):",
             "",
             "| directory | files | " + " | ".join(names) + " |",
             "|---|---|" + "---|" * len(names)]
    groups = collections.OrderedDict()
    for r in ben:
        g = r["file"].split("/")[0] if r["kind"] == "benign" else "harmless (archive tricks)"
        groups.setdefault(g, []).append(r)
    for g, rs in groups.items():
        lines.append(f"| `{g}` | {len(rs)} | "
                     + " | ".join(str(sum(flagged(n, r[n]) for r in rs)) for n in names) + " |")
    lines += ["", "Malicious samples each tool missed:", ""]
    for n in names:
        missed = [r["file"] for r in mal if not flagged(n, r[n])]
        lines.append(f"- {n}: " + (", ".join(f"`{m}`" for m in missed) if missed else "none"))
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
