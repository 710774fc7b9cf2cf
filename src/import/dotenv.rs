//! A dotenv reader: the text of one `.env` file → its entries (key, value, how the value was
//! built, the comments around it), or every line that is not a valid entry.
//!
//! The dialect is docker compose's `env_file` (compose-go) with python-dotenv's treatment of
//! comments; `docs/authoring.md` spells it out. In short:
//!
//! - `KEY=VALUE`, optional `export ` prefix, spaces around `=` allowed; keys are
//!   `[A-Za-z0-9_.-]+`. Blank lines and `#` lines are skipped.
//! - Unquoted values run to the end of the line; a `#` preceded by whitespace starts a
//!   comment; the value is trimmed. No escapes.
//! - `"…"`: may span lines; escapes `\n \r \t \\ \" \$` are decoded, any other backslash
//!   stays as written.
//! - `'…'`: may span lines; only `\'` is an escape (`\\` stays two backslashes). `` `…` ``:
//!   may span lines; literal (Node dotenv's backtick quoting, which compose lacks).
//! - `$$` is a literal `$` wherever expansion happens.
//! - After a closing quote only whitespace and a `#` comment may follow.
//! - `${NAME}` and `$NAME` expand in unquoted and double-quoted values, with the compose
//!   modifiers `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`, `${NAME+alt}`,
//!   `${NAME:?msg}`, `${NAME?msg}`. Only keys defined on an earlier line of the same file are
//!   seen; the process environment is deliberately ignored so a draft does not depend on the
//!   shell it was made in. An unknown name expands to the empty string (with a warning).
//! - A key defined twice: the last definition wins (with a warning).
//! - CR LF line endings are read as LF.
//!
//! Invariant: [`Entry::value`] is exactly the string a compose `env_file` reader would hand the
//! application (given an empty process environment), and [`Entry::parts`] concatenates to it.

use indexmap::IndexMap;

/// A piece of a value: literal text, or a reference to a key defined earlier in the file
/// (kept so the draft can say `${NAME}` instead of a copy of the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text (escapes already decoded).
    Text(String),
    /// `${NAME}` or `$NAME` naming a key defined above; `value` is what it expanded to.
    Ref {
        /// The key referenced.
        name: String,
        /// What the reference expanded to.
        value: String,
    },
}

/// How the value was quoted in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// Unquoted.
    None,
    /// `"…"`: escapes and `${…}` expansion apply.
    Double,
    /// `'…'`: taken literally.
    Single,
    /// `` `…` ``: taken literally.
    Backtick,
}

/// One `KEY=VALUE` definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The variable's name.
    pub key: String,
    /// The value the application sees (expanded, escapes decoded).
    pub value: String,
    /// `value`, split into literal text and references to earlier keys.
    pub parts: Vec<Part>,
    /// How the value was quoted (the draft keeps literal text literal).
    pub quote: Quote,
    /// 1-based line of the key.
    pub line: usize,
    /// The `#` comment lines directly above this entry (text after `#`), up to the previous
    /// entry; blank lines in between are allowed.
    pub comments_above: Vec<String>,
    /// A comment after the value on the same line (text after `#`).
    pub trailing_comment: Option<String>,
    /// A blank line separates this entry (or the comments above it) from the previous
    /// entry: the file's own grouping, which the draft keeps.
    pub blank_before: bool,
}

/// A problem with one line; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line of the problem.
    pub line: usize,
    /// What is wrong, in one sentence.
    pub message: String,
}

/// The entries of one file, last definition of each key only, in the order of their first
/// definition. `comments_after` holds comment lines after the last entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// One entry per key, in the order of its first definition.
    pub entries: Vec<Entry>,
    /// The `#` comment lines after the last entry (text after `#`).
    pub comments_after: Vec<String>,
    /// Lines read with a problem that did not stop them (a key defined twice).
    pub warnings: Vec<LineError>,
}

/// Reads one file's text. Every malformed line is reported (not only the first).
pub fn parse(text: &str) -> Result<Parsed, Vec<LineError>> {
    let text = text.replace("\r\n", "\n");
    let mut reader = Reader {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        defined: IndexMap::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut entries: IndexMap<String, Entry> = IndexMap::new();
    let mut pending_comments: Vec<String> = Vec::new();
    let mut blank_seen = false;
    while !reader.at_end() {
        reader.skip_blanks();
        match reader.peek() {
            None => break,
            Some('\n') => {
                // Comments and entries consume their own line end, so a newline here
                // is a blank line.
                reader.bump();
                blank_seen = true;
            }
            Some('#') => {
                reader.bump();
                pending_comments.push(reader.rest_of_line());
            }
            Some(_) => {
                let start_line = reader.line;
                match reader.entry() {
                    Ok(mut entry) => {
                        entry.comments_above = std::mem::take(&mut pending_comments);
                        entry.blank_before = std::mem::take(&mut blank_seen);
                        reader
                            .defined
                            .insert(entry.key.clone(), entry.value.clone());
                        if let Some(old) = entries.get_mut(&entry.key) {
                            reader.warnings.push(LineError {
                                line: entry.line,
                                message: format!(
                                    "`{}` is also defined on line {}; the last definition wins",
                                    entry.key, old.line
                                ),
                            });
                            // Keep the comments written above the first definition.
                            if entry.comments_above.is_empty() {
                                entry.comments_above = std::mem::take(&mut old.comments_above);
                            }
                            *old = entry;
                        } else {
                            entries.insert(entry.key.clone(), entry);
                        }
                    }
                    Err(message) => {
                        reader.errors.push(LineError {
                            line: start_line,
                            message,
                        });
                        pending_comments.clear();
                        reader.skip_line();
                    }
                }
            }
        }
    }
    if !reader.errors.is_empty() {
        return Err(reader.errors);
    }
    let mut entries: Vec<Entry> = entries.into_values().collect();
    unlink_stale_refs(&mut entries);
    Ok(Parsed {
        entries,
        comments_after: pending_comments,
        warnings: reader.warnings,
    })
}

/// A reference to a key that is redefined later in the file saw the older value; the draft
/// cannot express "the value this key had three lines ago", so such references become text.
fn unlink_stale_refs(entries: &mut [Entry]) {
    let finals: IndexMap<String, String> = entries
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    let lines: IndexMap<String, usize> = entries.iter().map(|e| (e.key.clone(), e.line)).collect();
    for entry in entries.iter_mut() {
        let line = entry.line;
        for part in &mut entry.parts {
            if let Part::Ref { name, value } = part {
                let stale = finals.get(name.as_str()) != Some(value)
                    || lines.get(name.as_str()).map_or(true, |&l| l >= line);
                if stale {
                    *part = Part::Text(std::mem::take(value));
                }
            }
        }
        entry.parts = merge_text(std::mem::take(&mut entry.parts));
    }
}

/// Joins adjacent text parts and drops empty ones.
fn merge_text(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::new();
    for part in parts {
        match part {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => {
                if let Some(Part::Text(prev)) = out.last_mut() {
                    prev.push_str(&t);
                } else {
                    out.push(Part::Text(t));
                }
            }
            r => out.push(r),
        }
    }
    out
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    /// Keys defined so far and their values (what `${NAME}` sees).
    defined: IndexMap<String, String>,
    errors: Vec<LineError>,
    warnings: Vec<LineError>,
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Reader {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Spaces and tabs (not newlines).
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// The rest of the line (without the newline, which is consumed).
    fn rest_of_line(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            if c == '\n' {
                break;
            }
            out.push(c);
        }
        out
    }

    fn skip_line(&mut self) {
        self.rest_of_line();
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn entry(&mut self) -> Result<Entry, String> {
        let line = self.line;
        // `export KEY=…`: the prefix needs whitespace after it, so a key named `export`
        // (`export=1`) still reads as a key.
        if self.starts_with("export") && matches!(self.peek_at(6), Some(' ' | '\t')) {
            self.pos += 6;
            self.skip_blanks();
        }
        let mut key = String::new();
        while let Some(c) = self.peek().filter(|&c| is_key_char(c)) {
            key.push(c);
            self.bump();
        }
        if key.is_empty() {
            let found = self.peek().map_or("end of line".to_string(), describe);
            return Err(format!("expected `KEY=VALUE`, found {found}"));
        }
        self.skip_blanks();
        match self.peek() {
            Some('=') => {
                self.bump();
            }
            None | Some('\n') => {
                return Err(format!(
                    "`{key}` has no `=` (compose would take its value from the host environment, which a draft cannot see); write `{key}=VALUE`"
                ));
            }
            Some(c) => {
                return Err(format!(
                    "expected `=` after `{key}`, found {}; keys may only contain letters, digits, `_`, `.` and `-`",
                    describe(c)
                ))
            }
        }
        self.skip_blanks();
        let (parts, quote, trailing_comment) = match self.peek() {
            Some('"') => {
                self.bump();
                let parts = self.double_quoted(line)?;
                (parts, Quote::Double, self.after_quote()?)
            }
            Some('\'') => {
                self.bump();
                let text = self.single_quoted(line)?;
                (vec![Part::Text(text)], Quote::Single, self.after_quote()?)
            }
            Some('`') => {
                self.bump();
                let text = self.backticked(line)?;
                (vec![Part::Text(text)], Quote::Backtick, self.after_quote()?)
            }
            _ => {
                let (parts, comment) = self.unquoted()?;
                (parts, Quote::None, comment)
            }
        };
        let parts = merge_text(parts);
        let value = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.as_str(),
                Part::Ref { value, .. } => value.as_str(),
            })
            .collect();
        Ok(Entry {
            key,
            value,
            parts,
            quote,
            line,
            comments_above: Vec::new(),
            trailing_comment,
            blank_before: false,
        })
    }

    /// After a closing quote: blanks, then an optional comment, then the end of the line.
    fn after_quote(&mut self) -> Result<Option<String>, String> {
        self.skip_blanks();
        match self.peek() {
            None => Ok(None),
            Some('\n') => {
                self.bump();
                Ok(None)
            }
            Some('#') => {
                self.bump();
                Ok(Some(self.rest_of_line()))
            }
            Some(c) => Err(format!(
                "unexpected {} after the closing quote (line {}); quote the whole value",
                describe(c),
                self.line
            )),
        }
    }

    fn unquoted(&mut self) -> Result<(Vec<Part>, Option<String>), String> {
        // Before the loop consumes the newline: warnings name the value's own line.
        let line = self.line;
        let mut raw: Vec<char> = Vec::new();
        let mut comment = None;
        while let Some(c) = self.peek() {
            if c == '\n' {
                self.bump();
                break;
            }
            // python-dotenv and compose: ` #` (whitespace, then `#`) starts a comment.
            if c == '#' && raw.last().is_some_and(|p| p.is_whitespace()) {
                self.bump();
                comment = Some(self.rest_of_line());
                break;
            }
            raw.push(c);
            self.bump();
        }
        let text: String = raw.into_iter().collect();
        let text = text.trim();
        let parts = self.expand(text, line)?;
        Ok((parts, comment))
    }

    fn double_quoted(&mut self, start_line: usize) -> Result<Vec<Part>, String> {
        // Collect the raw body with escapes decoded, marking `$` that came from `\$` so
        // expansion skips it.
        let mut body: Vec<(char, bool)> = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(format!(
                    "the double-quoted value that starts on line {start_line} is never closed"
                ));
            };
            match c {
                '"' => break,
                '\\' => match self.peek() {
                    Some(e @ ('n' | 'r' | 't' | '\\' | '"' | '$')) => {
                        self.bump();
                        let decoded = match e {
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            other => other,
                        };
                        body.push((decoded, true));
                    }
                    _ => body.push(('\\', true)),
                },
                c => body.push((c, false)),
            }
        }
        self.expand_marked(&body, start_line)
    }

    fn single_quoted(&mut self, start_line: usize) -> Result<String, String> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(format!(
                    "the single-quoted value that starts on line {start_line} is never closed"
                ));
            };
            match c {
                '\'' => return Ok(out),
                // compose: a backslash takes the next character with it (so `\\'` ends
                // the value), and only `\'` is decoded.
                '\\' => match self.bump() {
                    Some('\'') => out.push('\''),
                    Some(next) => {
                        out.push('\\');
                        out.push(next);
                    }
                    None => out.push('\\'),
                },
                c => out.push(c),
            }
        }
    }

    fn backticked(&mut self, start_line: usize) -> Result<String, String> {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(format!(
                        "the backtick-quoted value that starts on line {start_line} is never closed"
                    ))
                }
                Some('`') => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    fn expand(&mut self, text: &str, line: usize) -> Result<Vec<Part>, String> {
        let marked: Vec<(char, bool)> = text.chars().map(|c| (c, false)).collect();
        self.expand_marked(&marked, line)
    }

    /// Expands `$NAME` / `${…}` in `body`; chars marked `true` came from escapes and are
    /// literal.
    fn expand_marked(&mut self, body: &[(char, bool)], line: usize) -> Result<Vec<Part>, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut i = 0;
        while i < body.len() {
            let (c, escaped) = body[i];
            if c != '$' || escaped {
                text.push(c);
                i += 1;
                continue;
            }
            match body.get(i + 1).copied() {
                // compose: `$$` is a literal `$`.
                Some(('$', false)) => {
                    text.push('$');
                    i += 2;
                }
                Some(('{', false)) => {
                    let Some(close) = matching_brace(body, i + 2) else {
                        return Err(format!("`${{` on line {line} is never closed with `}}`"));
                    };
                    let inner: Vec<(char, bool)> = body[i + 2..close].to_vec();
                    let expanded = self.braced(&inner, line)?;
                    parts.push(Part::Text(std::mem::take(&mut text)));
                    parts.extend(expanded);
                    i = close + 1;
                }
                Some((n, false)) if is_name_start(n) => {
                    let mut j = i + 1;
                    let mut name = String::new();
                    while let Some(&(c, false)) = body.get(j) {
                        if !is_name_char(c) {
                            break;
                        }
                        name.push(c);
                        j += 1;
                    }
                    parts.push(Part::Text(std::mem::take(&mut text)));
                    parts.push(self.reference(&name, line));
                    i = j;
                }
                _ => {
                    text.push('$');
                    i += 1;
                }
            }
        }
        parts.push(Part::Text(text));
        Ok(parts)
    }

    /// The inside of `${…}`: a name, optionally followed by a compose modifier.
    fn braced(&mut self, inner: &[(char, bool)], line: usize) -> Result<Vec<Part>, String> {
        let name: String = inner
            .iter()
            .map(|&(c, _)| c)
            .take_while(|&c| is_name_char(c))
            .collect();
        let written: String = inner.iter().map(|&(c, _)| c).collect();
        if name.is_empty() || !is_name_start(name.chars().next().unwrap_or('0')) {
            return Err(format!(
                "`${{{written}}}` on line {line} is not a variable reference"
            ));
        }
        let rest = &inner[name.len()..];
        if rest.is_empty() {
            return Ok(vec![self.reference(&name, line)]);
        }
        let rest_text: String = rest.iter().map(|&(c, _)| c).collect();
        let (op, arg_start) = if rest_text.starts_with(":-")
            || rest_text.starts_with(":+")
            || rest_text.starts_with(":?")
        {
            (&rest_text[..2], 2)
        } else if rest_text.starts_with('-')
            || rest_text.starts_with('+')
            || rest_text.starts_with('?')
        {
            (&rest_text[..1], 1)
        } else {
            return Err(format!(
                "`${{{written}}}` on line {line}: expected `}}`, `:-`, `-`, `:+`, `+`, `:?` or `?` after `{name}`"
            ));
        };
        let current = self.defined.get(&name).cloned();
        let set = current.is_some();
        let non_empty = current.as_deref().is_some_and(|v| !v.is_empty());
        let colon = op.starts_with(':');
        let present = if colon { non_empty } else { set };
        let arg = &rest[arg_start..];
        match op.trim_start_matches(':') {
            "-" if present => Ok(vec![Part::Text(current.unwrap_or_default())]),
            "-" => {
                let parts = self.expand_marked(arg, line)?;
                Ok(flatten(parts))
            }
            "+" if present => {
                let parts = self.expand_marked(arg, line)?;
                Ok(flatten(parts))
            }
            "+" => Ok(Vec::new()),
            _ if present => Ok(vec![Part::Text(current.unwrap_or_default())]),
            _ => {
                let msg: String = arg.iter().map(|&(c, _)| c).collect();
                Err(format!(
                    "`${{{written}}}` on line {line} requires `{name}`, which is not set above it{}",
                    if msg.is_empty() {
                        String::new()
                    } else {
                        format!(" ({msg})")
                    }
                ))
            }
        }
    }

    fn reference(&mut self, name: &str, line: usize) -> Part {
        match self.defined.get(name) {
            Some(value) => Part::Ref {
                name: name.to_string(),
                value: value.clone(),
            },
            None => {
                self.warnings.push(LineError {
                    line,
                    message: format!(
                        "`{name}` is not defined above this line, so `${{{name}}}` reads as empty (the process environment is not consulted)"
                    ),
                });
                Part::Text(String::new())
            }
        }
    }
}

/// Modifier results are inlined as text: the draft cannot express "X unless empty".
fn flatten(parts: Vec<Part>) -> Vec<Part> {
    let text: String = parts
        .into_iter()
        .map(|p| match p {
            Part::Text(t) => t,
            Part::Ref { value, .. } => value,
        })
        .collect();
    vec![Part::Text(text)]
}

/// Index of the `}` closing a `${` whose body starts at `start` (nested `${…}` allowed).
fn matching_brace(body: &[(char, bool)], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < body.len() {
        match body[i] {
            ('$', false) if body.get(i + 1) == Some(&('{', false)) => {
                depth += 1;
                i += 2;
                continue;
            }
            ('}', false) => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<(String, String)> {
        parse(text)
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn one(text: &str) -> String {
        let v = values(text);
        assert_eq!(v.len(), 1, "{v:?}");
        v[0].1.clone()
    }

    #[test]
    fn quoting_styles() {
        assert_eq!(one("A=plain value  # comment"), "plain value");
        assert_eq!(one("A=a#b"), "a#b");
        assert_eq!(one("A=\"x # y\" # c"), "x # y");
        assert_eq!(one("A='x # y'#c"), "x # y");
        assert_eq!(one("A=`it's \"q\"`"), "it's \"q\"");
        assert_eq!(one("A="), "");
        assert_eq!(one("  A  =  spaced  "), "spaced");
        assert!(parse("A='x' junk").is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(
            one(r#"A="a\nb\t\"c\\ \$HOME \q \'""#),
            "a\nb\t\"c\\ $HOME \\q \\'"
        );
        assert_eq!(one(r"A='a\nb \'c\\'"), "a\\nb 'c\\\\");
        assert_eq!(one(r"A=`a\nb`"), "a\\nb");
        assert_eq!(one(r"A=a\nb"), "a\\nb");
    }

    #[test]
    fn multi_line_and_export() {
        let v = values("export A=\"x\ny\"\nexport   B  = 'p\nq' # c\nC=``\n");
        assert_eq!(
            v,
            vec![
                ("A".into(), "x\ny".into()),
                ("B".into(), "p\nq".into()),
                ("C".into(), "".into())
            ]
        );
    }

    #[test]
    fn expansion() {
        let parsed =
            parse("H=db\nU=postgres://${H}:5432/$H\nS='${H}'\nD=${NOPE:-dflt}\nE=$$H\n").unwrap();
        let e = &parsed.entries;
        assert_eq!(e[1].value, "postgres://db:5432/db");
        assert_eq!(
            e[1].parts,
            vec![
                Part::Text("postgres://".into()),
                Part::Ref {
                    name: "H".into(),
                    value: "db".into()
                },
                Part::Text(":5432/".into()),
                Part::Ref {
                    name: "H".into(),
                    value: "db".into()
                },
            ]
        );
        assert_eq!(e[2].value, "${H}");
        assert_eq!(e[3].value, "dflt");
        assert_eq!(e[4].value, "$H");
    }

    #[test]
    fn errors_have_lines() {
        let errs = parse("A=1\nnot a line\nB=\"open\n").unwrap_err();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(errs[0].line, 2);
        assert_eq!(errs[1].line, 3);
    }

    #[test]
    fn comments_are_attached() {
        let p = parse("# top\n\n# about A\nA=1 # trailing\n# end\n").unwrap();
        assert_eq!(p.entries[0].comments_above, vec![" top", " about A"]);
        assert_eq!(p.entries[0].trailing_comment.as_deref(), Some(" trailing"));
        assert_eq!(p.comments_after, vec![" end"]);
    }

    #[test]
    fn duplicate_keys_last_wins_and_stale_refs_become_text() {
        let p = parse("A=1\nB=${A}\nA=2\n").unwrap();
        assert_eq!(p.entries[0].value, "2");
        assert_eq!(p.entries[1].parts, vec![Part::Text("1".into())]);
        assert_eq!(p.warnings.len(), 1);
    }
}
