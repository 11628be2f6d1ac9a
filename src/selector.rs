//! Label selectors as kubectl writes them (`-l app=web,tier!=db,env in (prod,qa),!legacy`):
//! parsed once, matched against objects' labels (Git's for desired objects,
//! the cluster's for orphans) and passed on to the API server's LISTs.

use serde_json::{Map, Value};
use std::fmt;

/// A parsed `--selector`: every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    /// `key=value`, `key==value`, `key in (a,b)`
    In(String, Vec<String>),
    /// `key!=value`, `key notin (a,b)`: also holds when the key is absent.
    NotIn(String, Vec<String>),
    /// `key`
    Exists(String),
    /// `!key`
    DoesNotExist(String),
}

impl Selector {
    /// Parses kubectl's label-selector syntax; the error says what was
    /// expected where.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut parser = Parser {
            text,
            chars: text.char_indices().collect(),
            at: 0,
        };
        let mut requirements = Vec::new();
        parser.skip_spaces();
        if parser.at_end() {
            return Ok(Selector { requirements });
        }
        loop {
            requirements.push(parser.requirement()?);
            parser.skip_spaces();
            if parser.at_end() {
                break;
            }
            parser.expect(',', "`,` between requirements")?;
        }
        Ok(Selector { requirements })
    }

    /// Whether `labels` (an object's `metadata.labels`, absent or not)
    /// satisfy every requirement.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
        self.requirements.iter().all(|r| match r {
            Requirement::In(key, values) => get(key).is_some_and(|v| values.iter().any(|x| x == v)),
            Requirement::NotIn(key, values) => {
                get(key).is_none_or(|v| !values.iter().any(|x| x == v))
            }
            Requirement::Exists(key) => get(key).is_some(),
            Requirement::DoesNotExist(key) => get(key).is_none(),
        })
    }

    /// Whether the labels of `object` satisfy the selector.
    pub fn matches_object(&self, object: &Value) -> bool {
        self.matches(object["metadata"]["labels"].as_object())
    }
}

/// The canonical form, as the API server's `labelSelector` parameter takes it.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| match r {
                Requirement::In(key, values) if values.len() == 1 => format!("{key}={}", values[0]),
                Requirement::In(key, values) => format!("{key} in ({})", values.join(",")),
                Requirement::NotIn(key, values) if values.len() == 1 => {
                    format!("{key}!={}", values[0])
                }
                Requirement::NotIn(key, values) => format!("{key} notin ({})", values.join(",")),
                Requirement::Exists(key) => key.clone(),
                Requirement::DoesNotExist(key) => format!("!{key}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

struct Parser<'a> {
    text: &'a str,
    chars: Vec<(usize, char)>,
    at: usize,
}

impl Parser<'_> {
    fn at_end(&self) -> bool {
        self.at >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).map(|(_, c)| *c)
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    /// Where the parser stands, for errors: `at character 7 (\`in b\`)`.
    fn position(&self) -> String {
        match self.chars.get(self.at) {
            Some((byte, _)) => format!("at character {} (`{}`)", self.at + 1, &self.text[*byte..]),
            None => "at the end".to_string(),
        }
    }

    fn expect(&mut self, wanted: char, what: &str) -> Result<(), String> {
        self.skip_spaces();
        if self.peek() == Some(wanted) {
            self.at += 1;
            Ok(())
        } else {
            Err(format!("expected {what} {}", self.position()))
        }
    }

    /// A run of the characters a label key or value may hold.
    fn word(&mut self) -> String {
        self.skip_spaces();
        let mut out = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || "-_./".contains(*c))
        {
            out.push(c);
            self.at += 1;
        }
        out
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        self.skip_spaces();
        if self.peek() == Some('!') {
            self.at += 1;
            let key = self.key()?;
            return Ok(Requirement::DoesNotExist(key));
        }
        let key = self.key()?;
        self.skip_spaces();
        match self.peek() {
            None | Some(',') => Ok(Requirement::Exists(key)),
            Some('=') => {
                self.at += 1;
                if self.peek() == Some('=') {
                    self.at += 1;
                }
                Ok(Requirement::In(key, vec![self.value()?]))
            }
            Some('!') => {
                self.at += 1;
                if self.peek() != Some('=') {
                    return Err(format!("expected `!=` {}", self.position()));
                }
                self.at += 1;
                Ok(Requirement::NotIn(key, vec![self.value()?]))
            }
            Some('<' | '>') => Err(format!(
                "the comparisons `<` and `>` are not supported in label selectors (key {key})"
            )),
            _ => {
                let start = self.at;
                match self.word().as_str() {
                    "in" => Ok(Requirement::In(key, self.set()?)),
                    "notin" => Ok(Requirement::NotIn(key, self.set()?)),
                    _ => {
                        self.at = start;
                        Err(format!(
                            "expected `=`, `==`, `!=`, `in`, `notin`, `,` or the end after key {key} {}",
                            self.position()
                        ))
                    }
                }
            }
        }
    }

    fn key(&mut self) -> Result<String, String> {
        let before = self.position();
        let key = self.word();
        if key.is_empty() {
            return Err(format!("expected a label key {before}"));
        }
        check_key(&key)?;
        Ok(key)
    }

    fn value(&mut self) -> Result<String, String> {
        let value = self.word();
        check_value(&value)?;
        Ok(value)
    }

    /// `(a, b, c)`
    fn set(&mut self) -> Result<Vec<String>, String> {
        self.expect('(', "`(` to open the set of values")?;
        let mut values = vec![self.value()?];
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(',') => {
                    self.at += 1;
                    values.push(self.value()?);
                }
                Some(')') => {
                    self.at += 1;
                    return Ok(values);
                }
                _ => return Err(format!("expected `,` or `)` {}", self.position())),
            }
        }
    }
}

/// `[prefix/]name`: a DNS subdomain prefix, a name of at most 63 characters.
fn check_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let valid = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part.len() <= 63
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !valid {
            return Err(format!(
                "invalid label key {key}: the prefix before `/` must be a DNS subdomain (lowercase letters, digits, `-` and `.`)"
            ));
        }
    }
    if name.is_empty() || !is_label_word(name) {
        return Err(format!(
            "invalid label key {key}: a name of at most 63 letters, digits, `-`, `_` or `.`, beginning and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// Empty, or at most 63 letters, digits, `-`, `_`, `.`, alphanumeric at both ends.
fn check_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_label_word(value) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value {value}: at most 63 letters, digits, `-`, `_` or `.`, beginning and ending with a letter or digit"
        ))
    }
}

fn is_label_word(word: &str) -> bool {
    word.len() <= 63
        && word.starts_with(|c: char| c.is_ascii_alphanumeric())
        && word.ends_with(|c: char| c.is_ascii_alphanumeric())
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn each_operator_matches_as_kubectl_does() {
        let web = labels(json!({"app": "web", "tier": "front", "env": "prod"}));
        let db = labels(json!({"app": "db", "env": "qa", "legacy": "true"}));
        let none = Map::new();
        for (selector, on_web, on_db, on_none) in [
            ("app=web", true, false, false),
            ("app==web", true, false, false),
            ("app!=web", false, true, true),
            ("env in (prod, qa)", true, true, false),
            ("env notin (qa)", true, false, true),
            ("tier", true, false, false),
            ("!legacy", true, false, true),
            ("app=web,tier", true, false, false),
            (" app = db , legacy ", false, true, false),
            ("", true, true, true),
            ("app.kubernetes.io/name!=x", true, true, true),
            ("app=", false, false, false),
        ] {
            let s = Selector::parse(selector).unwrap_or_else(|e| panic!("{selector}: {e}"));
            assert_eq!(s.matches(Some(&web)), on_web, "{selector} on web");
            assert_eq!(s.matches(Some(&db)), on_db, "{selector} on db");
            assert_eq!(s.matches(Some(&none)), on_none, "{selector} on none");
            assert_eq!(s.matches(None), on_none, "{selector} on no labels");
        }
    }

    #[test]
    fn bad_selectors_say_what_was_expected_where() {
        for (selector, wanted) in [
            (
                "app in prod",
                "expected `(` to open the set of values at character 8 (`prod`)",
            ),
            ("app in (a", "expected `,` or `)` at the end"),
            (
                "app=a b",
                "expected `,` between requirements at character 7 (`b`)",
            ),
            ("=web", "expected a label key at character 1 (`=web`)"),
            ("app=-x", "invalid label value -x"),
            ("Bad_Prefix/app=x", "invalid label key Bad_Prefix/app"),
            ("app>3", "`<` and `>` are not supported"),
            (
                "app foo",
                "expected `=`, `==`, `!=`, `in`, `notin`, `,` or the end after key app at character 5 (`foo`)",
            ),
            ("app,,x", "expected a label key at character 5 (`,x`)"),
        ] {
            let err = Selector::parse(selector).unwrap_err();
            assert!(err.contains(wanted), "{selector}: {err}");
        }
    }

    #[test]
    fn the_canonical_form_parses_back_to_the_same_selector() {
        let s = Selector::parse("a==b, c != d ,e in (f,g),h notin (i), j, !k").unwrap();
        assert_eq!(s.to_string(), "a=b,c!=d,e in (f,g),h!=i,j,!k");
        assert_eq!(Selector::parse(&s.to_string()).unwrap(), s);
    }
}
