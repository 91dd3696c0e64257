//! Element types of PyTorch tensors.

use std::fmt;

/// A tensor element type, named as torch names it.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `torch.bool`
    Bool,
    /// `torch.uint8`
    U8,
    /// `torch.int8`
    I8,
    /// `torch.int16`
    I16,
    /// `torch.uint16`
    U16,
    /// `torch.int32`
    I32,
    /// `torch.uint32`
    U32,
    /// `torch.int64`
    I64,
    /// `torch.uint64`
    U64,
    /// `torch.float16`
    F16,
    /// `torch.bfloat16`
    BF16,
    /// `torch.float32`
    F32,
    /// `torch.float64`
    F64,
    /// `torch.complex32` (two float16)
    C32,
    /// `torch.complex64` (two float32)
    C64,
    /// `torch.complex128` (two float64)
    C128,
    /// `torch.float8_e4m3fn`
    F8E4M3FN,
    /// `torch.float8_e5m2`
    F8E5M2,
    /// `torch.float8_e4m3fnuz`
    F8E4M3FNUZ,
    /// `torch.float8_e5m2fnuz`
    F8E5M2FNUZ,
    /// `torch.float8_e8m0fnu`
    F8E8M0FNU,
}

const TABLE: &[(DType, &str, usize)] = &[
    (DType::Bool, "bool", 1),
    (DType::U8, "uint8", 1),
    (DType::I8, "int8", 1),
    (DType::I16, "int16", 2),
    (DType::U16, "uint16", 2),
    (DType::I32, "int32", 4),
    (DType::U32, "uint32", 4),
    (DType::I64, "int64", 8),
    (DType::U64, "uint64", 8),
    (DType::F16, "float16", 2),
    (DType::BF16, "bfloat16", 2),
    (DType::F32, "float32", 4),
    (DType::F64, "float64", 8),
    (DType::C32, "complex32", 4),
    (DType::C64, "complex64", 8),
    (DType::C128, "complex128", 16),
    (DType::F8E4M3FN, "float8_e4m3fn", 1),
    (DType::F8E5M2, "float8_e5m2", 1),
    (DType::F8E4M3FNUZ, "float8_e4m3fnuz", 1),
    (DType::F8E5M2FNUZ, "float8_e5m2fnuz", 1),
    (DType::F8E8M0FNU, "float8_e8m0fnu", 1),
];

impl DType {
    /// All element types.
    pub fn all() -> impl Iterator<Item = DType> {
        TABLE.iter().map(|t| t.0)
    }

    fn entry(self) -> &'static (DType, &'static str, usize) {
        TABLE.iter().find(|t| t.0 == self).unwrap_or(&TABLE[0])
    }

    /// torch's name without the `torch.` prefix (`"float32"`).
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        self.entry().2
    }

    /// The unit that byte order applies to: the element size, or half of
    /// it for complex numbers.
    pub fn swap_unit(self) -> usize {
        match self {
            DType::C32 | DType::C64 | DType::C128 => self.size() / 2,
            _ => self.size(),
        }
    }

    /// Whether this is a complex type.
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C32 | DType::C64 | DType::C128)
    }

    /// The real type of a complex one's parts.
    pub fn complex_part(self) -> Option<DType> {
        match self {
            DType::C32 => Some(DType::F16),
            DType::C64 => Some(DType::F32),
            DType::C128 => Some(DType::F64),
            _ => None,
        }
    }

    /// The little-endian numpy type string (`"<f4"`), when numpy has one.
    pub fn numpy_descr(self) -> Option<&'static str> {
        Some(match self {
            DType::Bool => "|b1",
            DType::U8 => "|u1",
            DType::I8 => "|i1",
            DType::I16 => "<i2",
            DType::U16 => "<u2",
            DType::I32 => "<i4",
            DType::U32 => "<u4",
            DType::I64 => "<i8",
            DType::U64 => "<u8",
            DType::F16 => "<f2",
            DType::F32 => "<f4",
            DType::F64 => "<f8",
            DType::C64 => "<c8",
            DType::C128 => "<c16",
            _ => return None,
        })
    }

    /// From a torch dtype name (`float32`, `float`, `half`, `long`, ...).
    pub fn from_name(name: &str) -> Option<DType> {
        let canonical = match name {
            "float" => "float32",
            "double" => "float64",
            "half" => "float16",
            "long" => "int64",
            "int" => "int32",
            "short" => "int16",
            "cfloat" => "complex64",
            "cdouble" => "complex128",
            "chalf" => "complex32",
            n => n,
        };
        TABLE.iter().find(|t| t.1 == canonical).map(|t| t.0)
    }

    /// From a typed storage class name (`FloatStorage`, `BoolStorage`, ...).
    /// `UntypedStorage` (and the legacy `ByteStorage`) give `uint8`.
    pub fn from_storage_name(name: &str) -> Option<DType> {
        Some(match name {
            "DoubleStorage" => DType::F64,
            "FloatStorage" => DType::F32,
            "HalfStorage" => DType::F16,
            "BFloat16Storage" => DType::BF16,
            "LongStorage" => DType::I64,
            "IntStorage" => DType::I32,
            "ShortStorage" => DType::I16,
            "CharStorage" => DType::I8,
            "ByteStorage" | "UntypedStorage" => DType::U8,
            "BoolStorage" => DType::Bool,
            "ComplexFloatStorage" => DType::C64,
            "ComplexDoubleStorage" => DType::C128,
            _ => return None,
        })
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in DType::all() {
            assert_eq!(DType::from_name(d.name()), Some(d));
            assert!(d.size() >= 1 && d.swap_unit() >= 1);
        }
        assert_eq!(DType::from_name("half"), Some(DType::F16));
        assert_eq!(DType::from_storage_name("BoolStorage"), Some(DType::Bool));
        assert_eq!(DType::from_storage_name("UntypedStorage"), Some(DType::U8));
        assert_eq!(DType::C128.swap_unit(), 8);
        assert_eq!(DType::all().count(), 21);
    }
}
