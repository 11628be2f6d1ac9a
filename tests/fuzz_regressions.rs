//! Every input the fuzzers keep (seed corpora and any crash they found, in
//! tests/fuzz/corpus/<target>/ and tests/fuzz/artifacts/<target>/) replayed
//! through the same entry points, so a fixed crash stays fixed.

mod common;

use common::root;

fn replay(target: &str, run: fn(&[u8])) {
    let mut count = 0;
    for dir in ["corpus", "artifacts"] {
        let dir = root().join("tests/fuzz").join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "{target}: {} panics", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "{target}: no corpus kept");
}

#[test]
fn manifest_loader_corpus() {
    replay("manifest_loader", driftctl::fuzzing::manifest_loader);
}

#[test]
fn managed_fields_corpus() {
    replay("managed_fields", driftctl::fuzzing::managed_fields_parser);
}

#[test]
fn path_notation_corpus() {
    replay("path_notation", driftctl::fuzzing::path_notation);
}

#[test]
fn compare_objects_corpus() {
    replay("compare_objects", driftctl::fuzzing::compare_objects);
}
