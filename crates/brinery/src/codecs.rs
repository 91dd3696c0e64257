use std::fmt;
#[derive(Debug)]
pub(crate) struct CodecError;
impl fmt::Display for CodecError { fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str("x") } }
pub(crate) fn decode(data: &[u8], _e: &str, _h: &str) -> Result<Vec<u8>, CodecError> { if data.is_ascii() { Ok(data.to_vec()) } else { Err(CodecError) } }
