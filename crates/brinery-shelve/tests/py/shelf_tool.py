"""Python side of brinery-shelve's differential tests.

    shelf_tool.py dump FORMAT PATH [TABLE]
        print JSON {"keys": [...], "repr": repr(dict(shelf)), "raw": {key: hex}}
        as Python's own library reads the shelf (shelve.open for dbm
        formats, after checking dbm.whichdb names FORMAT; SqliteDict)
    shelf_tool.py write FORMAT PATH [TABLE]
        Python's writes after brinery's: add 'py-new', replace 'answer',
        delete 'name' (through shelve / SqliteDict)
    shelf_tool.py ops FORMAT PATH
        the fixed sequence of operations the Rust test also performs
        (dbm.dumb: to compare the files byte for byte)
    shelf_tool.py writer PATH N        (dbm.sqlite3 concurrency)
        add keys k0..k{N-1} one by one, each a list that names its key
    shelf_tool.py reader PATH N SECONDS (dbm.sqlite3 concurrency)
        read the whole shelf repeatedly until all N keys are there or the
        time is up; check every snapshot; print JSON {"reads", "errors"}

FORMAT is dbm.sqlite3, dbm.dumb or sqlitedict.
"""
import json
import shelve
import sys
import time


def open_shelf(fmt, path, flag, table=None):
    if fmt == "dbm.sqlite3":
        import dbm.sqlite3

        return shelve.Shelf(dbm.sqlite3.open(path, flag))
    if fmt == "dbm.dumb":
        import dbm.dumb

        return shelve.Shelf(dbm.dumb.open(path, flag))
    if fmt == "sqlitedict":
        import sqlitedict

        return sqlitedict.SqliteDict(path, tablename=table or "unnamed",
                                     flag=flag, autocommit=True)
    raise SystemExit("unknown format " + fmt)


def raw_values(fmt, path, table):
    if fmt == "sqlitedict":
        import sqlite3

        cx = sqlite3.connect(path)
        t = (table or "unnamed").replace('"', '""')
        rows = cx.execute('SELECT key, value FROM "%s" ORDER BY rowid' % t).fetchall()
        cx.close()
        return {k: bytes(v).hex() for k, v in rows}
    if fmt == "dbm.sqlite3":
        import dbm.sqlite3

        db = dbm.sqlite3.open(path, "r")
    else:
        import dbm.dumb

        db = dbm.dumb.open(path, "r")
    out = {k.decode("utf-8"): bytes(db[k]).hex() for k in db.keys()}
    db.close()
    return out


def dump(fmt, path, table=None):
    if fmt == "sqlitedict":
        s = open_shelf(fmt, path, "r", table)
    else:
        # What a Python program does: shelve.open, which picks the module
        # with dbm.whichdb.
        import dbm

        assert dbm.whichdb(path) == fmt, (dbm.whichdb(path), fmt)
        s = shelve.open(path, "r")
    d = dict(s)
    s.close()
    print(json.dumps({"keys": list(d), "repr": repr(d),
                      "raw": raw_values(fmt, path, table)}, ensure_ascii=False))


def write(fmt, path, table=None):
    s = open_shelf(fmt, path, "w" if fmt != "sqlitedict" else "c", table)
    s["py-new"] = {"from": "python", "n": [1, 2.5, None]}
    s["answer"] = "replaced by python"
    del s["name"]
    s.close()


def ops(fmt, path):
    import dbm.dumb

    s = shelve.Shelf(dbm.dumb.open(path, "c"))
    for i in range(5):
        s["k%d" % i] = ["value", i, "x" * (i * 150)]
    s.close()
    s = shelve.Shelf(dbm.dumb.open(path, "c"))
    s["k1"] = ["same size", 1]  # fits: in place
    s["k2"] = list(range(400))  # grows: appended
    s["ключ"] = "new"
    del s["k3"]
    s["k3"] = "back"
    s.close()


def payload(i):
    return ["k%d" % i, i, "x" * (i % 50) * 40]


def writer(path, n):
    s = open_shelf("dbm.sqlite3", path, "c")
    for i in range(n):
        s["k%d" % i] = payload(i)
    s.close()


def reader(path, n, seconds):
    deadline = time.time() + seconds
    reads = 0
    errors = []
    last = -1
    while time.time() < deadline:
        try:
            s = open_shelf("dbm.sqlite3", path, "r")
            d = dict(s)
            s.close()
        except Exception as e:  # the file may not exist yet
            if "no such table" in str(e) or "unable to open" in str(e):
                time.sleep(0.01)
                continue
            errors.append("open/read: %r" % (e,))
            break
        reads += 1
        idx = sorted(int(k[1:]) for k in d)
        if idx != list(range(len(idx))):
            errors.append("not a prefix: %r" % idx[:20])
        for k, v in d.items():
            if v != payload(int(k[1:])):
                errors.append("torn value for %s" % k)
        if len(idx) < last:
            errors.append("lost entries: %d after %d" % (len(idx), last))
        last = len(idx)
        if len(idx) == n:
            break
    print(json.dumps({"reads": reads, "errors": errors[:10], "final": last}))


def main():
    cmd = sys.argv[1]
    if cmd == "dump":
        dump(*sys.argv[2:])
    elif cmd == "write":
        write(*sys.argv[2:])
    elif cmd == "ops":
        ops(*sys.argv[2:])
    elif cmd == "writer":
        writer(sys.argv[2], int(sys.argv[3]))
    elif cmd == "reader":
        reader(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
