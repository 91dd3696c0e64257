#!/usr/bin/env python3
"""Reference cases for brinery's codecs::decode, from this CPython.

Prints JSON lines. The first is {"python": "3.11.7"}; every other one is a
case: {"enc": ENCODING, "err": ERRORS, "data": HEX, ...} with either
"ok": HEX (the decoded str as s.encode("utf-8", "surrogatepass")) or
"exc": CLASS, "msg": str(exception).

Each result is what pickle.loads gives for a protocol 2 pickle holding the
bytes as a Python 2 str (BINSTRING) with encoding=ENCODING, errors=ERRORS,
so the cases test exactly the unpickler's PyUnicode_Decode call.

Usage: python3 codecs_cases.py [main|cjk] [SEED]

"main" (the default) covers encoding lookup, every error handler and every
codec module on edge cases and random data; "cjk" is the exhaustive part
for the CJK codecs brinery implements: every input of one and two bytes,
every JIS X 0212 triple of euc_jp, the four-byte forms of gb18030 over
whole ranges of first bytes, and euc_kr's make-up sequences.
"""

import encodings
import encodings.aliases
import importlib
import json
import pickle
import pkgutil
import random
import struct
import sys
import warnings

HANDLERS = [
    "strict",
    "ignore",
    "replace",
    "surrogateescape",
    "backslashreplace",
    "surrogatepass",
]
ODD_HANDLERS = ["xmlcharrefreplace", "namereplace", "bogus", "Strict", ""]


def result(data, enc, err):
    pkl = b"\x80\x02T" + struct.pack("<i", len(data)) + data + b"."
    case = {"enc": enc, "err": err, "data": data.hex()}
    try:
        s = pickle.loads(pkl, encoding=enc, errors=err)
    except Exception as e:  # noqa: BLE001 - every exception is a result
        case["exc"] = type(e).__name__
        case["msg"] = str(e)
    else:
        assert isinstance(s, str), (enc, s)
        case["ok"] = s.encode("utf-8", "surrogatepass").hex()
    return case


def emit(case):
    sys.stdout.write(json.dumps(case, ensure_ascii=True) + "\n")


def codec_modules():
    out = []
    for info in pkgutil.iter_modules(encodings.__path__):
        try:
            mod = importlib.import_module("encodings." + info.name)
        except ImportError:
            continue
        if hasattr(mod, "getregentry"):
            out.append((info.name, mod))
    return sorted(out)


def rand_bytes(rng, alphabet, lo, hi):
    return bytes(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


UTF8_BYTES = [
    0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
    0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5,
    0xF8, 0xFE, 0xFF,
]
UTF16_BYTES = [0x00, 0x41, 0x80, 0xD8, 0xDB, 0xDC, 0xDF, 0xE0, 0xFE, 0xFF]
UTF32_BYTES = [0x00, 0x01, 0x10, 0x11, 0x41, 0x80, 0xD8, 0xDC, 0xFE, 0xFF]


def utf8_samples(rng):
    out = [
        b"", b"a", b"\xe9", b"abc\xe9def", b"\xc3\xa9", b"\xe2\x82\xac",
        b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\x9f\xbf",
        b"\xe0\x80\x80", b"\xe0\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80",
        b"\xf4\x8f\xbf\xbf", b"\xf0\x80\x80\x80", b"\xe2\x82", b"\xe2\x82A",
        b"\xf0\x9f\x98", b"\xf0\x9f", b"\xf0", b"\xed\xa0", b"\xed\xa0\x80\xed\xb0\x80",
        b"\xef\xbb\xbfabc", b"\xef\xbb\xbf", b"\xef\xbb", b"\x80\x80\x80\x80\x80",
        b"\xed\xa0\x80\x80\x80",
    ]
    for _ in range(300):
        out.append(rand_bytes(rng, UTF8_BYTES, 1, 8))
    for _ in range(60):
        cps = [rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x7FF),
                           rng.randint(0x800, 0xFFFF), rng.randint(0x10000, 0x10FFFF)])
               for _ in range(rng.randint(1, 5))]
        b = "".join(map(chr, cps)).encode("utf-8", "surrogatepass")
        if rng.random() < 0.5 and b:
            i = rng.randrange(len(b))
            b = b[:i] + bytes([rng.choice(UTF8_BYTES)]) + b[i:]
        out.append(b)
    return out


def utf16_samples(rng):
    out = [
        b"", b"a", b"a\x00", b"\xff\xfe", b"\xfe\xff", b"\xff\xfea\x00", b"\xfe\xff\x00a",
        b"\xff\xfe\x00", b"\x00\xd8", b"\x00\xd8\x00", b"\x00\xd8\x00\xdc",
        b"\x00\xdc", b"\x00\xd8a\x00", b"\xd8\x00\xdc\x00", b"\x80\xdc\x00\xd8",
        b"\x80\xdc\x80\xdc", b"\x00\xd8\x00\xd8\x00\xdc",
    ]
    for _ in range(300):
        out.append(rand_bytes(rng, UTF16_BYTES, 1, 12))
    return out


def utf32_samples(rng):
    out = [
        b"", b"a", b"a\x00\x00\x00", b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff",
        b"\xff\xfe\x00\x00a\x00\x00\x00", b"\x00\x00\xfe\xff\x00\x00\x00a",
        b"\x00\xd8\x00\x00", b"\x00\x00\x11\x00", b"\xff\xff\x10\x00", b"\x80\x80\x80",
        b"\x81\x81\x81", b"a\x00\x00\x00\x80", b"\xff\xff\xff\xff\x41\x00\x00\x00",
        b"\x80\x80\x80\x80\x80\x41\x00\x00\x00", b"\x00\xd8\x00\x00\x41\x00\x00\x00",
        b"\xff\xfe\x00\x00\x00\xdc\x00\x00", b"\x00\x00\xfe\xff\x00\x00\xdc\x00",
    ]
    for _ in range(300):
        out.append(rand_bytes(rng, UTF32_BYTES, 1, 13))
    for _ in range(100):
        out.append(rand_bytes(rng, [0x00, 0x41, 0x80, 0xD8, 0xFF], 5, 13))
    return out


def byte_samples(rng, n):
    out = [b"", bytes(range(256)), bytes(range(255, -1, -1)), b"abc", b"\x80\x81\x8d\x8f\x90\x9d"]
    for _ in range(n):
        out.append(rand_bytes(rng, list(range(256)), 1, 10))
    return out


CJK = ["cp932", "shift_jis", "euc_jp", "cp949", "euc_kr", "gb18030", "gbk", "gb2312"]


def cjk_pool(name):
    """Characters the codec decodes from two bytes, plus some it encodes longer."""
    pool = []
    for lead in range(0x80, 0x100):
        for trail in range(0x40, 0x100):
            try:
                s = bytes([lead, trail]).decode(name)
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                pool.append(s)
    extra = "".join(chr(c) for c in range(0xFF61, 0xFFA0))  # half-width katakana
    extra += "".join(chr(c) for c in range(0xAC00, 0xD7A4, 37))  # hangul syllables
    extra += "\u0080\u00e9\u20ac\u1e3f\ue7c7\U00010000\U0010ffff\U0002a6d6~\\"
    for ch in extra:
        try:
            ch.encode(name)
        except UnicodeEncodeError:
            continue
        pool.append(ch)
    return pool


def cjk_samples(rng, name, pool, n):
    out = []
    for _ in range(n):
        text = "".join(rng.choice(pool) if rng.random() < 0.7 else chr(rng.randint(0x20, 0x7E))
                       for _ in range(rng.randint(1, 6)))
        b = bytearray(text.encode(name))
        for _ in range(rng.choice([0, 0, 1, 2])):
            op = rng.randrange(3)
            i = rng.randrange(len(b) + 1)
            if op == 0:
                b[i:i] = bytes([rng.randrange(256)])
            elif op == 1 and i < len(b):
                del b[i]
            elif i < len(b):
                b[i] = rng.randrange(256)
        if rng.random() < 0.2 and b:
            b = b[: rng.randrange(len(b))]
        out.append(bytes(b))
    return out


def cjk_exhaustive(rng):
    for name in CJK:
        for lead in range(0x80, 0x100):
            yield result(bytes([lead]), name, "strict")
            for trail in range(0x100):
                yield result(bytes([lead, trail]), name, "strict")
    for b2 in range(0xA1, 0xFF):
        for b3 in range(0xA1, 0xFF):
            yield result(bytes([0x8F, b2, b3]), "euc_jp", "strict")
    for b2 in [0x00, 0x41, 0x80, 0xA0, 0xFF]:
        for b3 in [0x00, 0x41, 0x80, 0xA0, 0xA1, 0xFE, 0xFF]:
            yield result(bytes([0x8F, b2, b3]), "euc_jp", "strict")
            yield result(bytes([0x8F, b3, b2]), "euc_jp", "strict")
    for b1 in [0x80, 0x81, 0x82, 0x84, 0x85, 0x8F, 0x90, 0xE3, 0xE4, 0xFE, 0xFF]:
        for b2 in range(0x30, 0x3A):
            for b3 in range(0x80, 0x100):
                for b4 in range(0x30, 0x3A):
                    yield result(bytes([b1, b2, b3, b4]), "gb18030", "strict")
    for _ in range(20000):
        data = bytes([rng.randint(0x81, 0xFE), rng.randint(0x30, 0x39),
                      rng.randint(0x81, 0xFE), rng.randint(0x30, 0x39)])
        yield result(data, "gb18030", "strict")
    for _ in range(2000):
        data = bytes([rng.randint(0x80, 0xFF), rng.randint(0x30, 0x39),
                      rng.randint(0, 0xFF), rng.randint(0, 0xFF)])
        yield result(data[: rng.randint(2, 4)], "gb18030", rng.choice(HANDLERS))
    jamo = list(range(0xA0, 0xC0)) + list(range(0xD2, 0xD6)) + [0x41, 0xFF]
    for cho in jamo:
        for jung in list(range(0xBE, 0xD5)) + [0x41]:
            for jong in jamo:
                yield result(bytes([0xA4, 0xD4, 0xA4, cho, 0xA4, jung, 0xA4, jong]), "euc_kr", "strict")
    for _ in range(3000):
        data = bytearray(b"\xa4\xd4\xa4\xa1\xa4\xbf\xa4\xd4")
        for _ in range(rng.randint(1, 2)):
            data[rng.randrange(8)] = rng.choice([0xA4, 0xD4, 0xA1, 0xBE, 0xBF, 0xD3, 0x41, 0x80])
        yield result(bytes(data[: rng.randint(2, 8)]), "euc_kr", rng.choice(HANDLERS))


def cases(rng):
    mods = codec_modules()
    names = [m for m, _ in mods]

    # 1. Lookup: every alias and module name, spelled in several ways.
    spellings = set()
    for name in list(encodings.aliases.aliases) + list(encodings.aliases.aliases.values()) + names:
        spellings.add(name)
        spellings.add(name.upper())
        spellings.add(name.replace("_", "-"))
        spellings.add(name.replace("_", " ").title())
        spellings.add(" %s--" % name.replace("_", ".-"))
        spellings.add(name.replace("_", "."))
        spellings.add(name.replace("_", ""))
    spellings.update([
        "", " ", "-", "foo", "utf..8", "u.t.f-8", "utf.8", "encodings.utf_8", "\u00fctf8",
        "\u00e4utf8", "utf8\u00e4", "UTF 8", "utf-8 ", "__utf_8__", "latin--1", "iso.8859.1",
        "iso8859.1", "iso_8859.1", "aliases", "mbcs", "dbcs", "oem", "hex", "HEX", "rot13",
        "rot-13", "base64", "zlib", "undefined", "UNDEFINED", "utf-8\x00x", "x" * 40,
        "iso-8859-1-and-more", "utf_8_", "latin_1_", "us-ascii", "US_ASCII", "646",
        "cp65001", "utf8-ucs2", "tis620", "ms-kanji", "BYTES", "bytes ",
    ])
    for name in sorted(spellings):
        yield result(b"ab", name, "strict")
        yield result(b"ab\xe9\x80", name, "strict")
        yield result(b"ab\xe9\x80", name, "replace")
        yield result(b"", name, "strict")
    yield result(b"a", "utf-8", "strict\x00")

    # 2. Decoding, under several spellings (fast path and registry path).
    groups = [
        (["utf-8", "u8", "UTF8", "utf_8_sig", "utf-8-sig"], utf8_samples(rng)),
        (["utf-16", "utf-16-le", "UTF-16BE", "u16", "utf_16le"], utf16_samples(rng)),
        (["utf-32", "utf-32-le", "UTF-32BE", "u32", "utf_32be"], utf32_samples(rng)),
        (["ascii", "646", "US-ASCII", "latin-1", "l1", "iso-8859-1", "charmap", "iso8859_1"],
         byte_samples(rng, 120)),
        (["undefined", "hex"], [b"a", b"\xff"]),
    ]
    for spellings, samples in groups:
        for i, enc in enumerate(spellings):
            # the first spelling gets every sample, the others a share
            chosen = samples if i == 0 else samples[::4]
            for data in chosen:
                for err in HANDLERS:
                    yield result(data, enc, err)
            for data in chosen[::8]:
                for err in ODD_HANDLERS:
                    yield result(data, enc, err)

    # 3. CJK codecs: random text in the codec, then damaged.
    for name in CJK:
        pool = cjk_pool(name)
        for data in cjk_samples(rng, name, pool, 150):
            for err in HANDLERS:
                yield result(data, name, err)
        for data in cjk_samples(rng, name, pool, 10):
            for err in ODD_HANDLERS:
                yield result(data, name, err)

    # 4. Every codec module: single bytes, then random strings.
    for name in names:
        for b in range(256):
            yield result(bytes([b]), name, "strict")
        for data in byte_samples(rng, 25):
            for err in HANDLERS:
                yield result(data, name, err)
            yield result(data, name, rng.choice(ODD_HANDLERS))


def main():
    # unicode_escape warns about invalid escapes in random data
    warnings.simplefilter("ignore")
    mode = sys.argv[1] if len(sys.argv) > 1 else "main"
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20240601
    rng = random.Random(seed)
    emit({"python": "%d.%d.%d" % sys.version_info[:3]})
    for case in {"main": cases, "cjk": cjk_exhaustive}[mode](rng):
        emit(case)


if __name__ == "__main__":
    main()
