#!/usr/bin/env python3
"""Write src/sklearn_estimators.txt: every scikit-learn estimator class
(a subclass of sklearn.base.BaseEstimator, whose pickled state carries
`_sklearn_version`) of each installed scikit-learn version, as
`module.qualname` and the versions (major.minor) that define it.

    # once per environment (one scikit-learn version each):
    /tmp/venvs/a/bin/python gen_sklearn_estimators.py --dump /tmp/sk-a.json
    ...
    python3 gen_sklearn_estimators.py --merge /tmp/sk-*.json > src/sklearn_estimators.txt

Classes are found by importing every module of the package except tests
(the names `pickle` records are `cls.__module__` + `cls.__qualname__`).
"""
import json
import sys


def dump(out):
    import importlib
    import inspect
    import pkgutil
    import warnings

    import sklearn
    from sklearn.base import BaseEstimator

    warnings.simplefilter("ignore")
    names = set()
    for m in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
        parts = m.name.split(".")
        if "tests" in parts or "_build_utils" in parts or "conftest" in parts:
            continue
        try:
            mod = importlib.import_module(m.name)
        except Exception:
            continue
        for v in list(vars(mod).values()):
            if inspect.isclass(v) and issubclass(v, BaseEstimator) and v.__module__ == m.name:
                names.add(f"{v.__module__}.{v.__qualname__}")
    version = ".".join(sklearn.__version__.split(".")[:2])
    with open(out, "w") as f:
        json.dump({"version": version, "full": sklearn.__version__, "classes": sorted(names)}, f)


def merge(paths):
    tables = [json.load(open(p)) for p in paths]
    tables.sort(key=lambda t: tuple(int(x) for x in t["version"].split(".")))
    print("# scikit-learn estimator classes (BaseEstimator subclasses) per version;")
    print("# written by gen_sklearn_estimators.py from scikit-learn "
          + ", ".join(t["full"] for t in tables) + ".")
    print("versions " + " ".join(t["version"] for t in tables))
    every = sorted(set().union(*(t["classes"] for t in tables)))
    for name in every:
        have = [t["version"] for t in tables if name in t["classes"]]
        print(name + " " + " ".join(have))


if __name__ == "__main__":
    if sys.argv[1] == "--dump":
        dump(sys.argv[2])
    else:
        merge(sys.argv[2:])
