//! The YAML of a file as a tree of nodes that remember their byte ranges, so
//! an edit can replace, insert or delete exactly the bytes of one node
//! (comments, quoting, key order and line endings elsewhere stay as they are).
//! Built from saphyr-parser's events, whose spans locate every scalar.

use crate::path::Segment;
use saphyr_parser::{Event, Parser, ScalarStyle};

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range of the node in the file (for a block collection: its first
    /// child's start to its last child's end).
    pub start: usize,
    pub end: usize,
    /// `{a: 1}` or `[a, b]` rather than block style.
    pub flow: bool,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar { value: String, style: ScalarStyle },
    Map(Vec<(Node, Node)>),
    Seq(Vec<Node>),
    Alias,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)),
            _ => None,
        }
    }

    /// The child a path segment names: a map key, a list item by merge key
    /// or by position.
    pub fn child(&self, segment: &Segment) -> Option<&Node> {
        match (segment, &self.kind) {
            (Segment::Field(name), NodeKind::Map(_)) => self.get(name),
            (Segment::Key { field, value }, NodeKind::Seq(items)) => items
                .iter()
                .find(|i| i.get(field).and_then(Node::as_str) == Some(value.as_str())),
            (Segment::Index(i), NodeKind::Seq(items)) => items.get(*i),
            _ => None,
        }
    }
}

/// One document of a file: its root node and the lines it spans (1-based).
#[derive(Debug, Clone)]
pub struct Doc {
    pub root: Node,
    pub first_line: usize,
    pub last_line: usize,
}

/// Parses every document of `text`; an error names the line.
pub fn parse(text: &str) -> Result<Vec<Doc>, String> {
    // Markers count characters; edits splice bytes.
    let bytes_at: Vec<usize> = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .collect();
    let byte = |index: usize| bytes_at.get(index).copied().unwrap_or(text.len());
    let mut parser = Parser::new_from_str(text);
    let mut events = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            format!(
                "line {}: {}",
                line_of(text, byte(e.marker().index())),
                e.info()
            )
        })?;
        events.push((event, byte(span.start.index()), byte(span.end.index())));
    }
    let mut docs = Vec::new();
    let mut at = 0;
    while at < events.len() {
        match events[at].0 {
            Event::DocumentStart(_) => {
                at += 1;
                if matches!(events.get(at).map(|e| &e.0), Some(Event::DocumentEnd)) {
                    at += 1;
                    continue;
                }
                let root = build(text, &events, &mut at)?;
                docs.push(Doc {
                    first_line: line_of(text, root.start),
                    last_line: line_of(text, root.end.saturating_sub(1).max(root.start)),
                    root,
                });
            }
            _ => at += 1,
        }
    }
    Ok(docs)
}

type Spanned<'a> = (Event<'a>, usize, usize);

fn build(text: &str, events: &[Spanned], at: &mut usize) -> Result<Node, String> {
    let (event, start, end) = events.get(*at).ok_or("unexpected end of the YAML stream")?;
    *at += 1;
    let flow_at =
        |pos: usize| matches!(text[pos.min(text.len())..].chars().next(), Some('{' | '['));
    match event {
        Event::Scalar(value, style, _, _) => {
            let (start, end) = scalar_range(text, *start, *end, *style);
            Ok(Node {
                kind: NodeKind::Scalar {
                    value: value.to_string(),
                    style: *style,
                },
                start,
                end,
                flow: false,
            })
        }
        Event::Alias(_) => Ok(Node {
            kind: NodeKind::Alias,
            start: *start,
            end: *end,
            flow: false,
        }),
        Event::MappingStart(..) => {
            let flow = flow_at(*start);
            let mut entries = Vec::new();
            loop {
                match events.get(*at) {
                    Some((Event::MappingEnd, _, close)) => {
                        *at += 1;
                        let (s, e) = range(
                            *start,
                            *close,
                            flow,
                            entries.first().map(|(k, _): &(Node, Node)| k.start),
                            entries.last().map(|(_, v): &(Node, Node)| v.end),
                        );
                        return Ok(Node {
                            kind: NodeKind::Map(entries),
                            start: s,
                            end: e,
                            flow,
                        });
                    }
                    Some(_) => {
                        let key = build(text, events, at)?;
                        let value = build(text, events, at)?;
                        entries.push((key, value));
                    }
                    None => return Err("unexpected end of a mapping".into()),
                }
            }
        }
        Event::SequenceStart(..) => {
            let flow = flow_at(*start);
            let mut items = Vec::new();
            loop {
                match events.get(*at) {
                    Some((Event::SequenceEnd, _, close)) => {
                        *at += 1;
                        let (s, e) = range(
                            *start,
                            *close,
                            flow,
                            items.first().map(|i: &Node| i.start),
                            items.last().map(|i: &Node| i.end),
                        );
                        return Ok(Node {
                            kind: NodeKind::Seq(items),
                            start: s,
                            end: e,
                            flow,
                        });
                    }
                    Some(_) => items.push(build(text, events, at)?),
                    None => return Err("unexpected end of a sequence".into()),
                }
            }
        }
        other => Err(format!("unexpected YAML event {other:?}")),
    }
}

/// The bytes of a scalar as written: a span may run on over spaces and a
/// comment to the next token, and a block scalar's starts at its text,
/// after the `|` or `>` header.
fn scalar_range(text: &str, start: usize, end: usize, style: ScalarStyle) -> (usize, usize) {
    let end = end.min(text.len()).max(start);
    match style {
        ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
            let quote = if style == ScalarStyle::DoubleQuoted {
                b'"'
            } else {
                b'\''
            };
            let bytes = text.as_bytes();
            let mut i = start + 1;
            while i < bytes.len() {
                if quote == b'"' && bytes[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if bytes[i] == quote {
                    if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return (start, i + 1);
                }
                i += 1;
            }
            (start, end)
        }
        ScalarStyle::Plain => {
            let written = &text[start..end];
            let written = written.find(" #").map_or(written, |c| &written[..c]);
            (start, start + written.trim_end().len())
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let header = text[..start].rfind(['|', '>']).unwrap_or(start);
            (header, start + text[start..end].trim_end().len())
        }
    }
}

/// A flow collection spans its brackets; a block one its children.
fn range(
    open: usize,
    close: usize,
    flow: bool,
    first: Option<usize>,
    last: Option<usize>,
) -> (usize, usize) {
    if flow {
        return (open, close.max(open + 1));
    }
    (first.unwrap_or(open), last.unwrap_or(open))
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Byte offset where the line holding `byte` starts.
pub fn line_start(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

/// Byte offset just past the line break ending the line holding `byte`
/// (or the end of the text).
pub fn next_line_start(text: &str, byte: usize) -> usize {
    text[byte.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| byte + i + 1)
}

/// Column (in bytes) of `byte` on its line.
pub fn column(text: &str, byte: usize) -> usize {
    byte - line_start(text, byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_the_bytes_of_each_node() {
        let text = "a:\n  b: \"x\" # c\n  l: [1, 2]\n  m: {k: v}\n---\nz: |\n  text\n\nw: 1\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].root.get("a").unwrap();
        let b = a.get("b").unwrap();
        assert_eq!(&text[b.start..b.end], "\"x\"");
        let l = a.get("l").unwrap();
        assert!(l.flow);
        assert_eq!(&text[l.start..l.end], "[1, 2]");
        let m = a.get("m").unwrap();
        assert_eq!(&text[m.start..m.end], "{k: v}");
        let z = docs[1].root.get("z").unwrap();
        assert_eq!(&text[z.start..z.end], "|\n  text");
        assert_eq!(docs[1].first_line, 6);
    }
}
