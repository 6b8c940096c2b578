//! A small, strict JSON scanner over a byte buffer, for reading Dominion's CVR exports (gigabytes of
//! JSON, one session after another) at close to the speed of memory.
//!
//! serde_json's streaming reader spends most of its time per byte behind the `Read` abstraction and
//! on strings it then throws away; here the caller keeps a buffer of the file, scans one session at
//! a time from a slice, and reads only the fields it needs, skipping the rest without allocating.
//! Each scan either completes, or stops with [`Stop::End`] when the buffer ends inside the value —
//! the caller then reads more of the file and scans the same value again from its start (a
//! session is a few kilobytes, the buffer a megabyte, so this is rare) — or stops with
//! [`Stop::Bad`] at the byte that is not JSON.
//!
//! It accepts what serde_json accepts (RFC 8259 grammar, control characters refused in strings,
//! escapes checked), so replacing serde_json here changes no verdict on a file — with one
//! exception: containers nested more than 127 deep are refused, where serde_json skipped them
//! (it limits nesting only in values it reads); no Dominion export nests beyond ten. The tests
//! below compare the two on random and damaged texts.

use std::fmt;

/// Why a scan stopped before its value ended. One word wide (the details of bad JSON are boxed),
/// so results pass in registers on the hot path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The buffer ended inside the value: read more, or, at the end of the file, it was cut short.
    End,
    /// Not JSON, or not of the shape expected.
    Bad(Box<BadJson>),
}

/// Where the JSON went wrong (byte `at` of the buffer) and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadJson {
    pub at: usize,
    pub message: String,
}

pub type Scan<T> = Result<T, Stop>;

/// Containers nested deeper than this are refused (serde_json's limit for values it reads), so
/// that the open containers fit in one 128-bit word and a hostile file costs nothing to refuse.
pub const MAX_DEPTH: usize = 127;

/// A string as it sits in the buffer: the bytes between its quotes. Offsets are 32-bit so that
/// results stay small enough to pass in registers; [`Cursor::new`] keeps buffers below 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Str {
    start: u32,
    end: u32,
    /// True when the string holds backslash escapes, so its bytes are not yet its text.
    pub escaped: bool,
}

impl Str {
    pub fn start(&self) -> usize {
        self.start as usize
    }
}

/// Bytes that end a plain run of string content: the quote, the backslash and control
/// characters (which JSON forbids unescaped).
static STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` (little-endian) that may stop a string run: a quote, a
/// backslash or a control character. The lowest flagged byte is exact (borrows only run upward),
/// and it is the only one used; the scanner checks it again with [`STRING_STOP`].
#[inline(always)]
fn string_stops(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_quote | zero_backslash | control) & HIGHS
}

/// The first byte at or after `i` that is not white space. Pretty-printed exports indent every
/// line by up to a few dozen spaces, so runs of spaces go eight at a time.
#[inline(always)]
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    loop {
        match bytes.get(i) {
            Some(b' ') => {
                while bytes.get(i..i + 8) == Some(b"        ".as_slice()) {
                    i += 8;
                }
                while bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            Some(b'\n' | b'\r' | b'\t') => i += 1,
            _ => return i,
        }
    }
}

#[inline(always)]
fn byte_at(bytes: &[u8], i: usize) -> Scan<u8> {
    // A match, not `ok_or(Stop::End)`: that builds and drops a `Stop` on every byte, which the
    // optimiser does not remove (it cost a fifth of the scan).
    match bytes.get(i) {
        Some(&b) => Ok(b),
        None => Err(Stop::End),
    }
}

#[cold]
fn bad_at(at: usize, message: impl fmt::Display) -> Stop {
    Stop::Bad(Box::new(BadJson {
        at,
        message: message.to_string(),
    }))
}

/// Scans a string's content from `i` (just after its opening quote): the index of its closing
/// quote, and whether it holds escapes.
#[inline(always)]
fn scan_string(bytes: &[u8], mut i: usize) -> Scan<(usize, bool)> {
    let mut escaped = false;
    loop {
        // Eight bytes at a time while none of them stops the run (the lowest flagged byte is a
        // true stop), then byte by byte for the last few bytes of the buffer.
        let stop = loop {
            match bytes
                .get(i..i + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
            {
                Some(word) => {
                    let stops = string_stops(u64::from_le_bytes(word));
                    if stops != 0 {
                        i += (stops.trailing_zeros() / 8) as usize;
                        break byte_at(bytes, i)?;
                    }
                    i += 8;
                }
                None => {
                    while let Some(&b) = bytes.get(i) {
                        if STRING_STOP[usize::from(b)] {
                            break;
                        }
                        i += 1;
                    }
                    break byte_at(bytes, i)?;
                }
            }
        };
        match stop {
            b'"' => return Ok((i, escaped)),
            b'\\' => {
                escaped = true;
                i = scan_escape(bytes, i + 1)?;
            }
            _ => return Err(bad_at(i, "control character in a string")),
        }
    }
}

/// Checks the escape whose letter is at `i`; the index after it.
#[cold]
fn scan_escape(bytes: &[u8], i: usize) -> Scan<usize> {
    match byte_at(bytes, i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Ok(i + 1),
        b'u' => {
            for k in 1..=4 {
                if !byte_at(bytes, i + k)?.is_ascii_hexdigit() {
                    return Err(bad_at(i + k, "invalid \\u escape in a string"));
                }
            }
            Ok(i + 5)
        }
        _ => Err(bad_at(i, "invalid escape in a string")),
    }
}

/// Scans a number from `i` (its first byte): the index after it, and its value when it is a
/// whole number that fits in 64 bits. A number that reaches the end of the buffer may go on in
/// the next part of the file, so that is [`Stop::End`].
#[inline(always)]
fn scan_number(bytes: &[u8], mut i: usize) -> Scan<(usize, Option<u64>)> {
    let negative = byte_at(bytes, i)? == b'-';
    if negative {
        i += 1;
    }
    let mut value: Option<u64> = Some(0);
    match byte_at(bytes, i)? {
        b'0' => i += 1,
        b'1'..=b'9' => {
            while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
                value = value
                    .and_then(|v| v.checked_mul(10))
                    .and_then(|v| v.checked_add(u64::from(d - b'0')));
                i += 1;
            }
        }
        _ => return Err(bad_at(i, "invalid number")),
    }
    let next = byte_at(bytes, i)?;
    if next == b'.' || next == b'e' || next == b'E' {
        return scan_fraction(bytes, i).map(|end| (end, None));
    }
    Ok((i, if negative { None } else { value }))
}

/// Scans the fraction and exponent of a number from `i`; the index after them.
#[cold]
fn scan_fraction(bytes: &[u8], mut i: usize) -> Scan<usize> {
    let mut next = byte_at(bytes, i)?;
    if next == b'.' {
        i += 1;
        if !byte_at(bytes, i)?.is_ascii_digit() {
            return Err(bad_at(i, "invalid number"));
        }
        while byte_at(bytes, i)?.is_ascii_digit() {
            i += 1;
        }
        next = byte_at(bytes, i)?;
    }
    if next == b'e' || next == b'E' {
        i += 1;
        if matches!(byte_at(bytes, i)?, b'+' | b'-') {
            i += 1;
        }
        if !byte_at(bytes, i)?.is_ascii_digit() {
            return Err(bad_at(i, "invalid number"));
        }
        while byte_at(bytes, i)?.is_ascii_digit() {
            i += 1;
        }
    }
    Ok(i)
}

/// Scans `true`, `false` or `null` from `i`; the index after it.
#[inline(always)]
fn scan_literal(bytes: &[u8], i: usize, word: &[u8]) -> Scan<usize> {
    match bytes.get(i..i + word.len()) {
        Some(found) if found == word => Ok(i + word.len()),
        _ => {
            for (k, &w) in word.iter().enumerate() {
                if byte_at(bytes, i + k)? != w {
                    return Err(bad_at(i + k, "expected a value"));
                }
            }
            Ok(i + word.len())
        }
    }
}

/// Scans an object key from `i` (white space allowed before it) through its colon; the key's
/// content range, whether it is escaped, and the index after the colon.
#[inline(always)]
fn scan_key(bytes: &[u8], i: usize) -> Scan<(usize, usize, bool, usize)> {
    let i = skip_space(bytes, i);
    if byte_at(bytes, i)? != b'"' {
        return Err(bad_at(i, "expected a key in quotes"));
    }
    let (close, escaped) = scan_string(bytes, i + 1)?;
    let colon = skip_space(bytes, close + 1);
    if byte_at(bytes, colon)? != b':' {
        return Err(bad_at(colon, "expected ':'"));
    }
    Ok((i + 1, close, escaped, colon + 1))
}

/// Skips the scalar starting with `b` at `i`; the index after it.
#[inline(always)]
fn scan_scalar(bytes: &[u8], i: usize, b: u8) -> Scan<usize> {
    match b {
        b'"' => scan_string(bytes, i + 1).map(|(close, _)| close + 1),
        b'-' | b'0'..=b'9' => scan_number(bytes, i).map(|(end, _)| end),
        b't' => scan_literal(bytes, i, b"true"),
        b'f' => scan_literal(bytes, i, b"false"),
        b'n' => scan_literal(bytes, i, b"null"),
        _ => Err(bad_at(i, "expected a value")),
    }
}

/// Skips a non-empty-or-empty object or array starting at `i`, `depth` containers deep; the
/// index after it. One loop with the open containers as bits (set for an object), so nothing
/// recurses and nothing is allocated.
fn scan_container(bytes: &[u8], mut i: usize, depth: usize) -> Scan<usize> {
    let room = MAX_DEPTH.saturating_sub(depth);
    let mut objects: u128 = 0;
    let mut open = 0usize;
    'value: loop {
        i = skip_space(bytes, i);
        let b = byte_at(bytes, i)?;
        if b == b'{' || b == b'[' {
            if open >= room {
                return Err(bad_at(i, "the JSON is nested too deeply"));
            }
            let object = b == b'{';
            i = skip_space(bytes, i + 1);
            let c = byte_at(bytes, i)?;
            if c == (if object { b'}' } else { b']' }) {
                i += 1;
            } else {
                if object {
                    objects |= 1 << open;
                    i = scan_key(bytes, i)?.3;
                } else {
                    objects &= !(1 << open);
                }
                open += 1;
                continue 'value;
            }
        } else {
            i = scan_scalar(bytes, i, b)?;
        }
        // A value ended: go on in its container, closing those it completes.
        while open > 0 {
            let object = (objects >> (open - 1)) & 1 == 1;
            i = skip_space(bytes, i);
            let c = byte_at(bytes, i)?;
            if c == b',' {
                i += 1;
                if object {
                    i = scan_key(bytes, i)?.3;
                }
                continue 'value;
            }
            let close = if object { b'}' } else { b']' };
            if c != close {
                return Err(bad_at(
                    i,
                    format_args!("expected ',' or '{}'", char::from(close)),
                ));
            }
            i += 1;
            open -= 1;
        }
        return Ok(i);
    }
}

/// A position in a buffer holding JSON text.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at `pos` of `bytes` (of which at most the first 4 GiB are scanned).
    pub fn new(bytes: &'a [u8], pos: usize) -> Cursor<'a> {
        let bytes = bytes.get(..u32::MAX as usize).unwrap_or(bytes);
        Cursor { bytes, pos }
    }

    /// A problem at the current position.
    #[cold]
    pub fn bad(&self, message: impl fmt::Display) -> Stop {
        bad_at(self.pos, message)
    }

    /// A problem at `at`.
    #[cold]
    pub fn bad_at(at: usize, message: impl fmt::Display) -> Stop {
        bad_at(at, message)
    }

    /// The next byte that is not white space, without consuming it.
    #[inline(always)]
    pub fn peek(&mut self) -> Scan<u8> {
        self.pos = skip_space(self.bytes, self.pos);
        byte_at(self.bytes, self.pos)
    }

    /// True when only white space is left in the buffer.
    pub fn at_end(&mut self) -> bool {
        self.pos = skip_space(self.bytes, self.pos);
        self.pos >= self.bytes.len()
    }

    /// The bytes of `s` as they are in the buffer.
    pub fn raw(&self, s: Str) -> &'a [u8] {
        self.bytes
            .get(s.start as usize..s.end as usize)
            .unwrap_or(&[])
    }

    /// Reads a string (white space allowed before it).
    #[inline(always)]
    pub fn string(&mut self) -> Scan<Str> {
        if self.peek()? != b'"' {
            return Err(self.bad("expected a string"));
        }
        let start = self.pos + 1;
        let (close, escaped) = scan_string(self.bytes, start)?;
        self.pos = close + 1;
        // Both fit: the buffer is at most 4 GiB.
        Ok(Str {
            start: start as u32,
            end: close as u32,
            escaped,
        })
    }

    /// The text of string `s`, decoded into `out` (replacing what it held).
    pub fn text_into(&self, s: Str, out: &mut String) -> Scan<()> {
        out.clear();
        let raw = self.raw(s);
        if !s.escaped {
            let text = std::str::from_utf8(raw)
                .map_err(|_| bad_at(s.start(), "a string is not valid UTF-8"))?;
            out.push_str(text);
            return Ok(());
        }
        decode_escaped(raw, out).map_err(|why| bad_at(s.start(), why))
    }

    /// Reads a number (white space allowed before it): its value when it is a whole number that
    /// fits in 64 bits.
    #[inline(always)]
    pub fn number(&mut self) -> Scan<Option<u64>> {
        self.peek()?;
        let (end, whole) = scan_number(self.bytes, self.pos)?;
        self.pos = end;
        Ok(whole)
    }

    /// Reads `null` when it comes next; true if it did.
    #[inline(always)]
    pub fn null(&mut self) -> Scan<bool> {
        if self.peek()? == b'n' {
            self.pos = scan_literal(self.bytes, self.pos, b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads `true` or `false`; `None` when neither comes next.
    #[inline(always)]
    pub fn boolean(&mut self) -> Scan<Option<bool>> {
        match self.peek()? {
            b't' => {
                self.pos = scan_literal(self.bytes, self.pos, b"true")?;
                Ok(Some(true))
            }
            b'f' => {
                self.pos = scan_literal(self.bytes, self.pos, b"false")?;
                Ok(Some(false))
            }
            _ => Ok(None),
        }
    }

    /// Starts an object: `{`; false when something else comes next.
    #[inline(always)]
    pub fn object(&mut self) -> Scan<bool> {
        if self.peek()? == b'{' {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Starts an array: `[`; false when something else comes next.
    #[inline(always)]
    pub fn array(&mut self) -> Scan<bool> {
        if self.peek()? == b'[' {
            self.pos += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// The next key of an object (through its colon), or `None` at the closing brace. `first`
    /// is true before the first member and is cleared here.
    #[inline(always)]
    pub fn next_key(&mut self, first: &mut bool) -> Scan<Option<Str>> {
        let b = self.peek()?;
        if b == b'}' {
            self.pos += 1;
            return Ok(None);
        }
        let mut i = self.pos;
        if !*first {
            if b != b',' {
                return Err(self.bad("expected ',' or '}'"));
            }
            i += 1;
        }
        *first = false;
        let (start, close, escaped, after) = scan_key(self.bytes, i)?;
        self.pos = after;
        Ok(Some(Str {
            start: start as u32,
            end: close as u32,
            escaped,
        }))
    }

    /// Moves to the next item of an array; false at the closing bracket.
    #[inline(always)]
    pub fn next_item(&mut self, first: &mut bool) -> Scan<bool> {
        let b = self.peek()?;
        if b == b']' {
            self.pos += 1;
            return Ok(false);
        }
        if !*first {
            if b != b',' {
                return Err(self.bad("expected ',' or ']'"));
            }
            self.pos += 1;
        }
        *first = false;
        Ok(true)
    }

    /// True when key `key` is `name` (keys with escapes are decoded first).
    pub fn key_is(&self, key: Str, name: &str) -> bool {
        if !key.escaped {
            return self.raw(key) == name.as_bytes();
        }
        let mut text = String::new();
        decode_escaped(self.raw(key), &mut text).is_ok() && text == name
    }

    /// Skips one value of any kind, checking that it is well formed. `depth` is the number of
    /// containers the value is already inside.
    #[inline(always)]
    pub fn skip_value(&mut self, depth: usize) -> Scan<()> {
        let b = self.peek()?;
        self.pos = if b == b'{' || b == b'[' {
            scan_container(self.bytes, self.pos, depth)?
        } else {
            scan_scalar(self.bytes, self.pos, b)?
        };
        Ok(())
    }
}

fn hex4(raw: &[u8], at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// Decodes a string's escapes (already checked by [`Cursor::string`]), as serde_json does: a
/// `\u` surrogate must pair with the next escape.
fn decode_escaped(raw: &[u8], out: &mut String) -> Result<(), &'static str> {
    let mut bytes: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b != b'\\' {
            bytes.push(b);
            i += 1;
            continue;
        }
        let e = raw.get(i + 1).copied().ok_or("invalid escape")?;
        i += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = hex4(raw, i).ok_or("invalid \\u escape")?;
                i += 4;
                let code = if (0xD800..0xDC00).contains(&first) {
                    if raw.get(i..i + 2) != Some(b"\\u") {
                        return Err("a \\u escape is half of a character (lone surrogate)");
                    }
                    let second = hex4(raw, i + 2).ok_or("invalid \\u escape")?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err("a \\u escape is half of a character (lone surrogate)");
                    }
                    i += 6;
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else if (0xDC00..0xE000).contains(&first) {
                    return Err("a \\u escape is half of a character (lone surrogate)");
                } else {
                    first
                };
                char::from_u32(code).ok_or("invalid \\u escape")?
            }
            _ => return Err("invalid escape"),
        };
        let mut utf8 = [0u8; 4];
        bytes.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
    }
    let text = String::from_utf8(bytes).map_err(|_| "a string is not valid UTF-8")?;
    out.push_str(&text);
    Ok(())
}

/// Line and column (both 1-based, the column in bytes as serde_json counts it) of byte `at` of
/// `bytes`, given the lines and the bytes of the current line that came before the buffer.
pub fn line_and_column(
    bytes: &[u8],
    at: usize,
    lines_before: u64,
    column_before: u64,
) -> (u64, u64) {
    let head = bytes.get(..at).unwrap_or(bytes);
    let newlines = memchr::memchr_iter(b'\n', head).count() as u64;
    let column = match memchr::memrchr(b'\n', head) {
        Some(nl) => (at - nl) as u64,
        None => column_before + at as u64 + 1,
    };
    (lines_before + newlines + 1, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(text: &str) -> Scan<usize> {
        let mut c = Cursor::new(text.as_bytes(), 0);
        c.skip_value(0)?;
        Ok(c.pos)
    }

    #[test]
    fn skips_values_of_every_kind() {
        assert_eq!(
            skip(r#"{"a": [1, -2.5e+3, "x\"y", true, null, {}], "b": []} tail"#),
            Ok(52)
        );
        assert_eq!(skip("0 "), Ok(1));
        assert!(matches!(skip("01"), Ok(1)));
        assert!(matches!(skip("[1,]"), Err(Stop::Bad(_))));
        assert!(matches!(skip("{\"a\" 1}"), Err(Stop::Bad(_))));
        assert!(matches!(skip("\"a\u{1}\""), Err(Stop::Bad(b)) if b.at == 2));
        assert!(matches!(skip("\"\\x\""), Err(Stop::Bad(_))));
        assert!(matches!(skip("-"), Err(Stop::End)));
        assert!(matches!(skip("-a"), Err(Stop::Bad(_))));
        assert!(matches!(skip("1.e5 "), Err(Stop::Bad(_))));
        assert!(matches!(skip("[1, 2"), Err(Stop::End)));
        assert!(matches!(skip("tru"), Err(Stop::End)));
        assert!(matches!(skip("trux"), Err(Stop::Bad(_))));
        // A number at the very end may go on in the next read.
        assert_eq!(skip("12"), Err(Stop::End));
    }

    #[test]
    fn nesting_is_limited_without_recursion() {
        let deep = "[".repeat(100_000);
        assert!(matches!(skip(&deep), Err(Stop::Bad(_))));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(skip(&ok), Ok(2 * MAX_DEPTH));
        let over = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(matches!(skip(&over), Err(Stop::Bad(_))));
    }

    #[test]
    fn numbers_and_strings() {
        let mut c = Cursor::new(b" 18446744073709551615,18446744073709551616,-1,2.0,", 0);
        assert_eq!(c.number(), Ok(Some(u64::MAX)));
        c.pos += 1;
        assert_eq!(c.number(), Ok(None));
        c.pos += 1;
        assert_eq!(c.number(), Ok(None));
        c.pos += 1;
        assert_eq!(c.number(), Ok(None));
        let text = r#""D:\\x\u00e9\ud83d\ude00""#;
        let mut c = Cursor::new(text.as_bytes(), 0);
        let s = c.string().unwrap();
        let mut out = String::new();
        c.text_into(s, &mut out).unwrap();
        assert_eq!(out, "D:\\xé😀");
        let mut c = Cursor::new(br#""\ud83d""#, 0);
        let s = c.string().unwrap();
        assert!(c.text_into(s, &mut out).is_err());
    }

    #[test]
    fn positions_count_lines_before_the_buffer() {
        assert_eq!(line_and_column(b"ab\ncd", 4, 0, 0), (2, 2));
        assert_eq!(line_and_column(b"abcd", 2, 5, 10), (6, 13));
    }

    /// serde_json's verdict on a whole text, skipping it as serde skips unknown fields.
    fn serde_accepts(text: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
    }

    fn scanner_accepts(text: &[u8]) -> bool {
        let mut c = Cursor::new(text, 0);
        c.skip_value(0).is_ok() && c.at_end()
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            "[ -~é\u{1}\u{7f}]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(5, 40, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z\"\\\\]{0,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// On noise made of JSON's own characters, the scanner and serde_json agree on what is
        /// JSON (a space is added so that a number at the end is complete for both).
        #[test]
        fn agrees_with_serde_on_noise(text in "[\\[\\]{}:,\" \n\t0-9a-z.+\\-E\\\\/\u{1}]{0,40}") {
            let text = format!("{text} ");
            prop_assert_eq!(scanner_accepts(text.as_bytes()), serde_accepts(text.as_bytes()), "{:?}", text);
        }

        /// On JSON written by serde_json, compact or pretty, then damaged by a few inserted,
        /// removed or replaced bytes, they agree too.
        #[test]
        fn agrees_with_serde_on_damaged_json(
            value in json_value(),
            pretty in any::<bool>(),
            edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>(), 0u8..3), 0..3),
        ) {
            let mut bytes = if pretty {
                serde_json::to_vec_pretty(&value)
            } else {
                serde_json::to_vec(&value)
            }
            .unwrap_or_default();
            for (at, byte, kind) in edits {
                let i = at.index(bytes.len() + 1);
                match kind {
                    0 => bytes.insert(i, byte),
                    1 if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => {
                        if let Some(b) = bytes.get_mut(i) {
                            *b = byte;
                        }
                    }
                }
            }
            bytes.push(b' ');
            prop_assert_eq!(scanner_accepts(&bytes), serde_accepts(&bytes), "{:?}", String::from_utf8_lossy(&bytes));
        }
    }
}
