use super::*;
use serde_json::json;

fn one(text: &str) -> Value {
    from_str(text, "f.yaml").unwrap()
}

fn kustomize(text: &str) -> Value {
    parse_documents_as(text, "f.yaml", Dialect::Kustomize).unwrap()[0]
        .value
        .clone()
}

#[test]
fn documents_carry_their_start_line() {
    let text = "# comment\na: 1\n---\nb: 2\n---\n\n---\nc: 3\n";
    let docs = parse_documents(text, "f.yaml").unwrap();
    let lines: Vec<usize> = docs.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![1, 4, 8]);
    assert_eq!(docs[2].value["c"], 3);
}

#[test]
fn errors_name_file_and_absolute_line() {
    let text = "a: 1\n---\nb: 2\nc: [1, 2\n";
    let err = parse_documents(text, "bad.yaml").unwrap_err().to_string();
    assert!(err.starts_with("bad.yaml:"), "{err}");
    assert!(err.contains("invalid YAML"), "{err}");
    let line: usize = err.split(':').nth(1).unwrap().parse().unwrap();
    assert!(line >= 4, "{err}");
}

#[test]
fn duplicate_keys_are_errors_at_their_line_but_merged_keys_are_not() {
    let err = parse_documents("x:\n  a: 1\n  b: 2\n  a: 3\n", "d.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("d.yaml:4: duplicate entry"), "{err}");
    assert_eq!(
        one("a: &a {x: 1, y: 2}\nb: {<<: *a, x: 3}\n")["b"],
        json!({"x": 3, "y": 2})
    );
    assert_eq!(one("b: {x: 3, <<: {x: 1}}\n")["b"], json!({"x": 3}));
    let err = parse_documents("b: {<<: {x: 1}, <<: {y: 1}}\n", "d.yaml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate merge key"), "{err}");
}

#[test]
fn merge_keys_take_maps_and_lists_of_maps_first_wins() {
    let text = "a: &a {app: x, tier: backend}\nb: {<<: [*a, {tier: config, z: 1}], v: '1'}\n";
    assert_eq!(
        one(text)["b"],
        json!({"app": "x", "tier": "backend", "z": 1, "v": "1"})
    );
    // A quoted `<<` is an ordinary key.
    assert_eq!(one("\"<<\": 1\n"), json!({"<<": 1}));
    assert!(parse_documents("a: {<<: 1}\n", "f").is_err());
}

#[test]
fn numbers_as_kustomize_reads_them() {
    let v = one(
        "a: 0644\nb: 1_000\nc: 0x1F\nd: 0o17\ne: 1e3\nf: yes\ng: '0644'\nh: !!str 1\ni: !!int \"2\"\n",
    );
    assert_eq!(
        v,
        json!({"a": 420, "b": 1000, "c": 31, "d": 15, "e": 1000, "f": "yes", "g": "0644", "h": "1", "i": 2})
    );
    assert!(parse_documents("a: .inf\n", "f").is_err());
    assert!(parse_documents("a: !!int x\n", "f").is_err());
    assert_eq!(
        one("a: !Ref b\nc: !Sub [x, y]\n"),
        json!({"a": "b", "c": ["x", "y"]})
    );
}

#[test]
fn timestamps_become_rfc3339_only_through_kustomize() {
    assert_eq!(one("a: 2026-01-01\n")["a"], "2026-01-01");
    assert_eq!(kustomize("a: 2026-01-01\n")["a"], "2026-01-01T00:00:00Z");
}

#[test]
fn keys_that_are_not_strings() {
    assert_eq!(
        one("1: a\ntrue: b\nyes: c\n"),
        json!({"1": "a", "true": "b", "yes": "c"})
    );
    assert!(parse_documents("~: a\n", "f").is_err());
    assert!(parse_documents("[1, 2]: a\n", "f").is_err());
}

#[test]
fn block_scalars_and_stream_forms() {
    let docs = parse_documents("a: |\n  x\n  y", "f").unwrap();
    assert_eq!(docs[0].value["a"], "x\ny");
    let docs = parse_documents("a: |\n  x\n", "f").unwrap();
    assert_eq!(docs[0].value["a"], "x\n");
    let text = "data:\n  script: |\n    ---\n    echo hi\n";
    assert_eq!(one(text)["data"]["script"], "---\necho hi\n");
    let docs = parse_documents("--- {a: 1}\n---\nb: 2\n...\n--- c\n", "f").unwrap();
    assert_eq!(docs.len(), 3);
    let docs =
        parse_documents("\u{feff}# bom\na: 1\r\nb: |\r\n  x\r\n---\r\nc: 2\r\n", "f").unwrap();
    assert_eq!(docs[0].value, json!({"a": 1, "b": "x\n"}));
    assert_eq!(docs[1].value, json!({"c": 2}));
    assert!(parse_documents("", "f").unwrap().is_empty());
    assert!(
        parse_documents("# only a comment\n---\n", "f")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn folded_scalars_through_kustomize() {
    let text = "a: >\n  one\n  two\n\n  para\n    more\n";
    assert_eq!(one(text)["a"], "one two\npara\n  more\n");
    assert_eq!(kustomize(text)["a"], "one two\npara\n\n  more\n");
}

#[test]
fn alias_bombs_and_depth_are_bounded() {
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for name in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        prev = name;
    }
    let err = parse_documents(&text, "bomb.yaml").unwrap_err().to_string();
    assert!(err.contains("alias"), "{err}");
    let deep = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let err = parse_documents(&deep, "deep.yaml").unwrap_err().to_string();
    assert!(
        err.starts_with("deep.yaml:1: ") && (err.contains("nested") || err.contains("recursion")),
        "{err}"
    );
}

#[test]
fn invalid_utf8_and_nul_are_refused_with_a_line() {
    let err = text_from_bytes(b"a: 1\nb: \xff\n", "x.yaml").unwrap_err();
    assert!(
        err.to_string().starts_with("x.yaml:2: not valid UTF-8"),
        "{err}"
    );
    let err = text_from_bytes(b"a: 1\n\nb: \0\n", "x.yaml").unwrap_err();
    assert!(
        err.to_string().starts_with("x.yaml:3: contains a NUL"),
        "{err}"
    );
}

#[test]
fn typed_lists_give_items_their_kind() {
    let list = json!({"apiVersion": "v1", "kind": "ConfigMapList",
        "items": [{"metadata": {"name": "a"}}]});
    let items = expand_lists(list);
    assert_eq!(items[0]["kind"], "ConfigMap");
    assert_eq!(items[0]["apiVersion"], "v1");
}

/// Written, then read back by this reader and by a YAML 1.1 reader: the
/// same value.
fn round_trips(value: &Value) {
    let text = to_string(value);
    for dialect in [Dialect::Kubectl, Dialect::Yaml11] {
        let back = parse_documents_as(&text, "out.yaml", dialect)
            .unwrap_or_else(|e| panic!("{e:#}\n{text}"));
        assert_eq!(&back[0].value, value, "{dialect:?}:\n{text}");
    }
}

#[test]
fn output_means_the_same_to_every_reader() {
    let strings = [
        "no",
        "yes",
        "on",
        "Off",
        "y",
        "n",
        "N",
        "true",
        "False",
        "null",
        "~",
        "",
        "0644",
        "0755",
        "1_000",
        "0x1F",
        "0o17",
        "0b11",
        "1e3",
        "1.5",
        ".5",
        "12:30",
        "1:20",
        "190:20:30.15",
        "2026-01-01",
        "1970-01-01T00:00:00Z",
        "2001-1-4",
        "=",
        "<<",
        ".inf",
        "-.inf",
        ".nan",
        "+1",
        "-1",
        "-",
        "--flag",
        "- x",
        "? x",
        ": x",
        "a: b",
        "a #b",
        "a#b",
        "#c",
        "&a",
        "*a",
        "!t",
        "|",
        ">",
        "'",
        "\"",
        "%",
        "@",
        "`",
        "---",
        "...",
        " lead",
        "trail ",
        "tab\there",
        "a\nb",
        "a\nb\n",
        "a\nb\n\n",
        "\nlead",
        " x\ny",
        "x  \ny",
        "\u{85}",
        "\u{2028}",
        "\u{feff}",
        "\u{7f}",
        "héllo wörld",
        "http://example.com/#frag",
        "{a: 1}",
        "[a]",
        "a,b",
        "100m",
        "nginx:1.25",
        "app.kubernetes.io/name",
    ];
    let mut map = serde_json::Map::new();
    for (i, s) in strings.iter().enumerate() {
        round_trips(&json!(s));
        map.insert(format!("k{i}"), json!(s));
        map.insert(s.to_string(), json!(i));
    }
    let value = json!({"m": map, "l": strings.to_vec(), "n": [1, -2, 0.5, 1e30, 1e-7, 1234567.5,
        18446744073709551615u64, true, null, {}, [], [[1, "a\nb"], {"x": "y\n"}]]});
    round_trips(&value);
}
