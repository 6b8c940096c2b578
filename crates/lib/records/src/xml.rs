//! A minimal XML scanner over a byte slice, for Hart's cast-vote records: one small XML document
//! per ballot card, hundreds of thousands of them per export.
//!
//! A general XML parser spends several times longer per document than inflating it from the zip;
//! this one does only what a Hart CVR needs: start, empty and end tags by name (attributes are
//! stepped over, quotes respected), text between tags, CDATA; comments, processing instructions
//! and the document type declaration are skipped. It checks that the document is well formed
//! enough to trust: every end tag closes the element open at that point, nothing is left open at
//! the end, and no tag, comment or section is cut off. Entities in text are decoded only in the
//! text the reader keeps ([`push_text`]). Input is taken to be UTF-8, as Hart writes it (a
//! byte-order mark is allowed).

/// What comes next in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// `<name …>`; the name is local (any `prefix:` dropped).
    Start(&'a [u8]),
    /// `<name …/>`.
    Empty(&'a [u8]),
    /// `</name>`.
    End(&'a [u8]),
    /// Characters between tags, as written (entities not yet decoded).
    Text(&'a [u8]),
    /// The content of a `<![CDATA[…]]>` section: text taken literally.
    CData(&'a [u8]),
    Eof,
}

/// Why a document is not well-formed XML, at byte `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub at: usize,
    pub message: &'static str,
}

/// An open element's name as positions in the document: where it starts, where its local part
/// starts (after any `prefix:`), where it ends.
pub type OpenName = (usize, usize, usize);

/// Reads the events of one document. `open` holds the names of the elements open at the current
/// point; it is the caller's, so it is allocated once for all cards.
pub struct Scanner<'a, 'o> {
    doc: &'a [u8],
    pos: usize,
    open: &'o mut Vec<OpenName>,
    /// Whether text between tags is wanted; when not, it is stepped over without an event.
    pub keep_text: bool,
    /// The document's (single) element has started.
    root_seen: bool,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The first `byte` at or after `from`. The runs between tags in a CVR are a few bytes long,
/// where a vectorised search costs more to start than it saves, so this looks at eight bytes at a
/// time in a word (a byte equal to `byte` becomes zero; the lowest zero byte is found exactly).
fn position(doc: &[u8], mut from: usize, byte: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(byte);
    while let Some(word) = doc
        .get(from..from + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let x = u64::from_le_bytes(word) ^ pattern;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return Some(from + (zeros.trailing_zeros() / 8) as usize);
        }
        from += 8;
    }
    let rest = doc.get(from..)?;
    rest.iter().position(|&b| b == byte).map(|i| from + i)
}

fn error<T>(at: usize, message: &'static str) -> Result<T, XmlError> {
    Err(XmlError { at, message })
}

impl<'a, 'o> Scanner<'a, 'o> {
    pub fn new(doc: &'a [u8], open: &'o mut Vec<OpenName>) -> Scanner<'a, 'o> {
        open.clear();
        let pos = if doc.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Scanner {
            doc,
            pos,
            open,
            keep_text: true,
            root_seen: false,
        }
    }

    /// The parent, by local name, of the element open at the current point (just after a start
    /// tag: the parent of the element it started).
    pub fn grandparent(&self) -> Option<&'a [u8]> {
        let &(_, local, end) = self.open.get(self.open.len().checked_sub(2)?)?;
        self.doc.get(local..end)
    }

    /// The position of `needle` at or after `from`, or an error naming what was cut off.
    fn find(&self, from: usize, needle: &[u8], what: &'static str) -> Result<usize, XmlError> {
        let rest = self.doc.get(from..).unwrap_or(&[]);
        match memchr::memmem::find(rest, needle) {
            Some(i) => Ok(from + i),
            None => error(from, what),
        }
    }

    #[inline(always)]
    pub fn next(&mut self) -> Result<Event<'a>, XmlError> {
        loop {
            let rest = self.doc.get(self.pos..).unwrap_or(&[]);
            if rest.is_empty() {
                if self.open.is_empty() {
                    return Ok(Event::Eof);
                }
                return error(self.pos, "the document ends before its elements are closed");
            }
            let lt = position(rest, 0, b'<').unwrap_or(rest.len());
            if lt > 0 {
                let text = rest.get(..lt).unwrap_or(&[]);
                self.pos += lt;
                if self.open.is_empty() {
                    if text.iter().all(|&b| is_space(b)) {
                        continue;
                    }
                    return error(self.pos - lt, "text outside the document's element");
                }
                if self.keep_text {
                    return Ok(Event::Text(text));
                }
                continue;
            }
            let at = self.pos;
            match rest.get(1).copied() {
                Some(b'?') => {
                    self.pos = self.find(at + 2, b"?>", "a <?…?> instruction is not closed")? + 2;
                }
                Some(b'!') => {
                    if rest.starts_with(b"<!--") {
                        self.pos = self.find(at + 4, b"-->", "a comment is not closed")? + 3;
                    } else if rest.starts_with(b"<![CDATA[") {
                        let end = self.find(at + 9, b"]]>", "a CDATA section is not closed")?;
                        self.pos = end + 3;
                        if self.open.is_empty() {
                            return error(at, "text outside the document's element");
                        }
                        return Ok(Event::CData(self.doc.get(at + 9..end).unwrap_or(&[])));
                    } else {
                        self.pos = self.skip_declaration(at)?;
                    }
                }
                Some(b'/') => {
                    let start = at + 2;
                    let Some(gt) = position(self.doc, start, b'>') else {
                        return error(at, "an end tag is not closed");
                    };
                    let name = self.doc.get(start..gt).unwrap_or(&[]).trim_ascii_end();
                    let Some((open_start, open_local, open_end)) = self.open.pop() else {
                        return error(at, "an end tag closes nothing");
                    };
                    if self.doc.get(open_start..open_end) != Some(name) {
                        return error(at, "an end tag does not match the element it closes");
                    }
                    self.pos = gt + 1;
                    return Ok(Event::End(
                        self.doc.get(open_local..open_end).unwrap_or(&[]),
                    ));
                }
                _ => return self.start_tag(at),
            }
        }
    }

    /// Reads `<name attr="…" …>` or `<name …/>` at `at`.
    #[inline(always)]
    fn start_tag(&mut self, at: usize) -> Result<Event<'a>, XmlError> {
        let doc = self.doc;
        let start = at + 1;
        let mut i = start;
        let mut local_start = start;
        while let Some(&b) = doc.get(i) {
            if is_space(b) || b == b'>' || b == b'/' {
                break;
            }
            i += 1;
            if b == b':' {
                local_start = i;
            }
        }
        if i == start {
            return error(at, "a '<' does not start a tag");
        }
        if self.open.is_empty() && self.root_seen {
            return error(at, "a second element after the document's element");
        }
        let name_end = i;
        // Step over the attributes to the closing '>', respecting quoted values.
        loop {
            match doc.get(i).copied() {
                None => return error(at, "a tag is not closed"),
                Some(b'>') => break,
                Some(q @ (b'"' | b'\'')) => match position(doc, i + 1, q) {
                    Some(close) => i = close + 1,
                    None => return error(i, "an attribute value is not closed"),
                },
                Some(b'<') => return error(i, "a tag is not closed"),
                Some(_) => i += 1,
            }
        }
        let empty = i > name_end && doc.get(i - 1) == Some(&b'/');
        self.pos = i + 1;
        let name = doc.get(local_start..name_end).unwrap_or(&[]);
        self.root_seen = true;
        if empty {
            Ok(Event::Empty(name))
        } else {
            self.open.push((start, local_start, name_end));
            Ok(Event::Start(name))
        }
    }

    /// Skips `<!DOCTYPE …>` (with an internal subset in brackets) or another `<!…>` declaration.
    fn skip_declaration(&self, at: usize) -> Result<usize, XmlError> {
        let mut depth = 0usize;
        let mut i = at + 2;
        loop {
            match self.doc.get(i).copied() {
                None => return error(at, "a <!…> declaration is not closed"),
                Some(b'[') => depth += 1,
                Some(b']') => depth = depth.saturating_sub(1),
                Some(b'>') if depth == 0 => return Ok(i + 1),
                Some(_) => {}
            }
            i += 1;
        }
    }
}

/// Appends the text of `raw` (characters between tags) to `out`, decoding the five predefined
/// entities and character references. Unknown entities are dropped, as before.
pub fn push_text(raw: &[u8], out: &mut String) -> Result<(), &'static str> {
    let text = std::str::from_utf8(raw).map_err(|_| "the text is not UTF-8")?;
    if memchr::memchr(b'&', raw).is_none() {
        out.push_str(text);
        return Ok(());
    }
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or(""));
        let after = rest.get(amp + 1..).unwrap_or("");
        let Some(semi) = after.find(';') else {
            return Err("an '&' starts no entity (write it as &amp;)");
        };
        let name = after.get(..semi).unwrap_or("");
        match name {
            "amp" => out.push('&'),
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                if let Some(c) = code.and_then(char::from_u32) {
                    out.push(c);
                } else if name.starts_with('#') {
                    return Err("a character reference is not a character");
                }
            }
        }
        rest = after.get(semi + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(doc: &str) -> Result<Vec<String>, XmlError> {
        let mut open = Vec::new();
        let mut s = Scanner::new(doc.as_bytes(), &mut open);
        let mut out = Vec::new();
        loop {
            let e = s.next()?;
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            out.push(match e {
                Event::Start(n) => format!("<{}>", text(n)),
                Event::Empty(n) => format!("<{}/>", text(n)),
                Event::End(n) => format!("</{}>", text(n)),
                Event::Text(t) => format!("{:?}", text(t).trim()),
                Event::CData(t) => format!("cdata {:?}", text(t)),
                Event::Eof => break,
            });
        }
        Ok(out)
    }

    #[test]
    fn reads_tags_text_and_sections() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<!DOCTYPE Cvr [<!ENTITY x \"y\">]>\n<h:Cvr xmlns:h=\"u\" a='1>2'><!-- a <comment> --><Name>A &amp; B</Name><WriteInData/><![CDATA[<raw>]]></h:Cvr>\n";
        assert_eq!(
            events(doc).unwrap(),
            [
                "<Cvr>",
                "<Name>",
                "\"A &amp; B\"",
                "</Name>",
                "<WriteInData/>",
                "cdata \"<raw>\"",
                "</Cvr>"
            ]
        );
    }

    #[test]
    fn malformed_documents_are_errors() {
        for (doc, why) in [
            ("<Cvr><Name>x</Cvr>", "does not match"),
            ("<Cvr><Name>x</Name>", "ends before"),
            ("<Cvr></Cvr><Cvr/>", "second element"),
            ("<Cvr><Name a=\"x>", "not closed"),
            ("<Cvr><!-- x </Cvr>", "comment is not closed"),
            ("<Cvr>< Name/></Cvr>", "does not start a tag"),
            ("x<Cvr/>", "outside"),
            ("<Cvr></Name></Cvr>", "does not match"),
            ("<Cvr/></Cvr>", "closes nothing"),
        ] {
            let err = events(doc).unwrap_err();
            assert!(err.message.contains(why), "{doc}: {err:?}");
        }
    }

    #[test]
    fn text_entities() {
        let mut out = String::new();
        push_text(
            b"Smith &amp; Jones &#233;&#x4E2D; &lt;&gt;&quot;&apos;&unknown;",
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "Smith & Jones é中 <>\"'");
        assert!(push_text(b"a & b", &mut String::new()).is_err());
        assert!(push_text(b"&#xD800;", &mut String::new()).is_err());
        assert!(push_text(b"\xff", &mut String::new()).is_err());
    }
}
