//! Fields written with no value (`key:` and nothing after it). kustomize
//! reads them as null like any YAML reader, but its strategic merge drops
//! them from every map it walks while keeping an explicit `null`; to render
//! the same objects, such fields are marked while objects are built and
//! turned into null at the end.

use serde_json::Value;

/// What an empty field holds while objects are built (a NUL, which no
/// manifest driftctl reads can contain).
pub const EMPTY: &str = "\u{0}";

pub fn is_empty_marker(v: &Value) -> bool {
    v.as_str() == Some(EMPTY)
}

/// Null or an empty field.
pub fn is_nullish(v: &Value) -> bool {
    v.is_null() || is_empty_marker(v)
}

/// Rewrites `key:` lines that have no value (nothing more indented and no
/// list below) to `key: "\0"`, keeping every line where it was. Block and
/// multi-line quoted scalars are left alone. `None` when there is nothing to mark.
pub fn mark(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut marked: Vec<usize> = Vec::new();
    let mut block_indent: Option<usize> = None;
    let mut in_quote: Option<char> = None;
    for (i, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if let Some(q) = in_quote {
            if line.contains(q) {
                in_quote = None;
            }
            continue;
        }
        if let Some(b) = block_indent {
            if line.trim().is_empty() || indent > b {
                continue;
            }
            block_indent = None;
        }
        // Most lines hold no quote, comment, block indicator or final colon.
        let bytes = line.trim_end().as_bytes();
        let interesting = bytes.last() == Some(&b':')
            || bytes
                .iter()
                .any(|b| matches!(b, b'#' | b'|' | b'>' | b'"' | b'\''));
        if !interesting {
            continue;
        }
        let content = strip_comment(line).trim_end();
        if content.trim_start().starts_with('#') || content.trim().is_empty() {
            continue;
        }
        // A block scalar starts: skip its body.
        if let Some((_, value)) = content
            .split_once(": ")
            .or_else(|| content.split_once("- "))
        {
            let v = value.trim();
            if v.starts_with('|') || v.starts_with('>') {
                block_indent = Some(indent);
                continue;
            }
            for q in ['"', '\''] {
                if v.starts_with(q) && (v.len() == 1 || !v.ends_with(q)) {
                    in_quote = Some(q);
                }
            }
            if in_quote.is_some() {
                continue;
            }
        }
        if !content.ends_with(':') || content.ends_with("::") {
            continue;
        }
        let mut key_part = content.trim_start();
        let mut key_indent = indent;
        while let Some(rest) = key_part.strip_prefix("- ") {
            key_indent += 2 + (rest.len() - rest.trim_start().len());
            key_part = rest.trim_start();
        }
        let key = &key_part[..key_part.len() - 1];
        if key.is_empty()
            || key.contains(": ")
            || key.starts_with(['{', '[', '&', '*', '!', '|', '>'])
        {
            continue;
        }
        let next = lines[i + 1..].iter().find(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        let has_value = match next {
            None => false,
            Some(n) => {
                let n_indent = n.len() - n.trim_start().len();
                let t = n.trim_start();
                if t.starts_with("---") || t.starts_with("...") && n_indent == 0 {
                    false
                } else {
                    n_indent > key_indent
                        || (n_indent == key_indent && (t.starts_with("- ") || t == "-"))
                }
            }
        };
        if !has_value {
            marked.push(i);
        }
    }
    if marked.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + marked.len() * 8);
    for (i, line) in lines.iter().enumerate() {
        if marked.binary_search(&i).is_ok() {
            out.push_str(strip_comment(line).trim_end());
            out.push_str(" \"\\0\"");
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    Some(out)
}

/// The line without a trailing ` # comment` (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && (prev == ' ' || prev == '\t') => return &line[..i],
            None => {}
        }
        prev = c;
    }
    line
}

/// Turns every empty marker into null.
pub fn to_null(v: &mut Value) {
    match v {
        Value::String(_) if is_empty_marker(v) => *v = Value::Null,
        Value::Object(m) => m.values_mut().for_each(to_null),
        Value::Array(items) => items.iter_mut().for_each(to_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_keys_without_values_only() {
        let text = "spec:\n  a:\n  b: null\n  c:\n  - x\n  d:\n    e: 1\n  f: |\n    g:\n  h: # note\nlast:";
        let out = mark(text).unwrap();
        assert_eq!(
            out,
            "spec:\n  a: \"\\0\"\n  b: null\n  c:\n  - x\n  d:\n    e: 1\n  f: |\n    g:\n  h: \"\\0\"\nlast: \"\\0\""
        );
        assert!(mark("a: 1\nb:\n  c: 2\n").is_none());
    }
}
