//! Edits of one YAML file as byte splices: a scalar rewritten in its own
//! quoting style, a key or list item inserted with the file's indentation,
//! a field deleted with its lines. Nothing outside the edited node changes.

use super::tree::{Node, NodeKind, column, line_start, next_line_start};
use saphyr_parser::ScalarStyle;
use serde_json::Value;

/// Replace `start..end` of a file with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Applies splices (in any order); overlapping splices are an error.
pub fn apply(text: &str, splices: &[Splice]) -> Result<String, String> {
    let mut sorted: Vec<&Splice> = splices.iter().collect();
    sorted.sort_by_key(|s| (s.start, s.end));
    // Two findings served by one edit (a Flux variable both need) ask for
    // the same splice: it is made once.
    sorted.dedup();
    for pair in sorted.windows(2) {
        if pair[1].start < pair[0].end
            || (pair[1].start == pair[0].start
                && pair[0].start == pair[0].end
                && pair[1].start == pair[1].end)
        {
            return Err("two edits touch the same bytes".into());
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for s in sorted {
        out.push_str(&text[at..s.start]);
        out.push_str(&s.text);
        at = s.end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The line break the file uses.
pub fn newline(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// Replaces a node's value with `value`, keeping a scalar's quoting style
/// and a collection's flow or block style.
pub fn replace(text: &str, node: &Node, value: &Value) -> Splice {
    let rendered = match (&node.kind, value) {
        (NodeKind::Scalar { style, .. }, v) if !v.is_object() && !v.is_array() => {
            let nl = newline(text);
            let rendered = scalar(v, *style, content_indent(text, node), nl);
            // A block scalar's header line (a comment after `|` too) stays
            // when the new text takes the same header.
            let header = text[node.start..node.end]
                .split([' ', '\t', '\r', '\n'])
                .next()
                .unwrap_or("");
            let first_line = next_line_start(text, node.start);
            if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                && first_line < node.end
                && let Some(content) = rendered
                    .strip_prefix(header)
                    .and_then(|r| r.strip_prefix(nl))
            {
                return Splice {
                    start: first_line,
                    end: node.end,
                    text: content.to_string(),
                };
            }
            rendered
        }
        (NodeKind::Seq(items), Value::Array(_)) if node.flow => {
            let style = items.iter().find_map(|i| match i.kind {
                NodeKind::Scalar { style, .. } => Some(style),
                _ => None,
            });
            flow(value, style.unwrap_or(ScalarStyle::Plain))
        }
        _ if node.flow => flow(value, ScalarStyle::Plain),
        _ => {
            let indent = column(text, node.start);
            let lines = block(value, indent, &Style::detect(text));
            // The first line continues where the node started.
            lines.join(newline(text))[indent..].to_string()
        }
    };
    Splice {
        start: node.start,
        end: node.end,
        text: rendered,
    }
}

/// The indentation of a block scalar's text (its second line), or two more
/// than the node's column.
fn content_indent(text: &str, node: &Node) -> usize {
    let next = next_line_start(text, node.start);
    let line = &text[next.min(node.end.max(next))..];
    let line = line.split('\n').next().unwrap_or("");
    let indent = line.len() - line.trim_start_matches(' ').len();
    if next < node.end && indent > 0 {
        indent
    } else {
        column(text, node.start) + 2
    }
}

/// Inserts `key: value` as the last entry of `map`.
pub fn insert_entry(text: &str, map: &Node, key: &str, value: &Value) -> Result<Splice, String> {
    let NodeKind::Map(entries) = &map.kind else {
        return Err("not a mapping".into());
    };
    if map.flow {
        let pair = format!(
            "{}: {}",
            plain_or_quoted(key),
            flow(value, ScalarStyle::Plain)
        );
        let close = map.end - 1;
        let text = if entries.is_empty() {
            pair
        } else {
            format!(", {pair}")
        };
        let at = insertion_in_flow(map, close);
        return Ok(Splice {
            start: at,
            end: at,
            text,
        });
    }
    let Some((first_key, _)) = entries.first() else {
        return Err("an empty block mapping has no indentation to follow".into());
    };
    let indent = column(text, first_key.start);
    let style = Style::detect(text);
    let mut entry = std::collections::BTreeMap::new();
    entry.insert(key.to_string(), value.clone());
    let lines = map_lines(&entry, indent, &style);
    Ok(after_node(text, map, &lines))
}

/// Appends `item` to the block (or flow) sequence `seq`.
pub fn append_item(text: &str, seq: &Node, item: &Value) -> Result<Splice, String> {
    let NodeKind::Seq(items) = &seq.kind else {
        return Err("not a sequence".into());
    };
    if seq.flow {
        let rendered = flow(item, ScalarStyle::Plain);
        let close = seq.end - 1;
        let text = if items.is_empty() {
            rendered
        } else {
            format!(", {rendered}")
        };
        let at = insertion_in_flow(seq, close);
        return Ok(Splice {
            start: at,
            end: at,
            text,
        });
    }
    let Some(first) = items.first() else {
        return Err("an empty block sequence has no indentation to follow".into());
    };
    let dash = dash_column(text, first.start).ok_or("a block sequence item without its dash")?;
    let style = Style::detect(text);
    let lines = item_lines(item, dash, &style);
    Ok(after_node(text, seq, &lines))
}

/// Deletes the map entry `key` of `map` (its lines, for block style).
pub fn delete_entry(text: &str, map: &Node, key: &str) -> Result<Splice, String> {
    let NodeKind::Map(entries) = &map.kind else {
        return Err("not a mapping".into());
    };
    let index = entries
        .iter()
        .position(|(k, _)| k.as_str() == Some(key))
        .ok_or("no such key")?;
    let (k, v) = &entries[index];
    if map.flow {
        return Ok(delete_in_flow(text, index, k.start, v.end, entries.len()));
    }
    let start = line_start(text, k.start);
    if text[start..k.start].trim_start().starts_with('-') {
        return Err("the field is the first key of a list item".into());
    }
    Ok(Splice {
        start,
        end: next_line_start(text, v.end.saturating_sub(1).max(k.start)),
        text: String::new(),
    })
}

/// Deletes item `index` of `seq` (its lines, for block style).
pub fn delete_item(text: &str, seq: &Node, index: usize) -> Result<Splice, String> {
    let NodeKind::Seq(items) = &seq.kind else {
        return Err("not a sequence".into());
    };
    let item = items.get(index).ok_or("no such item")?;
    if seq.flow {
        return Ok(delete_in_flow(
            text,
            index,
            item.start,
            item.end,
            items.len(),
        ));
    }
    Ok(Splice {
        start: line_start(text, item.start),
        end: next_line_start(text, item.end.saturating_sub(1).max(item.start)),
        text: String::new(),
    })
}

/// Just before a flow collection's closing bracket, after its last item.
fn insertion_in_flow(node: &Node, close: usize) -> usize {
    let last_end = match &node.kind {
        NodeKind::Map(e) => e.last().map(|(_, v)| v.end),
        NodeKind::Seq(i) => i.last().map(|n| n.end),
        _ => None,
    };
    last_end.unwrap_or(close)
}

fn delete_in_flow(text: &str, index: usize, start: usize, end: usize, count: usize) -> Splice {
    if count == 1 {
        return Splice {
            start,
            end,
            text: String::new(),
        };
    }
    if index + 1 < count {
        // `a: 1, b: 2` -> `b: 2`: up to the next item.
        let rest = &text[end..];
        let comma = rest.find(',').map_or(0, |i| i + 1);
        let spaces = rest[comma..].len() - rest[comma..].trim_start_matches([' ', '\t']).len();
        Splice {
            start,
            end: end + comma + spaces,
            text: String::new(),
        }
    } else {
        // The last item takes the comma before it.
        let before = &text[..start];
        let comma = before.rfind(',').unwrap_or(start);
        Splice {
            start: comma,
            end,
            text: String::new(),
        }
    }
}

/// Inserts `lines` on new lines after the last line of `node`.
fn after_node(text: &str, node: &Node, lines: &[String]) -> Splice {
    let nl = newline(text);
    let last = node.end.saturating_sub(1).max(node.start);
    let next = next_line_start(text, last);
    let at = if text[..next].ends_with("\r\n") {
        next - 2
    } else if text[..next].ends_with('\n') {
        next - 1
    } else {
        next
    };
    let mut inserted = String::new();
    for line in lines {
        inserted.push_str(nl);
        inserted.push_str(line);
    }
    Splice {
        start: at,
        end: at,
        text: inserted,
    }
}

/// The column of the `- ` that introduces the item starting at `byte`.
fn dash_column(text: &str, byte: usize) -> Option<usize> {
    let start = line_start(text, byte);
    let before = &text[start..byte];
    let dash = before.rfind('-')?;
    before[dash + 1..].trim().is_empty().then_some(dash)
}

/// How the file indents: the step between a key and its children, and
/// where a list's dashes sit relative to their key.
pub struct Style {
    pub step: usize,
    pub dash_offset: usize,
}

impl Style {
    pub fn detect(text: &str) -> Style {
        let mut step = None;
        let mut dash_offset = None;
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            let (a, b) = (pair[0].trim_end(), pair[1]);
            if !a.ends_with(':') || a.trim_start().starts_with('#') {
                continue;
            }
            let ia = a.len() - a.trim_start().len()
                + if a.trim_start().starts_with("- ") {
                    2
                } else {
                    0
                };
            let ib = b.len() - b.trim_start().len();
            if b.trim_start().starts_with("- ") {
                dash_offset.get_or_insert(ib.saturating_sub(ia));
            } else if ib > ia {
                step.get_or_insert(ib - ia);
            }
        }
        Style {
            step: step.unwrap_or(2),
            dash_offset: dash_offset.unwrap_or(2),
        }
    }
}

/// Block YAML lines of `value` at `indent` (a scalar: one line).
fn block(value: &Value, indent: usize, style: &Style) -> Vec<String> {
    match value {
        Value::Object(map) if !map.is_empty() => map_lines(
            &map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            indent,
            style,
        ),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .flat_map(|i| item_lines(i, indent, style))
            .collect(),
        other => vec![format!(
            "{}{}",
            " ".repeat(indent),
            flow(other, ScalarStyle::Plain)
        )],
    }
}

fn map_lines(
    map: &std::collections::BTreeMap<String, Value>,
    indent: usize,
    style: &Style,
) -> Vec<String> {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    for (k, v) in map {
        let key = plain_or_quoted(k);
        match v {
            Value::Object(m) if !m.is_empty() => {
                lines.push(format!("{pad}{key}:"));
                lines.extend(block(v, indent + style.step, style));
            }
            Value::Array(a) if !a.is_empty() => {
                lines.push(format!("{pad}{key}:"));
                lines.extend(block(v, indent + style.dash_offset, style));
            }
            other => lines.push(format!("{pad}{key}: {}", flow(other, ScalarStyle::Plain))),
        }
    }
    lines
}

/// `- ` at `dash`, the item's first line after it, the rest under it.
fn item_lines(item: &Value, dash: usize, style: &Style) -> Vec<String> {
    let mut lines = match item {
        Value::Object(m) if !m.is_empty() => {
            // The merge key (`name`) first, as people write list items.
            let mut ordered: Vec<(String, Value)> =
                m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            ordered.sort_by_key(|(k, _)| k != "name");
            let mut out = Vec::new();
            for (k, v) in ordered {
                let mut one = std::collections::BTreeMap::new();
                one.insert(k, v);
                out.extend(map_lines(&one, dash + 2, style));
            }
            out
        }
        other => block(other, dash + 2, style),
    };
    if let Some(first) = lines.first_mut() {
        first.replace_range(dash..dash + 2, "- ");
    }
    lines
}

/// A value in flow style (`[a, b]`, `{k: v}`, a scalar).
pub fn flow(value: &Value, style: ScalarStyle) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|i| flow(i, style))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", plain_or_quoted(k), flow(v, style)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => scalar(other, style, 0, "\n"),
    }
}

/// A scalar in the style it was written in where that style can carry the
/// value; otherwise plain when that reads back as the same string, else
/// double-quoted.
pub fn scalar(value: &Value, style: ScalarStyle, column: usize, nl: &str) -> String {
    let Value::String(s) = value else {
        return value.to_string();
    };
    match style {
        ScalarStyle::DoubleQuoted => double(s),
        ScalarStyle::SingleQuoted if !s.contains(['\n', '\r', '\t']) => {
            format!("'{}'", s.replace('\'', "''"))
        }
        ScalarStyle::Folded if block_can_carry(s) && !s.trim_end_matches('\n').contains('\n') => {
            block_scalar('>', s, column, nl)
        }
        ScalarStyle::Literal | ScalarStyle::Folded if block_can_carry(s) => {
            block_scalar('|', s, column, nl)
        }
        _ => plain_or_quoted(s),
    }
}

/// A block scalar reads back as `s` without an indentation indicator: its
/// first line not indented nor empty, no carriage return.
fn block_can_carry(s: &str) -> bool {
    !s.is_empty() && !s.starts_with([' ', '\n']) && !s.contains('\r')
}

fn double(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// `|` (literal) or `>` (folded, for one line of text) with the chomping
/// the value's final line breaks call for.
fn block_scalar(indicator: char, s: &str, indent: usize, nl: &str) -> String {
    let body = s.strip_suffix('\n');
    let (chomping, content) = match body {
        Some(b) if !b.ends_with('\n') => ("", b),
        Some(_) => ("+", s.trim_end_matches('\n')),
        None => ("-", s),
    };
    let pad = " ".repeat(indent);
    let mut out = format!("{indicator}{chomping}");
    for line in content.split('\n') {
        out.push_str(nl);
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
    }
    out
}

/// Plain when a YAML 1.1 or 1.2 reader reads the text back as this very
/// string (not a number, boolean, null or timestamp), else double-quoted.
pub fn plain_or_quoted(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_string()
    } else {
        double(s)
    }
}

fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.contains(['\n', '\r', '\t']) {
        return false;
    }
    // `-Xmx2g` reads as a string; `- x`, `-1` and other indicators do not.
    let dash_word = first == '-' && s.len() > 1 && !s.starts_with("- ") && !looks_numeric(s);
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !dash_word {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    const RESERVED: [&str; 14] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", ".nan",
        "<<",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return false;
    }
    !looks_numeric(s)
}

/// Numbers in any YAML schema, sexagesimals and dates: anything starting
/// like one is quoted.
fn looks_numeric(s: &str) -> bool {
    let t = s.trim_start_matches(['+', '-']);
    let t = t.strip_prefix('.').unwrap_or(t);
    t.chars().next().is_some_and(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_hexdigit() || "._:-+xXoOeE".contains(c))
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;
    use serde_json::json;

    fn edit(text: &str, f: impl Fn(&Node) -> Splice) -> String {
        let docs = parse(text).unwrap();
        apply(text, &[f(&docs[0].root)]).unwrap()
    }

    #[test]
    fn a_scalar_keeps_its_quotes_and_comment() {
        let text = "a: \"0.85\" # why\nb: 'x'\nc: 1Gi\n";
        assert_eq!(
            edit(text, |r| replace(text, r.get("a").unwrap(), &json!("0.70"))),
            "a: \"0.70\" # why\nb: 'x'\nc: 1Gi\n"
        );
        assert_eq!(
            edit(text, |r| replace(text, r.get("b").unwrap(), &json!("it's"))),
            "a: \"0.85\" # why\nb: 'it''s'\nc: 1Gi\n"
        );
        assert_eq!(
            edit(text, |r| replace(text, r.get("c").unwrap(), &json!("yes"))),
            "a: \"0.85\" # why\nb: 'x'\nc: \"yes\"\n"
        );
    }

    #[test]
    fn plain_strings_that_read_back_as_other_types_are_quoted() {
        for s in [
            "true",
            "NO",
            "1.0",
            "0x1F",
            "12:30",
            "2026-01-01",
            "",
            "a: b",
            "- x",
            "~",
        ] {
            assert!(plain_or_quoted(s).starts_with('"'), "{s}");
        }
        for s in ["2Gi", "registry.example.com/a:v1", "-Xmx2g", "v2.1", "info"] {
            assert_eq!(plain_or_quoted(s), s);
        }
    }

    #[test]
    fn insertions_follow_the_files_indentation_and_line_endings() {
        let text = "env:\r\n    - name: A\r\n      value: x\r\nnext: 1\r\n";
        let docs = parse(text).unwrap();
        let seq = docs[0].root.get("env").unwrap();
        let s = append_item(text, seq, &json!({"value": "true", "name": "DEBUG"})).unwrap();
        assert_eq!(
            apply(text, &[s]).unwrap(),
            "env:\r\n    - name: A\r\n      value: x\r\n    - name: DEBUG\r\n      value: \"true\"\r\nnext: 1\r\n"
        );
    }

    #[test]
    fn flow_maps_and_lists_are_edited_in_flow_style() {
        let text = "m: {a: 1, b: 2}\nl: [\"get\", \"list\"]\n";
        let docs = parse(text).unwrap();
        let root = &docs[0].root;
        let s = insert_entry(text, root.get("m").unwrap(), "c", &json!(3)).unwrap();
        assert_eq!(
            apply(text, &[s]).unwrap(),
            "m: {a: 1, b: 2, c: 3}\nl: [\"get\", \"list\"]\n"
        );
        let s = delete_entry(text, root.get("m").unwrap(), "a").unwrap();
        assert_eq!(
            apply(text, &[s]).unwrap(),
            "m: {b: 2}\nl: [\"get\", \"list\"]\n"
        );
        let s = replace(
            text,
            root.get("l").unwrap(),
            &json!(["get", "list", "delete"]),
        );
        assert_eq!(
            apply(text, &[s]).unwrap(),
            "m: {a: 1, b: 2}\nl: [\"get\", \"list\", \"delete\"]\n"
        );
    }

    #[test]
    fn block_scalars_stay_block_scalars() {
        let text = "a: |\n  one\n  two\n# after\nb: 1\n";
        assert_eq!(
            edit(text, |r| replace(
                text,
                r.get("a").unwrap(),
                &json!("one\nthree\n")
            )),
            "a: |\n  one\n  three\n# after\nb: 1\n"
        );
    }

    #[test]
    fn a_block_scalars_header_and_its_comment_stay() {
        let text = "a: |- # the banner\n  one\n  two\nb: >\n  folded\n  text\n";
        assert_eq!(
            edit(text, |r| replace(
                text,
                r.get("a").unwrap(),
                &json!("one\n2")
            )),
            "a: |- # the banner\n  one\n  2\nb: >\n  folded\n  text\n"
        );
        assert_eq!(
            edit(text, |r| replace(
                text,
                r.get("b").unwrap(),
                &json!("folded text, edited\n")
            )),
            "a: |- # the banner\n  one\n  two\nb: >\n  folded text, edited\n"
        );
        // Two lines cannot be folded back: they become literal.
        assert_eq!(
            edit(text, |r| replace(
                text,
                r.get("b").unwrap(),
                &json!("x\ny\n")
            )),
            "a: |- # the banner\n  one\n  two\nb: |\n  x\n  y\n"
        );
    }

    #[test]
    fn a_deleted_entry_takes_its_lines() {
        let text = "labels:\n  team: risk # owner\n  tier: 1\nz: 2\n";
        let docs = parse(text).unwrap();
        let s = delete_entry(text, docs[0].root.get("labels").unwrap(), "team").unwrap();
        assert_eq!(apply(text, &[s]).unwrap(), "labels:\n  tier: 1\nz: 2\n");
    }
}
