//! YAML text to JSON values, from saphyr-parser's events: scalars resolved by
//! the dialect's rules, anchors, aliases and merge keys (`<<`) applied, and
//! bounds on depth and alias expansion that hostile files cannot break.

use super::resolve::{self, Dialect, Resolved};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// Deepest nesting of maps and lists read (real manifests, CRD schemas
/// included, stay far below).
pub const MAX_DEPTH: usize = 128;

/// Most values aliases may copy in one document (a billion-laughs file asks
/// for billions).
pub const MAX_ALIAS_VALUES: usize = 1_000_000;

/// A problem and the line (1-based, within the text given) it is on.
#[derive(Debug)]
pub struct ReadError {
    pub line: usize,
    pub message: String,
}

/// The one document in `text` (None when it holds no document or only a
/// null). `text` is one document's text: the caller splits streams.
pub fn document(text: &str, dialect: Dialect) -> Result<Option<Value>, ReadError> {
    // A block scalar that ends the text without a line break has none
    // (libyaml and go-yaml; saphyr adds one).
    let unterminated = (!text.ends_with('\n')).then(|| text.chars().count());
    let mut reader = Reader {
        unterminated,
        dialect,
        anchors: HashMap::new(),
        copied: 0,
        stack: Vec::new(),
        root: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| plainly(text, e.marker().line().max(1), e.info()))?;
        reader.event(event, span)?;
    }
    Ok(reader.root.filter(|v| !v.is_null()))
}

/// The parser's words for two common slips, said plainly: a tab in
/// indentation, and a quote never closed (named at the line it opens on,
/// not where the parser gave up).
fn plainly(text: &str, line: usize, info: &str) -> ReadError {
    if info.contains("tabs disallowed") {
        return ReadError {
            line,
            message: "invalid YAML: tab character in indentation (YAML indents with spaces only)"
                .into(),
        };
    }
    if info.contains("quoted scalar")
        && let Some(opened) = quote_opened_at(text, line)
    {
        return ReadError {
            line: opened,
            message: "invalid YAML: a quoted string opens on this line and is never closed".into(),
        };
    }
    ReadError {
        line,
        message: format!("invalid YAML: {info}"),
    }
}

/// The line (1-based) on which a quoted scalar still open at line `upto`
/// began: quotes that open a scalar (after `: `, `- `, `[`, `{`, `,` or at
/// the start of a line), `\"` and `''` escapes, comments outside quotes.
fn quote_opened_at(text: &str, upto: usize) -> Option<usize> {
    let mut open: Option<(char, usize)> = None;
    for (i, line) in text.lines().take(upto).enumerate() {
        let mut previous = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match open {
                Some(('"', _)) if c == '\\' => {
                    chars.next();
                }
                Some(('\'', _)) if c == '\'' && chars.peek() == Some(&'\'') => {
                    chars.next();
                }
                Some((quote, _)) if c == quote => open = None,
                Some(_) => {}
                None if c == '#' && previous.is_whitespace() => break,
                None if (c == '"' || c == '\'') && " \t:-[{,".contains(previous) => {
                    open = Some((c, i + 1));
                }
                None => {}
            }
            previous = c;
        }
    }
    open.map(|(_, line)| line)
}

struct Reader {
    /// The text's length in characters, when it does not end with a line break.
    unterminated: Option<usize>,
    dialect: Dialect,
    /// Anchored values and how many values each holds.
    anchors: HashMap<usize, (Value, usize)>,
    /// Values copied by aliases so far.
    copied: usize,
    stack: Vec<Frame>,
    root: Option<Value>,
    documents: usize,
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        size: usize,
    },
    Map {
        map: Map<String, Value>,
        anchor: usize,
        size: usize,
        /// The key read, waiting for its value.
        key: Option<Key>,
        /// Where explicit keys were first seen (duplicates are errors).
        lines: HashMap<String, usize>,
        /// The `<<` value, merged when the map ends.
        merge: Option<Value>,
    },
}

enum Key {
    Text(String, usize),
    Merge(usize),
    /// An entry kustomize drops (a quoted `<<`).
    Dropped,
}

fn error(span: &Span, message: impl Into<String>) -> ReadError {
    ReadError {
        line: span.start.line().max(1),
        message: message.into(),
    }
}

impl Reader {
    fn event(&mut self, event: Event, span: Span) -> Result<(), ReadError> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(error(&span, "more than one document in one part"));
                }
            }
            Event::Scalar(mut text, style, anchor, tag) => {
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && self.unterminated.is_some_and(|end| span.end.index() >= end)
                    && text.ends_with('\n')
                {
                    text.to_mut().pop();
                }
                if self.expects_key() {
                    return self.key(text, style, anchor, tag, &span);
                }
                let value = self.scalar(&text, style, tag.as_deref(), &span)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.value(value, 1, &span)?;
            }
            Event::Alias(id) => {
                let Some((value, size)) = self.anchors.get(&id) else {
                    return Err(error(&span, "alias to an unknown anchor"));
                };
                self.copied += size;
                if self.copied > MAX_ALIAS_VALUES {
                    return Err(error(
                        &span,
                        format!(
                            "aliases expand to more than {MAX_ALIAS_VALUES} values (an alias bomb?)"
                        ),
                    ));
                }
                let (value, size) = (value.clone(), *size);
                if self.expects_key() {
                    return match value {
                        Value::String(s) => {
                            self.set_key(Key::Text(s, span.start.line()));
                            Ok(())
                        }
                        _ => Err(error(
                            &span,
                            "a map key is an alias to a value that is no string",
                        )),
                    };
                }
                self.value(value, size, &span)?;
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.expects_key() {
                    return Err(error(&span, "a map key is a map or list, not a string"));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(error(
                        &span,
                        format!("nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq {
                            items: Vec::new(),
                            anchor,
                            size: 1,
                        }
                    } else {
                        Frame::Map {
                            map: Map::new(),
                            anchor,
                            size: 1,
                            key: None,
                            lines: HashMap::new(),
                            merge: None,
                        }
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, anchor, size) = match self.stack.pop() {
                    Some(Frame::Seq {
                        items,
                        anchor,
                        size,
                    }) => (Value::Array(items), anchor, size),
                    Some(Frame::Map {
                        mut map,
                        anchor,
                        size,
                        merge,
                        ..
                    }) => {
                        if let Some(merge) = merge {
                            merge_into(&mut map, merge);
                        }
                        (Value::Object(map), anchor, size)
                    }
                    None => return Err(error(&span, "unbalanced YAML collection")),
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, (value.clone(), size));
                }
                self.value(value, size, &span)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn set_key(&mut self, key: Key) {
        if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
            *slot = Some(key);
        }
    }

    fn key(
        &mut self,
        text: Cow<str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<Tag>>,
        span: &Span,
    ) -> Result<(), ReadError> {
        let line = span.start.line();
        // Only a plain, untagged `<<` merges (a quoted one is a key).
        if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
            self.set_key(Key::Merge(line));
            return Ok(());
        }
        // kyaml takes a quoted `<<` for a merge key too and loses the
        // entry (recorded with kustomize v5.5.0: neither kept nor merged).
        if self.dialect == Dialect::Kustomize && text == "<<" && tag.is_none() {
            self.set_key(Key::Dropped);
            return Ok(());
        }
        let value = self.scalar(&text, style, tag.as_deref(), span)?;
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), 1));
        }
        let key = match value {
            Value::String(s) => s,
            Value::Null => return Err(error(span, "a map key is null, not a string")),
            // kubectl turns other keys into their text (`1: a` is key "1").
            other => other.to_string(),
        };
        self.set_key(Key::Text(key, line));
        Ok(())
    }

    /// A finished value: the document's root, a list item or a map value.
    fn value(&mut self, value: Value, size: usize, span: &Span) -> Result<(), ReadError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Frame::Seq {
                items, size: total, ..
            }) => {
                items.push(value);
                *total += size;
                Ok(())
            }
            Some(Frame::Map {
                map,
                size: total,
                key,
                lines,
                merge,
                ..
            }) => {
                *total += size;
                match key.take() {
                    Some(Key::Text(k, line)) => {
                        if let Some(first) = lines.get(&k) {
                            return Err(ReadError {
                                line,
                                message: format!(
                                    "duplicate entry with key {k:?} (first at line {first})"
                                ),
                            });
                        }
                        lines.insert(k.clone(), line);
                        map.insert(k, value);
                        Ok(())
                    }
                    Some(Key::Merge(line)) => {
                        if merge.is_some() {
                            return Err(ReadError {
                                line,
                                message: "duplicate merge key <<".into(),
                            });
                        }
                        let mergeable = match &value {
                            Value::Object(_) => true,
                            Value::Array(items) => items.iter().all(Value::is_object),
                            _ => false,
                        };
                        if !mergeable {
                            return Err(ReadError {
                                line,
                                message: "merge key << takes a map or a list of maps".into(),
                            });
                        }
                        *merge = Some(value);
                        Ok(())
                    }
                    Some(Key::Dropped) => Ok(()),
                    None => Err(error(span, "a map value without a key")),
                }
            }
        }
    }

    fn scalar(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: &Span,
    ) -> Result<Value, ReadError> {
        let resolved = match (style, tag) {
            (_, Some(tag)) if tag.is_yaml_core_schema() => {
                match resolve::tagged(text, &tag.suffix, self.dialect) {
                    Some(r) => r,
                    None if matches!(
                        tag.suffix.as_str(),
                        "binary"
                            | "map"
                            | "seq"
                            | "set"
                            | "omap"
                            | "timestamp"
                            | "merge"
                            | "value"
                            | "yaml"
                    ) =>
                    {
                        Resolved::Value(Value::String(text.to_string()))
                    }
                    None => {
                        return Err(error(
                            span,
                            format!("{text:?} is not a valid !!{}", tag.suffix),
                        ));
                    }
                }
            }
            // A custom tag (`!Ref x`): go-yaml reads the text.
            (_, Some(_)) => Resolved::Value(Value::String(text.to_string())),
            (ScalarStyle::Plain, None) => resolve::plain(text, self.dialect),
            (ScalarStyle::Folded, None) if self.dialect == Dialect::Kustomize => {
                Resolved::Value(Value::String(kustomize_folded(text)))
            }
            _ => Resolved::Value(Value::String(text.to_string())),
        };
        match resolved {
            Resolved::Value(v) => Ok(v),
            Resolved::NotJson(t) => Err(error(span, format!("number {t} cannot be represented"))),
        }
    }
}

/// Keys of `merge` (a map, or maps of which the first wins) that `map`
/// does not set itself.
fn merge_into(map: &mut Map<String, Value>, merge: Value) {
    let sources = match merge {
        Value::Array(items) => items,
        one => vec![one],
    };
    let explicit: std::collections::HashSet<String> = map.keys().cloned().collect();
    for source in sources {
        if let Value::Object(source) = source {
            for (k, v) in source {
                if !explicit.contains(&k) && !map.contains_key(&k) {
                    map.insert(k, v);
                }
            }
        }
    }
}

/// A folded block scalar as kustomize passes it on: kyaml writes it back
/// as a folded scalar with go-yaml v3's emitter and reads that again. The
/// emitter puts a blank line after every line break that follows a line not
/// starting with a space (it tests the first character of the whole value
/// where it means the text after the break), so a break before a
/// more-indented line comes back doubled: `"a\n  b"` becomes `"a\n\n  b"`.
fn kustomize_folded(value: &str) -> String {
    // The emitter writes double quotes where a block scalar is not allowed.
    let lines: Vec<&str> = value.split('\n').collect();
    let trailing_space = lines.iter().any(|l| l.ends_with(' ') || l.ends_with('\t'));
    let special = value
        .chars()
        .any(|c| c != '\n' && (c.is_control() || c == '\u{feff}'));
    if value.is_empty() || trailing_space || special || value.starts_with(' ') {
        return value.to_string();
    }
    let first = value.trim_start_matches('\n').chars().next();
    let doubles = !matches!(first, None | Some(' ' | '\t'));
    if !doubles {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 8);
    let mut at_line_start = true;
    let mut line_leads_blank = true;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            if !at_line_start && !line_leads_blank {
                // The run of breaks ends before a more-indented line (or
                // the end of a kept block): one break more comes back.
                let mut rest = chars.clone();
                let mut run = 0;
                while rest.peek() == Some(&'\n') {
                    rest.next();
                    run += 1;
                }
                let next = rest.peek().copied();
                let keep_end = next.is_none() && run > 0;
                if matches!(next, Some(' ' | '\t')) || keep_end {
                    out.push('\n');
                }
            }
            out.push('\n');
            at_line_start = true;
        } else {
            if at_line_start {
                line_leads_blank = c == ' ' || c == '\t';
            }
            out.push(c);
            at_line_start = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_scalars_come_out_as_kustomize_prints_them() {
        // Recorded: kubectl kustomize v5.5.0 (fixtures/dialect NOTES.md).
        assert_eq!(
            kustomize_folded(
                "this is folded into one line\nand this is a second paragraph\n  with a more-indented line kept as is\n"
            ),
            "this is folded into one line\nand this is a second paragraph\n\n  with a more-indented line kept as is\n"
        );
        assert_eq!(kustomize_folded("one two three"), "one two three");
        assert_eq!(kustomize_folded("a\nb\n"), "a\nb\n");
        assert_eq!(kustomize_folded("a\n\n  b\n"), "a\n\n\n  b\n");
        assert_eq!(kustomize_folded("  a\nb\n"), "  a\nb\n");
    }
}
