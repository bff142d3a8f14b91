//! Source bytes → text as CPython's import reads them: a UTF-8 BOM, else a
//! PEP 263 declaration on line 1 or 2, else UTF-8; the codecs decoded here
//! are those CPython resolves without its codec registry, any other is left
//! to the target interpreter (`Decoded::Interpreter`). Also the newline
//! translation of CPython's tokenizer and error offsets in the raw bytes.

/// What `decode_source` makes of a file's bytes.
#[derive(Debug, PartialEq)]
pub enum Decoded {
    /// The text, newlines not yet translated.
    Text(String),
    /// A codec only Python's codec registry can apply exactly: the target
    /// interpreter decodes `bytes[body..]` with `codec` (as declared at
    /// byte `declared_at`), its newlines translated first as CPython's
    /// tokenizer does (`translate_newlines`).
    Interpreter { codec: String, body: usize, declared_at: usize },
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// A source file's bytes as CPython's import reads them (`compile(bytes)`):
/// a UTF-8 BOM, else a PEP 263 `coding` declaration on line 1 or 2, else
/// UTF-8. Decoded here only where the result is provably CPython's: UTF-8
/// (undeclared, or a name CPython's tokenizer itself reads as `utf-8`), and
/// the names `PyUnicode_Decode` decodes without the codec registry (UTF-8,
/// Latin-1, ASCII) when they decode; anything else is left to the
/// interpreter. On failure, the byte offset of the culprit in `bytes` and
/// CPython's message.
pub fn decode_source(bytes: &[u8]) -> Result<Decoded, (usize, String)> {
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM.len(), rest),
        None => (0, bytes),
    };
    let Some((at, name)) = coding_declaration(body) else {
        return tokenizer_utf8(body, bom > 0).map(Decoded::Text).map_err(|(i, m)| (bom + i, m));
    };
    let normal = tokenizer_normal_name(&name);
    if normal == "utf-8" {
        return tokenizer_utf8(body, true).map(Decoded::Text).map_err(|(i, m)| (bom + i, m));
    }
    if bom > 0 {
        // Tokenizer.c compares the normalised name with the BOM's "utf-8".
        return Err((bom + at, format!("encoding problem: {normal} with BOM")));
    }
    let lower = normal.to_ascii_lowercase().replace('-', "_");
    let text = match lower.as_str() {
        "iso_8859_1" | "iso8859_1" | "latin1" => Some(body.iter().map(|&b| b as char).collect()),
        "ascii" | "us_ascii" if body.is_ascii() => Some(body.iter().map(|&b| b as char).collect()),
        "utf8" => std::str::from_utf8(body).ok().map(str::to_string),
        _ => None,
    };
    // CPython reads the bytes as a C string: a NUL (which UTF-16 and -32
    // have in every ASCII character) is refused before any codec runs.
    if let Some(nul) = body.iter().position(|&b| b == 0) {
        return Err((bom + nul, "source code cannot contain null bytes".into()));
    }
    // Failures too go to the interpreter, whose message is the one to give.
    Ok(text.map_or_else(|| Decoded::Interpreter { codec: normal, body: bom, declared_at: at }, Decoded::Text))
}

/// The name CPython's tokenizer (`get_normal_name`) gives a declared
/// encoding: its first 12 characters lower-cased with `_` as `-` decide
/// whether it is `utf-8` or `iso-8859-1`; any other name is kept as written.
fn tokenizer_normal_name(name: &str) -> String {
    let buf: String = name.chars().take(12).map(|c| if c == '_' { '-' } else { c.to_ascii_lowercase() }).collect();
    if buf == "utf-8" || buf.starts_with("utf-8-") {
        "utf-8".into()
    } else if ["latin-1", "iso-8859-1", "iso-latin-1"].iter().any(|l| buf == *l || buf.starts_with(&format!("{l}-"))) {
        "iso-8859-1".into()
    } else {
        name.to_string()
    }
}

/// The offset in `raw` of the byte at offset `translated` once `\r\n` and a
/// lone `\r` are `\n` (how CPython's positions in a decoding error count).
pub fn raw_offset(raw: &[u8], translated: usize) -> usize {
    let (mut i, mut t) = (0, 0);
    while i < raw.len() && t < translated {
        i += if raw[i..].starts_with(b"\r\n") { 2 } else { 1 };
        t += 1;
    }
    i
}

/// `\r\n` and a lone `\r` end a line as `\n` does, as in CPython's tokenizer
/// (which also translates them inside string literals).
pub fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// UTF-8 as CPython's tokenizer checks it. Undeclared, CPython names the
/// line (counted with `\r\n` and `\r` as line ends); with a BOM or a
/// `utf-8` declaration it reports the codec's error (its "position" counts
/// from the token, which we do not know: the diagnostic's column says where).
fn tokenizer_utf8(body: &[u8], declared: bool) -> Result<String, (usize, String)> {
    std::str::from_utf8(body).map(str::to_string).map_err(|e| {
        let at = e.valid_up_to();
        if declared {
            let reason = match (e.error_len(), body[at]) {
                (None, _) => "unexpected end of data",
                (Some(_), 0x80..=0xc1 | 0xf5..=0xff) => "invalid start byte",
                (Some(_), _) => "invalid continuation byte",
            };
            return (at, format!("(unicode error) 'utf-8' codec can't decode byte 0x{:02x}: {reason}", body[at]));
        }
        let before = &body[..at];
        let line = 1 + before.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n'))).count();
        (at, format!("Non-UTF-8 code starting with '\\x{:02x}' on line {line}, but no encoding declared; see https://peps.python.org/pep-0263/", body[at]))
    })
}

/// The PEP 263 declaration (its byte offset and name): `coding[:=]name` in
/// a comment on line 1, or on line 2 when line 1 is blank or a comment.
pub fn coding_declaration(body: &[u8]) -> Option<(usize, String)> {
    let mut start = 0;
    for _ in 0..2 {
        let end = body[start..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(body.len(), |i| start + i);
        let line = &body[start..end];
        let indent = line.iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\x0c')).count();
        let rest = &line[indent..];
        if rest.first() == Some(&b'#') {
            if let Some(found) = coding_in_comment(rest) {
                return Some((start + indent, found));
            }
        } else if !rest.is_empty() {
            return None;
        }
        start = end + usize::from(end < body.len());
        if body.get(end) == Some(&b'\r') && body.get(start) == Some(&b'\n') {
            start += 1;
        }
    }
    None
}

fn coding_in_comment(comment: &[u8]) -> Option<String> {
    let mut i = 0;
    while let Some(j) = comment[i..].windows(6).position(|w| w == b"coding") {
        let after = i + j + 6;
        if matches!(comment.get(after), Some(b':' | b'=')) {
            let value = &comment[after + 1..];
            let value = &value[value.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()..];
            let len = value.iter().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')).count();
            if len > 0 {
                return Some(String::from_utf8_lossy(&value[..len]).into_owned());
            }
        }
        i = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interp(codec: &str, body: usize, declared_at: usize) -> Result<Decoded, (usize, String)> {
        Ok(Decoded::Interpreter { codec: codec.into(), body, declared_at })
    }

    /// Only UTF-8, Latin-1 and ASCII under names CPython itself resolves
    /// without its codec registry are decoded here; WHATWG labels mean
    /// nothing (issue 13: `iso-8859-9` was read as windows-1254).
    #[test]
    fn declared_names_decoded_here_or_left_to_the_interpreter() {
        let text = |s: &str| Ok(Decoded::Text(s.into()));
        assert_eq!(decode_source(b"# coding: Latin_1-foo\nx = '\xe9'\n"), text("# coding: Latin_1-foo\nx = '\u{e9}'\n"));
        assert_eq!(decode_source(b"# coding: iso8859-1\n\x80"), text("# coding: iso8859-1\n\u{80}"));
        assert_eq!(decode_source(b"# coding: US-ASCII\nx\n"), text("# coding: US-ASCII\nx\n"));
        assert_eq!(decode_source(b"# coding: utf8\n\xc3\xa9"), text("# coding: utf8\n\u{e9}"));
        assert_eq!(decode_source(b"# coding: iso-8859-9\n\x80"), interp("iso-8859-9", 0, 0));
        assert_eq!(decode_source(b"#!py\n  # coding=x-user-defined\n"), interp("x-user-defined", 0, 7));
        assert_eq!(decode_source(b"# coding: l1\n"), interp("l1", 0, 0));
        // Failing fast paths get the interpreter's message.
        assert_eq!(decode_source(b"# coding: ascii\n\xe9"), interp("ascii", 0, 0));
        assert_eq!(decode_source(b"# coding: utf8\n\xff"), interp("utf8", 0, 0));
        assert_eq!(decode_source(b"# coding: utf-16\n\0"), Err((17, "source code cannot contain null bytes".into())));
    }

    #[test]
    fn a_bom_goes_with_names_the_tokenizer_reads_as_utf_8_only() {
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: UTF_8-sig\nx"), Ok(Decoded::Text("# coding: UTF_8-sig\nx".into())));
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: utf8\n"), Err((3, "encoding problem: utf8 with BOM".into())));
        assert_eq!(decode_source(b"\xef\xbb\xbf# coding: latin-1\n"), Err((3, "encoding problem: iso-8859-1 with BOM".into())));
    }

    /// Offsets are in the raw bytes (BOM included) and lines count `\r`.
    #[test]
    fn utf8_errors_are_located_in_the_raw_bytes() {
        let (at, msg) = decode_source(b"\xef\xbb\xbfab\nx = \xff\n").unwrap_err();
        assert_eq!(at, 10);
        assert_eq!(msg, "(unicode error) 'utf-8' codec can't decode byte 0xff: invalid start byte");
        let (at, msg) = decode_source(b"\r\r\r\xff").unwrap_err();
        assert_eq!(at, 3);
        assert!(msg.starts_with("Non-UTF-8 code starting with '\\xff' on line 4,"), "{msg}");
        let (_, msg) = decode_source(b"\r\n\r\n\xe2\x82x").unwrap_err();
        assert!(msg.contains("on line 3,"), "{msg}");
        let (at, msg) = decode_source(b"# coding: utf-8\n'\xe2\x82").unwrap_err();
        assert_eq!((at, msg.as_str()), (17, "(unicode error) 'utf-8' codec can't decode byte 0xe2: unexpected end of data"));
    }

    #[test]
    fn raw_offsets_undo_newline_translation() {
        assert_eq!(raw_offset(b"a\r\nb\rc", 0), 0);
        assert_eq!(raw_offset(b"a\r\nb\rc", 2), 3);
        assert_eq!(raw_offset(b"a\r\nb\rc", 4), 5);
        assert_eq!(raw_offset(b"a\r\nb\rc", 9), 6);
    }
}
