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
        let mut segments = Vec::new();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let mut expect_field = true;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let close = chars[i..]
                        .iter()
                        .position(|c| *c == ']')
                        .map(|p| p + i)
                        .ok_or_else(|| format!("unclosed '[' at position {}", i + 1))?;
                    let inner: String = chars[i + 1..close].iter().collect();
                    segments.push(
                        parse_bracket(&inner)
                            .map_err(|e| format!("{e} in '[{inner}]' at position {}", i + 1))?,
                    );
                    i = close + 1;
                    expect_field = false;
                }
                '.' => {
                    if expect_field {
                        return Err(format!("empty field name at position {}", i + 1));
                    }
                    i += 1;
                    expect_field = true;
                    if i == chars.len() {
                        return Err("path ends with '.'".into());
                    }
                }
                _ => {
                    if !expect_field {
                        return Err(format!("expected '.' or '[' at position {}", i + 1));
                    }
                    let start = i;
                    while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                        i += 1;
                    }
                    segments.push(Segment::Field(chars[start..i].iter().collect()));
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

fn parse_bracket(inner: &str) -> Result<Segment, String> {
    if inner == "*" {
        return Ok(Segment::AnyItem);
    }
    if let Some(quoted) = inner.strip_prefix('"') {
        let key = quoted
            .strip_suffix('"')
            .ok_or("a quoted key must end with '\"'")?;
        return Ok(Segment::Field(key.replace("\\\"", "\"")));
    }
    if let Ok(i) = inner.parse::<usize>() {
        return Ok(Segment::Index(i));
    }
    match inner.split_once('=') {
        Some((field, value)) if !field.is_empty() => Ok(Segment::Key {
            field: field.to_string(),
            value: value.to_string(),
        }),
        _ => Err("expected [key=value], [N], [\"key\"] or [*]".into()),
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) => {
                    if name.contains(['.', '/', '[', ']']) || name.is_empty() {
                        write!(f, "[\"{}\"]", name.replace('"', "\\\""))?;
                    } else {
                        if i > 0 {
                            f.write_str(".")?;
                        }
                        f.write_str(name)?;
                    }
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
        ] {
            assert_eq!(FieldPath::parse(text).unwrap().to_string(), text);
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
