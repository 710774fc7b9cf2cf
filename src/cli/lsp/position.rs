//! Byte offsets ↔ LSP positions. LSP counts a line's characters in the negotiated
//! encoding: UTF-16 code units by default (an emoji counts 2), UTF-8 bytes or UTF-32
//! (Unicode scalar values) when client and server agree on it at `initialize`.

use lsp_types::{Position, PositionEncodingKind, Range};

use crate::source::{SourceMap, Span};

/// The unit of `Position::character`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The encoding to use given what the client offers (in its order of preference):
    /// UTF-8 when offered (no conversion), else UTF-16, which every client supports.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.is_empty() || offered.contains(&PositionEncodingKind::UTF16) {
            Encoding::Utf16
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    fn units(self, text: &str) -> u32 {
        match self {
            Encoding::Utf8 => text.len() as u32,
            Encoding::Utf16 => text.encode_utf16().count() as u32,
            Encoding::Utf32 => text.chars().count() as u32,
        }
    }
}

/// The position of byte `offset` of `text` (clamped, on a char boundary).
pub fn position(text: &str, offset: usize, encoding: Encoding) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() as u32,
        character: encoding.units(&text[line_start..offset]),
    }
}

/// The byte offset of `pos` in `text`. A line past the end is the end of the text; a
/// character past the end of its line is the end of the line; a position inside a
/// character is its start.
pub fn offset(text: &str, pos: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8() as u32,
            Encoding::Utf16 => c.len_utf16() as u32,
            Encoding::Utf32 => 1,
        };
        if units > pos.character {
            return line_start + i;
        }
    }
    line_end
}

/// A span as an LSP range in its file.
pub fn range(span: Span, sources: &SourceMap, encoding: Encoding) -> Range {
    let text = &sources.get(span.file).text;
    Range {
        start: position(text, span.start as usize, encoding),
        end: position(text, span.end as usize, encoding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_counts_an_emoji_twice_and_round_trips() {
        let text = "a😀b\né\n";
        let b = text.find('b').unwrap();
        assert_eq!(position(text, b, Encoding::Utf16), Position::new(0, 3));
        assert_eq!(position(text, b, Encoding::Utf8), Position::new(0, 5));
        assert_eq!(position(text, b, Encoding::Utf32), Position::new(0, 2));
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            for (i, _) in text.char_indices() {
                assert_eq!(offset(text, position(text, i, enc), enc), i, "{enc:?} {i}");
            }
        }
        // Inside the surrogate pair: the emoji's start; past the line: its end.
        assert_eq!(offset(text, Position::new(0, 2), Encoding::Utf16), 1);
        assert_eq!(
            offset(text, Position::new(1, 99), Encoding::Utf16),
            text.len() - 1
        );
        assert_eq!(
            offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
    }
}
