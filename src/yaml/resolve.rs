//! What a plain (unquoted, untagged) scalar means: as kustomize and kubectl
//! resolve it (go-yaml v3: the YAML 1.2 core schema plus `0644`-style octals,
//! `_` in numbers and Go's `0x`/`0o`/`0b`; `yes`/`no`/`on`/`off` stay
//! strings), or as a YAML 1.1 reader does (PyYAML, go-yaml v2, most CI tools).

use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// Which reader's rules a document is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// kubectl apply (sigs.k8s.io/yaml): go-yaml number and bool rules;
    /// timestamps stay the text they are. Plain directories, snapshots,
    /// config files, reports.
    Kubectl,
    /// kustomize (kyaml on go-yaml v3, then JSON): as `Kubectl`, and
    /// timestamps become RFC 3339 text, folded block scalars come out as
    /// kustomize prints them.
    Kustomize,
    /// A YAML 1.1 reader (PyYAML, go-yaml v2): `yes`/`no`/`on`/`off`/`y`/`n`
    /// are booleans, `1:20` is sexagesimal, `0644` octal, floats need a dot.
    /// Values JSON cannot hold (timestamps, `=`, `<<`) read as `!!type text`.
    /// For checking that output means the same to such readers.
    Yaml11,
}

/// A resolved plain scalar: a JSON value, or a number JSON cannot hold.
pub enum Resolved {
    Value(Value),
    /// `.inf`, `.nan`: kubectl and kustomize refuse them too.
    NotJson(String),
}

/// The value of the plain scalar `text` under `dialect`.
pub fn plain(text: &str, dialect: Dialect) -> Resolved {
    match dialect {
        Dialect::Kubectl => go(text, false),
        Dialect::Kustomize => go(text, true),
        Dialect::Yaml11 => yaml11(text),
    }
}

/// The value of `text` written with the core tag `!!suffix` (`!!int "2"`).
pub fn tagged(text: &str, suffix: &str, dialect: Dialect) -> Option<Resolved> {
    let resolved = plain(text, dialect);
    let fits = match (&resolved, suffix) {
        (_, "str") => return Some(Resolved::Value(Value::String(text.to_string()))),
        (Resolved::Value(Value::Null), "null") => true,
        (Resolved::Value(Value::Bool(_)), "bool") => true,
        (Resolved::Value(Value::Number(n)), "int") => !n.is_f64(),
        (Resolved::Value(Value::Number(_)), "float") => true,
        (Resolved::NotJson(_), "float") => true,
        _ => false,
    };
    fits.then_some(resolved)
}

fn string(text: &str) -> Resolved {
    Resolved::Value(Value::String(text.to_string()))
}

/// Only digits, a dot, an exponent and signs: what the float patterns can
/// match (checked first, so that they are built only when needed).
fn float_chars(text: &str) -> bool {
    text.bytes().all(float_chars_byte)
}

fn float_chars_byte(b: u8) -> bool {
    matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
}

/// `2006-`: how every go-yaml timestamp starts.
fn date_first(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// go-yaml v3's `resolve` for an untagged plain scalar, then what
/// `encoding/json` makes of the Go value (a float with an integral value is
/// printed, and so sent, as an integer).
fn go(text: &str, timestamps: bool) -> Resolved {
    let Some(first) = text.bytes().next() else {
        return Resolved::Value(Value::Null);
    };
    match text {
        "true" | "True" | "TRUE" => return Resolved::Value(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Resolved::Value(Value::Bool(false)),
        "~" | "null" | "Null" | "NULL" => return Resolved::Value(Value::Null),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => return Resolved::NotJson(text.to_string()),
        _ => {}
    }
    match first {
        b'.' => {
            static DOT_FLOAT: LazyLock<Regex> =
                LazyLock::new(|| Regex::new(r"^\.[0-9]+([eE][-+]?[0-9]+)?$").unwrap());
            if float_chars(text) && DOT_FLOAT.is_match(text) {
                return float(text).unwrap_or_else(|| string(text));
            }
            string(text)
        }
        b'0'..=b'9' | b'+' | b'-' => {
            if timestamps
                && date_first(text)
                && let Some(t) = timestamp(text)
            {
                return Resolved::Value(Value::String(t));
            }
            let plain = text.replace('_', "");
            if let Some(n) = go_int(&plain) {
                return Resolved::Value(n);
            }
            static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").unwrap()
            });
            if float_chars(&plain)
                && FLOAT.is_match(&plain)
                && let Some(f) = float(&plain)
            {
                return f;
            }
            string(text)
        }
        _ => string(text),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: an optional sign,
/// `0x`/`0o`/`0b` (any case) or a leading `0` for octal.
fn go_int(s: &str) -> Option<Value> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Value::from((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if s.starts_with('+') && magnitude > i64::MAX as u64 {
        // ParseUint takes no sign.
        None
    } else {
        Some(Value::from(magnitude))
    }
}

/// A float as JSON carries it: integral values below 1e21 are written, and
/// so read back, as integers.
fn float(text: &str) -> Option<Resolved> {
    let f: f64 = text.parse().ok()?;
    if !f.is_finite() {
        // strconv.ParseFloat: out of range is an error, the text stays a string.
        return None;
    }
    Some(Resolved::Value(number(f)))
}

/// A finite float as a JSON value, integral ones as integers (Go's
/// encoding/json prints `1e3` as `1000`).
pub fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Value::from(f as i64);
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Value::from(f as u64);
        }
    }
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// go-yaml v3's timestamps (`2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00`,
/// `2006-1-2 15:4:5.999999999`), as `encoding/json` prints a `time.Time`
/// (RFC 3339 with the zone written, fractions without trailing zeros).
pub fn timestamp(text: &str) -> Option<String> {
    if !date_first(text) {
        return None;
    }
    static FORM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:([Tt])|( ))([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]+))?(Z|[-+][0-9]{2}:[0-9]{2})?)?$",
        )
        .unwrap()
    });
    let c = FORM.captures(text)?;
    let num = |i: usize| c.get(i).map(|m| m.as_str().parse::<u32>().unwrap_or(99));
    let (year, month, day) = (num(1)?, num(2)?, num(3)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    let Some(hour) = num(6) else {
        return Some(format!("{date}T00:00:00Z"));
    };
    let (minute, second) = (num(7)?, num(8)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let zone = c.get(10).map(|m| m.as_str());
    // The space form has no zone; the `T` form needs one.
    let zone = match (c.get(4).is_some(), zone) {
        (true, Some(z)) => z,
        (false, None) => "Z",
        _ => return None,
    };
    let zone = if zone == "Z" {
        "Z".to_string()
    } else {
        let hours: u32 = zone[1..3].parse().ok()?;
        let minutes: u32 = zone[4..6].parse().ok()?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        // An offset of zero prints as `Z`.
        if hours == 0 && minutes == 0 {
            "Z".to_string()
        } else {
            zone.to_string()
        }
    };
    let fraction = c
        .get(9)
        .map(|m| m.as_str()[..m.as_str().len().min(9)].trim_end_matches('0'))
        .filter(|f| !f.is_empty())
        .map(|f| format!(".{f}"))
        .unwrap_or_default();
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}"
    ))
}

/// PyYAML's implicit resolvers (YAML 1.1), with the spec's `y`/`n` booleans
/// that go-yaml v2 also knows.
fn yaml11(text: &str) -> Resolved {
    static INT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$").unwrap()
    });
    static FLOAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$").unwrap()
    });
    static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$").unwrap()
    });
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Value(Value::Null),
        "=" => return string("!!value ="),
        "<<" => return string("!!merge <<"),
        _ => {}
    }
    if matches!(
        text,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    ) {
        let yes = matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "yes" | "true" | "on"
        );
        return Resolved::Value(Value::Bool(yes));
    }
    // Each form below starts with a sign, a digit or a dot and holds only
    // these characters: the patterns are built (a cost at every start) only
    // for text that could match one.
    let numeric = matches!(text.as_bytes()[0], b'0'..=b'9' | b'+' | b'-' | b'.')
        && text.bytes().all(|b| {
            b.is_ascii_hexdigit()
                || matches!(
                    b,
                    b'x' | b'i'
                        | b'n'
                        | b'N'
                        | b'I'
                        | b'T'
                        | b't'
                        | b'Z'
                        | b'_'
                        | b':'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b' '
                        | b'\t'
                )
        });
    if !numeric {
        return string(text);
    }
    if INT.is_match(text) {
        return yaml11_int(&text.replace('_', "")).unwrap_or_else(|| string(text));
    }
    if FLOAT.is_match(text) {
        let plain = text.replace('_', "");
        let f = if plain.contains(':') {
            sexagesimal(&plain)
        } else {
            plain
                .to_ascii_lowercase()
                .replace(".inf", "inf")
                .parse()
                .ok()
        };
        return match f {
            Some(f) if f.is_finite() => Resolved::Value(
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
            ),
            _ => Resolved::NotJson(text.to_string()),
        };
    }
    if TIMESTAMP.is_match(text) {
        return string(&format!("!!timestamp {text}"));
    }
    string(text)
}

fn yaml11_int(s: &str) -> Option<Resolved> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude: i128 = if let Some(b) = body.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(h) = body.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if body.contains(':') {
        let f = sexagesimal(body)?;
        f as i128
    } else if body.len() > 1 && body.starts_with('0') {
        i128::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    let n = if negative { -magnitude } else { magnitude };
    if let Ok(i) = i64::try_from(n) {
        Some(Resolved::Value(Value::from(i)))
    } else {
        u64::try_from(n)
            .ok()
            .map(|u| Resolved::Value(Value::from(u)))
    }
}

/// `190:20:30.15`: base 60 digits.
fn sexagesimal(s: &str) -> Option<f64> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut total = 0.0;
    for part in body.split(':') {
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    Some(if negative { -total } else { total })
}

/// Whether a string written plain would be read as something else (or
/// refused) by kubectl, kustomize, or a YAML 1.1 reader.
pub fn misread(text: &str) -> bool {
    // Nulls, booleans, numbers, timestamps, `=` and `<<` all start with one
    // of these in every reader; any other text reads as itself.
    match text.as_bytes().first() {
        None => return true,
        Some(b) if !b"0123456789+-.~=<yYnNtTfFoO".contains(b) => return false,
        _ => {}
    }
    let is_text = |r: Resolved| matches!(r, Resolved::Value(Value::String(s)) if s == text);
    !is_text(go(text, true))
        || !is_text(go(text, false))
        || !is_text(yaml11(text))
        || {
            // go-yaml v2 (kubectl) also takes Go number syntax YAML 1.1 does not
            // have (`0o17`, `1e3`); the union above covers it, and these too.
            static LOOSE: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9_]+)?$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}").unwrap()
            });
            (date_first(text) || text.bytes().all(|b| b == b'_' || float_chars_byte(b)))
                && LOOSE.is_match(text)
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kz(text: &str) -> Value {
        match plain(text, Dialect::Kustomize) {
            Resolved::Value(v) => v,
            Resolved::NotJson(t) => json!(format!("not json {t}")),
        }
    }

    /// What `kubectl kustomize` v5.5.0 printed for each plain scalar.
    #[test]
    fn plain_scalars_resolve_as_kustomize_does() {
        for (text, want) in [
            ("1_000", json!(1000)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("1e3", json!(1000)),
            ("0644", json!(420)),
            ("08", json!(8)),
            ("1.5e3", json!(1500)),
            ("1.0", json!(1)),
            ("-0x1F", json!(-31)),
            ("+12", json!(12)),
            ("0b101", json!(5)),
            ("1_0.5", json!(10.5)),
            ("12:30", json!("12:30")),
            ("2026-01-01", json!("2026-01-01T00:00:00Z")),
            ("1970-01-01T00:00:00Z", json!("1970-01-01T00:00:00Z")),
            (
                "2001-12-14t21:59:43.10-05:00",
                json!("2001-12-14T21:59:43.1-05:00"),
            ),
            ("2001-12-14 21:59:43.10", json!("2001-12-14T21:59:43.1Z")),
            (
                "2001-12-14 21:59:43.10 -5",
                json!("2001-12-14 21:59:43.10 -5"),
            ),
            ("2001-1-4", json!("2001-01-04T00:00:00Z")),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("y", json!("y")),
            ("Off", json!("Off")),
            ("~", Value::Null),
            ("Null", Value::Null),
            ("True", json!(true)),
            ("tRue", json!("tRue")),
            ("0.", json!(0)),
            (".5", json!(0.5)),
            ("-.5", json!(-0.5)),
            ("1e400", json!("1e400")),
            ("9223372036854775808", json!(9223372036854775808u64)),
            ("0x_1F", json!(31)),
            ("1__0", json!(10)),
            ("_10", json!("_10")),
            ("10_", json!(10)),
            ("0_644", json!(420)),
            ("00", json!(0)),
            ("-0644", json!(-420)),
            ("+0o17", json!(15)),
            ("0O17", json!(15)),
            ("0X1F", json!(31)),
            ("1E3", json!(1000)),
            ("1e-3", json!(0.001)),
            ("12e03", json!(12000)),
            ("0b1_0", json!(2)),
            ("1.5e", json!("1.5e")),
            ("=", json!("=")),
            ("<<", json!("<<")),
            ("1:20:30", json!("1:20:30")),
            ("190:20:30.15", json!("190:20:30.15")),
            ("0.1_0", json!(0.1)),
            ("1e3_0", json!(1e30)),
            ("100m", json!("100m")),
            ("-", json!("-")),
        ] {
            assert_eq!(kz(text), want, "{text}");
        }
        assert!(matches!(
            plain(".inf", Dialect::Kustomize),
            Resolved::NotJson(_)
        ));
        assert_eq!(
            match plain("2026-01-01", Dialect::Kubectl) {
                Resolved::Value(v) => v,
                _ => Value::Null,
            },
            json!("2026-01-01")
        );
    }

    #[test]
    fn yaml11_reads_the_old_types() {
        let v = |t: &str| match plain(t, Dialect::Yaml11) {
            Resolved::Value(v) => v,
            Resolved::NotJson(t) => json!(format!("not json {t}")),
        };
        assert_eq!(v("no"), json!(false));
        assert_eq!(v("On"), json!(true));
        assert_eq!(v("y"), json!(true));
        assert_eq!(v("0644"), json!(420));
        assert_eq!(v("1:20"), json!(80));
        assert_eq!(v("190:20:30.15"), json!(685230.15));
        assert_eq!(v("1e3"), json!("1e3"));
        assert_eq!(v("1.0e+3"), json!(1000.0));
        assert_eq!(v("0o17"), json!("0o17"));
        assert_eq!(v("2026-01-01"), json!("!!timestamp 2026-01-01"));
        assert_eq!(v("="), json!("!!value ="));
        // Every form the patterns know, past the checks that spare building them.
        assert_eq!(v(".NaN"), json!("not json .NaN"));
        assert_eq!(v("-.Inf"), json!("not json -.Inf"));
        assert_eq!(v("0x_1f"), json!(31));
        assert_eq!(v("0b1_0"), json!(2));
        assert_eq!(v("-1_0:30"), json!(-630));
        assert_eq!(v("+1_000.5e+3"), json!(1000500.0));
        assert_eq!(
            v("2001-12-14t21:59:43.10-05:00"),
            json!("!!timestamp 2001-12-14t21:59:43.10-05:00")
        );
        assert_eq!(
            v("2001-12-14 \t21:59:43.10 \tZ"),
            json!("!!timestamp 2001-12-14 \t21:59:43.10 \tZ")
        );
        assert_eq!(v("1.0.0-x"), json!("1.0.0-x"));
        assert_eq!(v("Yes"), json!(true));
        assert_eq!(v("yES"), json!("yES"));
    }

    #[test]
    fn strings_that_some_reader_misreads() {
        for s in [
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "n",
            "true",
            "null",
            "~",
            "",
            "0644",
            "1_000",
            "0x1F",
            "0o17",
            "0b1",
            "1e3",
            "1.5",
            ".5",
            "12:30",
            "1:20",
            "2026-01-01",
            "1970-01-01T00:00:00Z",
            "=",
            "<<",
            ".inf",
            "-.inf",
            ".nan",
            "+1",
            "-1",
        ] {
            assert!(misread(s), "{s}");
        }
        for s in [
            "100m",
            "1Gi",
            "v1",
            "app",
            "--flag",
            "nginx:1.25",
            "http://x/#a",
            "1.2.3",
        ] {
            assert!(!misread(s), "{s}");
        }
    }
}
