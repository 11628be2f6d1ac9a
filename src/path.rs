//! The one field-path notation of text, JSON and rules (DESIGN.md, Paths):
//! dots between fields, list items by merge key as `[key=value]`, index `[3]`
//! only for lists without a key, map keys containing `.` or `/` as `["key"]`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// A map key.
    Field(String),
    /// A list item found by its merge key: `[name=app]`.
    Key { field: String, value: String },
    /// A list item by position, for lists without a merge key.
    Index(usize),
    /// `[*]`: any list item (rules only).
    AnyItem,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    pub fn field(&self, name: &str) -> FieldPath {
        self.with(Segment::Field(name.to_string()))
    }

    pub fn key(&self, field: &str, value: &str) -> FieldPath {
        self.with(Segment::Key {
            field: field.to_string(),
            value: value.to_string(),
        })
    }

    pub fn index(&self, i: usize) -> FieldPath {
        self.with(Segment::Index(i))
    }

    fn with(&self, segment: Segment) -> FieldPath {
        let mut segments = self.0.clone();
        segments.push(segment);
        FieldPath(segments)
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
    }

    /// The name of the last map key on the path (`memory` for
    /// `...limits.memory`, `env` for `...env[name=DEBUG]`).
    pub fn last_field(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Segment::Field(f) => Some(f.as_str()),
            _ => None,
        })
    }

    /// The map key just before the last segment, if the last segment is a field.
    pub fn parent_field(&self) -> Option<&str> {
        let n = self.0.len();
        if n < 2 {
            return None;
        }
        match &self.0[n - 2] {
            Segment::Field(f) => Some(f.as_str()),
            _ => None,
        }
    }

    /// True when the fields of the path (list items skipped) are exactly `fields`.
    pub fn fields_are(&self, fields: &[&str]) -> bool {
        let own: Vec<&str> = self
            .0
            .iter()
            .filter_map(|s| match s {
                Segment::Field(f) => Some(f.as_str()),
                _ => None,
            })
            .collect();
        own == fields
    }

    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.len() >= prefix.0.len() && self.0[..prefix.0.len()] == prefix.0[..]
    }

    /// Parses the notation; the error says what was expected where.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut cursor = Cursor {
            chars: &chars,
            at: 0,
        };
        let mut segments = Vec::new();
        let mut expect_field = true;
        while let Some(c) = cursor.peek() {
            match c {
                '[' => {
                    let open = cursor.at + 1;
                    cursor.at += 1;
                    segments.push(
                        cursor
                            .bracket()
                            .map_err(|e| format!("{e} in the '[' at position {open}"))?,
                    );
                    expect_field = false;
                }
                '.' => {
                    if expect_field {
                        return Err(format!("empty field name at position {}", cursor.at + 1));
                    }
                    cursor.at += 1;
                    expect_field = true;
                    if cursor.peek().is_none() {
                        return Err("path ends with '.'".into());
                    }
                }
                ']' | '"' => {
                    return Err(format!(
                        "unexpected '{c}' at position {} (quote such keys as [\"key\"])",
                        cursor.at + 1
                    ));
                }
                _ => {
                    if !expect_field {
                        return Err(format!("expected '.' or '[' at position {}", cursor.at + 1));
                    }
                    segments.push(Segment::Field(cursor.until(&['.', '[', ']', '"'])));
                    expect_field = false;
                }
            }
        }
        if segments.is_empty() {
            return Err("empty path".into());
        }
        Ok(FieldPath(segments))
    }
}

/// Reads the notation one character at a time.
struct Cursor<'a> {
    chars: &'a [char],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Characters up to (not including) one of `stops`, or to the end.
    fn until(&mut self, stops: &[char]) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| !stops.contains(&c)) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// A `"..."` string with `\"` and `\\` escapes; the cursor is on the
    /// opening quote.
    fn quoted(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("a quoted key must end with '\"'".into()),
                Some('"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(c @ ('"' | '\\')) => out.push(c),
                        _ => return Err("only '\"' and '\\' may follow '\\'".into()),
                    }
                    self.at += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// What follows a `[`: `*`, `N`, `"key"` or `field=value`, then `]`.
    fn bracket(&mut self) -> Result<Segment, String> {
        const EXPECTED: &str = "expected [key=value], [N], [\"key\"] or [*]";
        let segment = if self.peek() == Some('"') {
            Segment::Field(self.quoted()?)
        } else {
            let head = self.until(&['=', ']']);
            if self.peek() == Some('=') {
                if head.is_empty() {
                    return Err(EXPECTED.into());
                }
                self.at += 1;
                let value = if self.peek() == Some('"') {
                    self.quoted()?
                } else {
                    self.until(&[']'])
                };
                Segment::Key { field: head, value }
            } else if self.peek().is_none() {
                return Err("unclosed '['".into());
            } else if head == "*" {
                Segment::AnyItem
            } else if let Ok(i) = head.parse::<usize>() {
                Segment::Index(i)
            } else {
                return Err(EXPECTED.into());
            }
        };
        match self.peek() {
            Some(']') => {
                self.at += 1;
                Ok(segment)
            }
            None => Err("unclosed '['".into()),
            Some(c) => Err(format!("expected ']' but found '{c}'")),
        }
    }
}

/// `"key"`, with `"` and `\` escaped.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) => {
                    if name.contains(['.', '/', '[', ']', '"']) || name.is_empty() {
                        write!(f, "[{}]", quote(name))?;
                    } else {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(name)?;
                    }
                }
                Segment::Key { field, value } if value.contains([']', '"']) => {
                    write!(f, "[{field}={}]", quote(value))?
                }
                Segment::Key { field, value } => write!(f, "[{field}={value}]")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::AnyItem => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_design_notation() {
        let p = FieldPath::root()
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers")
            .key("name", "app")
            .field("resources")
            .field("limits")
            .field("memory");
        assert_eq!(
            p.to_string(),
            "spec.template.spec.containers[name=app].resources.limits.memory"
        );
        let a = FieldPath::root()
            .field("metadata")
            .field("annotations")
            .field("platform.example.com/injected-policy");
        assert_eq!(
            a.to_string(),
            "metadata.annotations[\"platform.example.com/injected-policy\"]"
        );
        assert_eq!(
            FieldPath::root()
                .field("rules")
                .index(0)
                .field("verbs")
                .to_string(),
            "rules[0].verbs"
        );
    }

    #[test]
    fn parse_round_trips() {
        for text in [
            "spec.template.spec.containers[name=app].env[name=DEBUG]",
            "metadata.annotations[\"platform.example.com/injected-policy\"]",
            "rules[0].verbs",
            "spec.template.spec.containers[*].env",
            "spec.volumes[name=models].mountPath",
            "spec.containers[mountPath=/models.v1]",
            "data[\"odd\\\"key]\"]",
            "spec.volumes[mountPath=\"/a]b\"].name",
            "metadata.labels[\"back\\\\slash/x\"]",
        ] {
            assert_eq!(FieldPath::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn keys_with_brackets_and_quotes_round_trip() {
        // Found by the path_notation fuzzer: a key holding `]` was quoted
        // but the closing bracket inside the quotes ended the segment.
        for key in ["containers8\0p]", "a\"b", "c\\", "]\"]", ""] {
            let path = FieldPath::root().field("data").field(key);
            let text = path.to_string();
            assert_eq!(FieldPath::parse(&text), Ok(path.clone()), "{text}");
            let item = FieldPath::root().field("items").key("name", key);
            let text = item.to_string();
            assert_eq!(FieldPath::parse(&text), Ok(item.clone()), "{text}");
        }
    }

    #[test]
    fn parse_errors_say_where() {
        assert!(FieldPath::parse("").unwrap_err().contains("empty"));
        assert!(FieldPath::parse("a..b").unwrap_err().contains("position 3"));
        assert!(
            FieldPath::parse("a[name=x")
                .unwrap_err()
                .contains("unclosed")
        );
        assert!(FieldPath::parse("a[]").unwrap_err().contains("expected"));
        assert!(FieldPath::parse("a.").unwrap_err().contains("ends with"));
        assert!(
            FieldPath::parse("a[0]b")
                .unwrap_err()
                .contains("expected '.'")
        );
    }
}
