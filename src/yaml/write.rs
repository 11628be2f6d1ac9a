//! JSON values written as YAML that every reader takes back as the same
//! values: a string that kubectl, kustomize or a YAML 1.1 reader would
//! resolve to something else (`no`, `0644`, `12:30`, `2026-01-01`, `=`, ...)
//! is quoted, as kustomize's encoder does; the rest stays plain. Keys are
//! sorted, two spaces indent, lists sit at their key's column (kubectl's
//! layout).

use super::resolve;
use serde_json::Value;

/// One value as a YAML document (no `---`), ending with a line break.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_document(&mut out, value);
    out
}

/// Values as a YAML stream, each document after a `---` line.
pub fn to_string_documents<'v>(values: impl IntoIterator<Item = &'v Value>) -> String {
    let mut out = String::with_capacity(4096);
    for value in values {
        out.push_str("---\n");
        write_document(&mut out, value);
    }
    out
}

fn write_document(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(out, items, 0),
        scalar => {
            write_scalar(out, scalar, 2);
            out.push('\n');
        }
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A non-empty map whose first key goes where the cursor is (the caller
/// has indented it) and whose other keys go at column `at`.
fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, at: usize) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            indent(out, at);
        }
        write_key(out, key);
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                indent(out, at + 2);
                write_map(out, inner, at + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                indent(out, at);
                write_seq(out, items, at);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, at + 2);
                out.push('\n');
            }
        }
    }
}

/// A non-empty list, its first `- ` where the cursor is, the others at `at`.
fn write_seq(out: &mut String, items: &[Value], at: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            indent(out, at);
        }
        out.push_str("- ");
        match item {
            Value::Object(inner) if !inner.is_empty() => write_map(out, inner, at + 2),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, at + 2),
            scalar => {
                write_scalar(out, scalar, at + 2);
                out.push('\n');
            }
        }
    }
}

/// A scalar or empty collection; block scalar lines go at column `at`.
fn write_scalar(out: &mut String, value: &Value, at: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s, at),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

/// Integers as they are; floats with a dot and a signed exponent, the form
/// YAML 1.1 readers need (`1e+30` is a string to PyYAML, `1.0e+30` a float).
fn write_number(out: &mut String, n: &serde_json::Number) {
    if !n.is_f64() {
        out.push_str(&n.to_string());
        return;
    }
    let f = n.as_f64().unwrap_or_default();
    let text = format!("{f:?}");
    match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            out.push_str(mantissa);
            if !mantissa.contains('.') {
                out.push_str(".0");
            }
            out.push('e');
            if !exponent.starts_with('-') {
                out.push('+');
            }
            out.push_str(exponent);
        }
        None => out.push_str(&text),
    }
}

fn write_key(out: &mut String, key: &str) {
    if plain_ok(key) {
        out.push_str(key);
    } else {
        double_quoted(out, key);
    }
}

fn write_string(out: &mut String, s: &str, at: usize) {
    if plain_ok(s) {
        out.push_str(s);
    } else if literal_ok(s) {
        literal(out, s, at);
    } else {
        double_quoted(out, s);
    }
}

/// Characters every YAML reader takes as they are in plain and block
/// scalars (YAML 1.1's printable set, less tab and the 1.1 line breaks).
fn printable(c: char) -> bool {
    matches!(c, ' '..='~')
        || (('\u{a0}'..='\u{d7ff}').contains(&c) && c != '\u{2028}' && c != '\u{2029}')
        || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
        || c >= '\u{10000}'
}

/// A string that reads back as itself when written bare.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !s.chars().all(printable) || s.starts_with(' ') || s.ends_with(' ') {
        return false;
    }
    let second = s.chars().nth(1);
    let indicator = match first {
        '-' | '?' | ':' => matches!(second, None | Some(' ')),
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
        | '@' | '`' => true,
        _ => false,
    };
    if indicator || s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !resolve::misread(s)
}

/// Multi-line text kept readable as a `|` block: only when every line reads
/// back as written (no trailing spaces, no tabs or control characters) and
/// the first line does not start with a space (which would need an
/// indentation indicator).
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with(' ')
        && !s.starts_with('\n')
        && s.chars().all(|c| c == '\n' || printable(c))
        && s.split('\n').all(|line| !line.ends_with(' '))
}

fn literal(out: &mut String, s: &str, at: usize) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    out.push('|');
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(out, at);
            out.push_str(line);
        }
    }
    // The final line break is the block's; kept blank lines follow it.
    for _ in 1..trailing {
        out.push('\n');
    }
}

/// Double quotes with the escapes every YAML version knows.
fn double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
}
