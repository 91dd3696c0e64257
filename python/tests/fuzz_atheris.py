"""Coverage-guided fuzzing of brinery.loads with atheris and pkgfuzz's oracles.

Not part of CI (a long run). Each input goes through the same allow-mode,
safe-mode and file oracles as pkgfuzz.py; a disagreement or a crash stops the
run with the input (libFuzzer writes it as crash-*).

    pip install atheris==3.0.0                 # CPython 3.11 wheel
    # the extension built with libFuzzer's coverage instrumentation:
    RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3 \
      -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
      -Cllvm-args=-sanitizer-coverage-pc-table \
      -Cllvm-args=-sanitizer-coverage-trace-compares" pip install ./python
    LD_PRELOAD=$SITE/ubsan_with_fuzzer.so python python/tests/fuzz_atheris.py \
      CORPUS_DIR -max_total_time=1800 -rss_limit_mb=4096

CORPUS_DIR starts empty; the repository's seeds and fixtures (pkgfuzz's
corpus) are added to it on the first run. Without the instrumented build,
atheris still runs, guided by the Python code's coverage only.
"""

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports():
    import pkgfuzz

import brinery  # noqa: E402

HARNESS = None


def seed_corpus(d):
    os.makedirs(d, exist_ok=True)
    if os.listdir(d):
        return
    for i, (_name, data) in enumerate(pkgfuzz.fixture_corpus() + pkgfuzz.cpython_corpus()):
        with open(os.path.join(d, "seed%04d" % i), "wb") as f:
            f.write(data)


def test_one_input(data):
    h = HARNESS
    before = h.stats.c["disagreements"]
    h.one("atheris", bytes(data))
    if h.stats.c["disagreements"] != before:
        mode, _name, _data, why = h.stats.disagreements[-1]
        raise AssertionError("[%s] %s" % (mode, why))


def main():
    global HARNESS
    corpus = [a for a in sys.argv[1:] if not a.startswith("-")]
    if corpus:
        seed_corpus(corpus[0])
    pkgfuzz.set_memory_limit()
    pkgfuzz.warm_up_safe_set()
    HARNESS = pkgfuzz.Harness()
    HARNESS.stats.disagreements = []
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
