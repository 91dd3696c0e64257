//! The one opcode table.
//!
//! Every pickle opcode (68 of them, protocols 0–5) is described here once, as
//! data: its byte, name, how its argument is framed in the stream, the protocol
//! that introduced it, what it takes from and leaves on the stack, and a
//! one-line description. The decoder, the encoder, the disassembler and the
//! scanner all consult this table; nothing else in the crate hard-codes an
//! opcode byte.

use std::fmt;

/// How an opcode's argument is laid out in the byte stream.
///
/// The names follow `pickletools`' argument descriptors, so a disassembly can
/// name them the same way.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// No argument.
    None,
    /// One unsigned byte.
    Uint1,
    /// Two-byte little-endian unsigned integer.
    Uint2,
    /// Four-byte little-endian signed integer.
    Int4,
    /// Four-byte little-endian unsigned integer.
    Uint4,
    /// Eight-byte little-endian unsigned integer.
    Uint8,
    /// Eight-byte big-endian IEEE-754 double.
    Float8,
    /// Newline-terminated decimal integer (short form, `INT`, `GET`, `PUT`).
    DecimalnlShort,
    /// Newline-terminated decimal integer with optional trailing `L` (`LONG`).
    DecimalnlLong,
    /// Newline-terminated float repr (`FLOAT`).
    Floatnl,
    /// Newline-terminated quoted Python string literal (`STRING`).
    Stringnl,
    /// Newline-terminated unquoted string (`PERSID`).
    StringnlNoescape,
    /// Two newline-terminated unquoted strings (`GLOBAL`, `INST`).
    StringnlNoescapePair,
    /// Newline-terminated raw-unicode-escape text (`UNICODE`).
    Unicodestringnl,
    /// One-byte length, then that many bytes (signed little-endian integer).
    Long1,
    /// Four-byte signed length, then that many bytes (signed little-endian integer).
    Long4,
    /// One-byte length, then that many bytes of a Python 2 `str`.
    String1,
    /// Four-byte signed length, then that many bytes of a Python 2 `str`.
    String4,
    /// One-byte length, then that many bytes.
    Bytes1,
    /// Four-byte unsigned length, then that many bytes.
    Bytes4,
    /// Eight-byte unsigned length, then that many bytes.
    Bytes8,
    /// Eight-byte unsigned length, then that many bytes (a `bytearray`).
    Bytearray8,
    /// One-byte length, then that many bytes of UTF-8.
    Unicodestring1,
    /// Four-byte unsigned length, then that many bytes of UTF-8.
    Unicodestring4,
    /// Eight-byte unsigned length, then that many bytes of UTF-8.
    Unicodestring8,
}

/// How the argument is framed, independent of how it is interpreted.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgLayout {
    /// No argument bytes.
    None,
    /// A fixed number of bytes.
    Fixed(u8),
    /// A little-endian length of the given width, then that many bytes.
    /// `signed` says whether the length is a signed integer.
    Counted { width: u8, signed: bool },
    /// Bytes up to and excluding a newline.
    Line,
    /// Two newline-terminated lines.
    TwoLines,
}

impl ArgKind {
    /// The `pickletools` name of this argument descriptor.
    pub const fn name(self) -> &'static str {
        match self {
            ArgKind::None => "none",
            ArgKind::Uint1 => "uint1",
            ArgKind::Uint2 => "uint2",
            ArgKind::Int4 => "int4",
            ArgKind::Uint4 => "uint4",
            ArgKind::Uint8 => "uint8",
            ArgKind::Float8 => "float8",
            ArgKind::DecimalnlShort => "decimalnl_short",
            ArgKind::DecimalnlLong => "decimalnl_long",
            ArgKind::Floatnl => "floatnl",
            ArgKind::Stringnl => "stringnl",
            ArgKind::StringnlNoescape => "stringnl_noescape",
            ArgKind::StringnlNoescapePair => "stringnl_noescape_pair",
            ArgKind::Unicodestringnl => "unicodestringnl",
            ArgKind::Long1 => "long1",
            ArgKind::Long4 => "long4",
            ArgKind::String1 => "string1",
            ArgKind::String4 => "string4",
            ArgKind::Bytes1 => "bytes1",
            ArgKind::Bytes4 => "bytes4",
            ArgKind::Bytes8 => "bytes8",
            ArgKind::Bytearray8 => "bytearray8",
            ArgKind::Unicodestring1 => "unicodestring1",
            ArgKind::Unicodestring4 => "unicodestring4",
            ArgKind::Unicodestring8 => "unicodestring8",
        }
    }

    /// How the argument is framed in the stream.
    pub const fn layout(self) -> ArgLayout {
        match self {
            ArgKind::None => ArgLayout::None,
            ArgKind::Uint1 => ArgLayout::Fixed(1),
            ArgKind::Uint2 => ArgLayout::Fixed(2),
            ArgKind::Int4 | ArgKind::Uint4 => ArgLayout::Fixed(4),
            ArgKind::Uint8 | ArgKind::Float8 => ArgLayout::Fixed(8),
            ArgKind::DecimalnlShort
            | ArgKind::DecimalnlLong
            | ArgKind::Floatnl
            | ArgKind::Stringnl
            | ArgKind::StringnlNoescape
            | ArgKind::Unicodestringnl => ArgLayout::Line,
            ArgKind::StringnlNoescapePair => ArgLayout::TwoLines,
            ArgKind::Long1 | ArgKind::String1 | ArgKind::Bytes1 | ArgKind::Unicodestring1 => {
                ArgLayout::Counted {
                    width: 1,
                    signed: false,
                }
            }
            ArgKind::Long4 | ArgKind::String4 => ArgLayout::Counted {
                width: 4,
                signed: true,
            },
            ArgKind::Bytes4 | ArgKind::Unicodestring4 => ArgLayout::Counted {
                width: 4,
                signed: false,
            },
            ArgKind::Bytes8 | ArgKind::Bytearray8 | ArgKind::Unicodestring8 => ArgLayout::Counted {
                width: 8,
                signed: false,
            },
        }
    }

    /// The `pickletools` `n` attribute: a fixed width (> 0), or a negative
    /// code for variable-length forms.
    pub const fn pickletools_n(self) -> i32 {
        match self {
            ArgKind::None => 0,
            ArgKind::Uint1 => 1,
            ArgKind::Uint2 => 2,
            ArgKind::Int4 | ArgKind::Uint4 => 4,
            ArgKind::Uint8 | ArgKind::Float8 => 8,
            ArgKind::DecimalnlShort
            | ArgKind::DecimalnlLong
            | ArgKind::Floatnl
            | ArgKind::Stringnl
            | ArgKind::StringnlNoescape
            | ArgKind::StringnlNoescapePair
            | ArgKind::Unicodestringnl => -1,
            ArgKind::Long1 | ArgKind::String1 | ArgKind::Bytes1 | ArgKind::Unicodestring1 => -2,
            ArgKind::Long4 | ArgKind::String4 => -3,
            ArgKind::Bytes4 | ArgKind::Unicodestring4 => -4,
            ArgKind::Bytes8 | ArgKind::Bytearray8 | ArgKind::Unicodestring8 => -5,
        }
    }
}

/// The kinds of things an opcode takes from, or leaves on, the stack
/// (`pickletools`' stack objects).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StackKind {
    Any,
    Mark,
    StackSlice,
    Int,
    IntOrBool,
    Bool,
    Float,
    BytesOrStr,
    Bytes,
    Bytearray,
    Buffer,
    Str,
    None,
    List,
    Tuple,
    Dict,
    Set,
    Frozenset,
}

impl StackKind {
    /// The `pickletools` name of this stack object.
    pub const fn name(self) -> &'static str {
        match self {
            StackKind::Any => "any",
            StackKind::Mark => "mark",
            StackKind::StackSlice => "stackslice",
            StackKind::Int => "int",
            StackKind::IntOrBool => "int_or_bool",
            StackKind::Bool => "bool",
            StackKind::Float => "float",
            StackKind::BytesOrStr => "bytes_or_str",
            StackKind::Bytes => "bytes",
            StackKind::Bytearray => "bytearray",
            StackKind::Buffer => "buffer",
            StackKind::Str => "str",
            StackKind::None => "None",
            StackKind::List => "list",
            StackKind::Tuple => "tuple",
            StackKind::Dict => "dict",
            StackKind::Set => "set",
            StackKind::Frozenset => "frozenset",
        }
    }
}

/// Everything known about one opcode.
#[derive(Debug)]
pub struct OpcodeInfo {
    /// The opcode as an enum.
    pub op: Opcode,
    /// The `pickletools` name, e.g. `"SHORT_BINUNICODE"`.
    pub name: &'static str,
    /// The byte that encodes it.
    pub code: u8,
    /// How its argument is laid out.
    pub arg: ArgKind,
    /// The protocol that introduced it.
    pub proto: u8,
    /// What it takes from the stack (topmost last).
    pub stack_before: &'static [StackKind],
    /// What it leaves on the stack (topmost last).
    pub stack_after: &'static [StackKind],
    /// One line on what it does.
    pub doc: &'static str,
}

macro_rules! opcode_table {
    ($( $variant:ident = $code:literal, $name:literal, $arg:ident, $proto:literal,
        [$($before:ident),*] -> [$($after:ident),*], $doc:literal; )*) => {
        /// A pickle opcode. The discriminant is its byte.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Opcode {
            $( #[doc = $doc] $variant = $code, )*
        }

        /// The table, in `pickletools`' order.
        pub static OPCODES: &[OpcodeInfo] = &[
            $( OpcodeInfo {
                op: Opcode::$variant,
                name: $name,
                code: $code,
                arg: ArgKind::$arg,
                proto: $proto,
                stack_before: &[$(StackKind::$before),*],
                stack_after: &[$(StackKind::$after),*],
                doc: $doc,
            }, )*
        ];

        const fn build_index() -> [u8; 256] {
            let mut idx = [u8::MAX; 256];
            let codes: &[u8] = &[$($code),*];
            let mut i = 0;
            while i < codes.len() {
                idx[codes[i] as usize] = i as u8;
                i += 1;
            }
            idx
        }

        impl Opcode {
            /// The argument kind, as a `const fn` (the table entry's `arg`).
            pub(crate) const fn arg_kind(self) -> ArgKind {
                match self {
                    $( Opcode::$variant => ArgKind::$arg, )*
                }
            }
        }

        /// The opcode of each byte (`None` for bytes that are no opcode).
        const fn build_by_byte() -> [Option<Opcode>; 256] {
            let mut t = [None; 256];
            let ops: &[Opcode] = &[$(Opcode::$variant),*];
            let mut i = 0;
            while i < ops.len() {
                t[ops[i] as u8 as usize] = Some(ops[i]);
                i += 1;
            }
            t
        }
    };
}

opcode_table! {
    Int = b'I', "INT", DecimalnlShort, 0, [] -> [IntOrBool],
        "Push an integer or bool written as decimal text (`01`/`00` are True/False).";
    BinInt = b'J', "BININT", Int4, 1, [] -> [Int],
        "Push a four-byte signed little-endian integer.";
    BinInt1 = b'K', "BININT1", Uint1, 1, [] -> [Int],
        "Push a one-byte unsigned integer.";
    BinInt2 = b'M', "BININT2", Uint2, 1, [] -> [Int],
        "Push a two-byte unsigned little-endian integer.";
    Long = b'L', "LONG", DecimalnlLong, 0, [] -> [Int],
        "Push an integer written as decimal text, optionally ending in `L`.";
    Long1 = 0x8a, "LONG1", Long1, 2, [] -> [Int],
        "Push an integer stored as up to 255 two's-complement little-endian bytes.";
    Long4 = 0x8b, "LONG4", Long4, 2, [] -> [Int],
        "Push an integer stored as a four-byte-counted two's-complement little-endian string.";
    String = b'S', "STRING", Stringnl, 0, [] -> [BytesOrStr],
        "Push a Python 2 str given as a quoted, escaped literal (decoded by the load encoding).";
    BinString = b'T', "BINSTRING", String4, 1, [] -> [BytesOrStr],
        "Push a Python 2 str with a four-byte signed length (decoded by the load encoding).";
    ShortBinString = b'U', "SHORT_BINSTRING", String1, 1, [] -> [BytesOrStr],
        "Push a Python 2 str with a one-byte length (decoded by the load encoding).";
    BinBytes = b'B', "BINBYTES", Bytes4, 3, [] -> [Bytes],
        "Push bytes with a four-byte unsigned length.";
    ShortBinBytes = b'C', "SHORT_BINBYTES", Bytes1, 3, [] -> [Bytes],
        "Push bytes with a one-byte length.";
    BinBytes8 = 0x8e, "BINBYTES8", Bytes8, 4, [] -> [Bytes],
        "Push bytes with an eight-byte unsigned length.";
    ByteArray8 = 0x96, "BYTEARRAY8", Bytearray8, 5, [] -> [Bytearray],
        "Push a bytearray with an eight-byte unsigned length.";
    NextBuffer = 0x97, "NEXT_BUFFER", None, 5, [] -> [Buffer],
        "Push the next out-of-band buffer supplied by the caller.";
    ReadonlyBuffer = 0x98, "READONLY_BUFFER", None, 5, [Buffer] -> [Buffer],
        "Make the buffer on top of the stack read-only.";
    None = b'N', "NONE", None, 0, [] -> [None],
        "Push None.";
    NewTrue = 0x88, "NEWTRUE", None, 2, [] -> [Bool],
        "Push True.";
    NewFalse = 0x89, "NEWFALSE", None, 2, [] -> [Bool],
        "Push False.";
    Unicode = b'V', "UNICODE", Unicodestringnl, 0, [] -> [Str],
        "Push a str given as newline-terminated raw-unicode-escape text.";
    ShortBinUnicode = 0x8c, "SHORT_BINUNICODE", Unicodestring1, 4, [] -> [Str],
        "Push a str of UTF-8 bytes with a one-byte length.";
    BinUnicode = b'X', "BINUNICODE", Unicodestring4, 1, [] -> [Str],
        "Push a str of UTF-8 bytes with a four-byte unsigned length.";
    BinUnicode8 = 0x8d, "BINUNICODE8", Unicodestring8, 4, [] -> [Str],
        "Push a str of UTF-8 bytes with an eight-byte unsigned length.";
    Float = b'F', "FLOAT", Floatnl, 0, [] -> [Float],
        "Push a float written as newline-terminated text.";
    BinFloat = b'G', "BINFLOAT", Float8, 1, [] -> [Float],
        "Push a float stored as an eight-byte big-endian IEEE-754 double.";
    EmptyList = b']', "EMPTY_LIST", None, 1, [] -> [List],
        "Push an empty list.";
    Append = b'a', "APPEND", None, 0, [List, Any] -> [List],
        "Append the top item to the list (or object) below it.";
    Appends = b'e', "APPENDS", None, 1, [List, Mark, StackSlice] -> [List],
        "Extend the list (or object) below the mark with the items above it.";
    List = b'l', "LIST", None, 0, [Mark, StackSlice] -> [List],
        "Replace the items above the topmost mark with a list of them.";
    EmptyTuple = b')', "EMPTY_TUPLE", None, 1, [] -> [Tuple],
        "Push an empty tuple.";
    Tuple = b't', "TUPLE", None, 0, [Mark, StackSlice] -> [Tuple],
        "Replace the items above the topmost mark with a tuple of them.";
    Tuple1 = 0x85, "TUPLE1", None, 2, [Any] -> [Tuple],
        "Replace the top item with a 1-tuple of it.";
    Tuple2 = 0x86, "TUPLE2", None, 2, [Any, Any] -> [Tuple],
        "Replace the top two items with a 2-tuple of them.";
    Tuple3 = 0x87, "TUPLE3", None, 2, [Any, Any, Any] -> [Tuple],
        "Replace the top three items with a 3-tuple of them.";
    EmptyDict = b'}', "EMPTY_DICT", None, 1, [] -> [Dict],
        "Push an empty dict.";
    Dict = b'd', "DICT", None, 0, [Mark, StackSlice] -> [Dict],
        "Replace the key/value pairs above the topmost mark with a dict of them.";
    SetItem = b's', "SETITEM", None, 0, [Dict, Any, Any] -> [Dict],
        "Set `dict[key] = value` from the top two items.";
    SetItems = b'u', "SETITEMS", None, 1, [Dict, Mark, StackSlice] -> [Dict],
        "Set every key/value pair above the mark into the dict (or object) below it.";
    EmptySet = 0x8f, "EMPTY_SET", None, 4, [] -> [Set],
        "Push an empty set.";
    AddItems = 0x90, "ADDITEMS", None, 4, [Set, Mark, StackSlice] -> [Set],
        "Add the items above the mark to the set (or object) below it.";
    FrozenSet = 0x91, "FROZENSET", None, 4, [Mark, StackSlice] -> [Frozenset],
        "Replace the items above the topmost mark with a frozenset of them.";
    Pop = b'0', "POP", None, 0, [Any] -> [],
        "Discard the top item (or the topmost mark).";
    Dup = b'2', "DUP", None, 0, [Any] -> [Any, Any],
        "Push a second reference to the top item.";
    Mark = b'(', "MARK", None, 0, [] -> [Mark],
        "Push a mark.";
    PopMark = b'1', "POP_MARK", None, 1, [Mark, StackSlice] -> [],
        "Discard everything down to and including the topmost mark.";
    Get = b'g', "GET", DecimalnlShort, 0, [] -> [Any],
        "Push the memo entry whose decimal key is given.";
    BinGet = b'h', "BINGET", Uint1, 1, [] -> [Any],
        "Push the memo entry with a one-byte key.";
    LongBinGet = b'j', "LONG_BINGET", Uint4, 1, [] -> [Any],
        "Push the memo entry with a four-byte key.";
    Put = b'p', "PUT", DecimalnlShort, 0, [] -> [],
        "Store the top item in the memo under a decimal key.";
    BinPut = b'q', "BINPUT", Uint1, 1, [] -> [],
        "Store the top item in the memo under a one-byte key.";
    LongBinPut = b'r', "LONG_BINPUT", Uint4, 1, [] -> [],
        "Store the top item in the memo under a four-byte key.";
    Memoize = 0x94, "MEMOIZE", None, 4, [Any] -> [Any],
        "Store the top item in the memo under the next free key.";
    Ext1 = 0x82, "EXT1", Uint1, 2, [] -> [Any],
        "Push the object registered under a one-byte extension code.";
    Ext2 = 0x83, "EXT2", Uint2, 2, [] -> [Any],
        "Push the object registered under a two-byte extension code.";
    Ext4 = 0x84, "EXT4", Int4, 2, [] -> [Any],
        "Push the object registered under a four-byte extension code.";
    Global = b'c', "GLOBAL", StringnlNoescapePair, 0, [] -> [Any],
        "Push a reference to module.name given as two lines.";
    StackGlobal = 0x93, "STACK_GLOBAL", None, 4, [Str, Str] -> [Any],
        "Replace module and name strings with a reference to module.name.";
    Reduce = b'R', "REDUCE", None, 0, [Any, Any] -> [Any],
        "Call the callable below with the argument tuple on top.";
    Build = b'b', "BUILD", None, 0, [Any, Any] -> [Any],
        "Apply the state on top to the object below (setstate or dict update).";
    Inst = b'i', "INST", StringnlNoescapePair, 0, [Mark, StackSlice] -> [Any],
        "Instantiate module.name with the items above the mark as arguments.";
    Obj = b'o', "OBJ", None, 1, [Mark, Any, StackSlice] -> [Any],
        "Instantiate the class just above the mark with the items above it.";
    NewObj = 0x81, "NEWOBJ", None, 2, [Any, Any] -> [Any],
        "Create cls.__new__(cls, *args) from a class and an argument tuple.";
    NewObjEx = 0x92, "NEWOBJ_EX", None, 4, [Any, Any, Any] -> [Any],
        "Create cls.__new__(cls, *args, **kwargs).";
    Proto = 0x80, "PROTO", Uint1, 2, [] -> [],
        "Declare the protocol version.";
    Stop = b'.', "STOP", None, 0, [Any] -> [],
        "End of pickle: the top item is the result.";
    Frame = 0x95, "FRAME", Uint8, 4, [] -> [],
        "Announce that the next n bytes form one frame.";
    PersId = b'P', "PERSID", StringnlNoescape, 0, [] -> [Any],
        "Push the object for a persistent id given as a line of text.";
    BinPersId = b'Q', "BINPERSID", None, 1, [Any] -> [Any],
        "Replace the persistent id on top with the object it names.";
}

static INDEX: [u8; 256] = build_index();
static BY_BYTE: [Option<Opcode>; 256] = build_by_byte();

impl Opcode {
    /// The opcode encoded by `byte`, if any.
    #[inline]
    pub fn from_byte(byte: u8) -> Option<Opcode> {
        BY_BYTE[byte as usize]
    }

    /// The table entry for this opcode.
    #[inline]
    pub fn info(self) -> &'static OpcodeInfo {
        // Every variant has an entry: the index is built from the same list.
        &OPCODES[INDEX[self as u8 as usize] as usize]
    }

    /// The `pickletools` name.
    #[inline]
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The byte that encodes this opcode.
    #[inline]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The argument kind.
    #[inline]
    pub fn arg(self) -> ArgKind {
        self.info().arg
    }

    /// The width in bytes of the length before a counted argument (1, 4
    /// or 8: `SHORT_BINUNICODE`, `BINBYTES`, `BYTEARRAY8`, ...); 0 when
    /// the argument is not counted.
    #[inline]
    pub(crate) const fn len_width(self) -> u8 {
        match self.arg_kind().layout() {
            ArgLayout::Counted { width, .. } => width,
            _ => 0,
        }
    }

    /// How many items TUPLE1, TUPLE2 and TUPLE3 take (the length of their
    /// `stack_before`); 0 for any other opcode.
    #[inline]
    pub(crate) const fn small_tuple_len(self) -> usize {
        match self {
            Opcode::Tuple1 => 1,
            Opcode::Tuple2 => 2,
            Opcode::Tuple3 => 3,
            _ => 0,
        }
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The table entry for a byte, if it is an opcode.
pub fn opcode_info(byte: u8) -> Option<&'static OpcodeInfo> {
    Opcode::from_byte(byte).map(Opcode::info)
}

/// The highest protocol brinery reads and writes.
pub const HIGHEST_PROTOCOL: u8 = 5;
/// The protocol CPython 3.8+ uses by default.
pub const DEFAULT_PROTOCOL: u8 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_complete_and_consistent() {
        assert_eq!(OPCODES.len(), 68);
        let mut seen = std::collections::HashSet::new();
        for info in OPCODES {
            assert!(seen.insert(info.code), "duplicate byte {:#x}", info.code);
            assert_eq!(info.op as u8, info.code);
            assert_eq!(Opcode::from_byte(info.code), Some(info.op));
            assert_eq!(info.op.info().name, info.name);
            assert!(info.proto <= HIGHEST_PROTOCOL);
        }
        for info in OPCODES {
            let n = info.op.small_tuple_len();
            if matches!(info.op, Opcode::Tuple1 | Opcode::Tuple2 | Opcode::Tuple3) {
                assert_eq!(n, info.stack_before.len(), "{}", info.name);
            } else {
                assert_eq!(n, 0, "{}", info.name);
            }
        }
        for info in OPCODES {
            assert_eq!(info.op.arg_kind(), info.arg);
        }
        assert_eq!(Opcode::from_byte(0), None);
        assert_eq!(Opcode::from_byte(0xff), None);
    }
}
