//! `fmt`: a parsed source file → its canonical text. Comments are kept in place; the result
//! is idempotent and means exactly what the input meant.

pub mod literal;
