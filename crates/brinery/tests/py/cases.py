"""Reader/writer for brinery's binary case files (``BRCASES1``).

Layout (all integers little-endian)::

    file    := magic record*
    magic   := b"BRCASES1"                       (8 bytes)
    record  := index:u32 protocol:u8
               pickle_len:u64 pickle:bytes[pickle_len]
               repr_len:u64   repr:bytes[repr_len]
               flags:u8

* ``index``    -- position of the value in ``values.gen_values(seed, count)``
* ``protocol`` -- pickle protocol the bytes were written with (0..5)
* ``pickle``   -- the pickle (gen_cases.py: ``pickle.dumps(value, protocol=p)``
                  with the C pickler; files fed to check_loads.py: whatever
                  the Rust encoder wrote)
* ``repr``     -- ``repr(value)`` as UTF-8 (errors="surrogatepass"); may be
                  empty.  Informational only: the repr of a set depends on
                  hash randomisation.
* ``flags``    -- bit0 (1): the value contains brinery_testclasses instances;
                  bit1 (2): the value's object graph contains a cycle.

The file ends after the last record; there is no count or trailer.

API::

    from cases import read_cases, iter_cases, CaseWriter, Case
    for c in iter_cases(path): c.index, c.protocol, c.pickle, c.repr, c.flags
    cases = read_cases(path)          # same, as a list
    with CaseWriter(path) as w: w.write(index, protocol, pickle_bytes, repr_str_or_bytes, flags)
"""

import collections
import struct

__all__ = ["MAGIC", "Case", "read_cases", "iter_cases", "CaseWriter", "CaseFileError",
           "FLAG_INSTANCES", "FLAG_RECURSIVE"]

MAGIC = b"BRCASES1"
FLAG_INSTANCES = 1
FLAG_RECURSIVE = 2

Case = collections.namedtuple("Case", "index protocol pickle repr flags")

_HEAD = struct.Struct("<IBQ")
_LEN = struct.Struct("<Q")


class CaseFileError(ValueError):
    pass


def iter_cases(path):
    """Yield Case tuples from a case file (repr is returned as bytes)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:len(MAGIC)] != MAGIC:
        raise CaseFileError("%s: bad magic %r (expected %r)"
                            % (path, data[:len(MAGIC)], MAGIC))
    pos = len(MAGIC)
    end = len(data)
    mv = memoryview(data)
    n = 0
    while pos < end:
        if pos + _HEAD.size > end:
            raise CaseFileError("%s: truncated header of record %d at offset %d"
                                % (path, n, pos))
        index, protocol, plen = _HEAD.unpack_from(data, pos)
        pos += _HEAD.size
        if pos + plen + _LEN.size > end:
            raise CaseFileError("%s: truncated pickle of record %d" % (path, n))
        pick = bytes(mv[pos:pos + plen])
        pos += plen
        (rlen,) = _LEN.unpack_from(data, pos)
        pos += _LEN.size
        if pos + rlen + 1 > end:
            raise CaseFileError("%s: truncated repr/flags of record %d" % (path, n))
        rep = bytes(mv[pos:pos + rlen])
        pos += rlen
        flags = data[pos]
        pos += 1
        n += 1
        yield Case(index, protocol, pick, rep, flags)


def read_cases(path):
    """All records of a case file, as a list of Case tuples."""
    return list(iter_cases(path))


class CaseWriter:
    """Write a case file record by record."""

    def __init__(self, path):
        self._f = open(path, "wb")
        self._f.write(MAGIC)
        self.count = 0

    def write(self, index, protocol, pickle_bytes, rep=b"", flags=0):
        if isinstance(rep, str):
            rep = rep.encode("utf-8", "surrogatepass")
        f = self._f
        f.write(_HEAD.pack(index, protocol, len(pickle_bytes)))
        f.write(pickle_bytes)
        f.write(_LEN.pack(len(rep)))
        f.write(rep)
        f.write(bytes((flags,)))
        self.count += 1

    def close(self):
        self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
