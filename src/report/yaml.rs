//! `--output yaml`: the JSON report's content, value for value, as YAML, for
//! people and tools that read YAML (yq, a ticket, a GitOps repository).

use super::json;
use crate::model::Report;

pub fn render(report: &Report, show_ignored: bool) -> String {
    crate::yaml::to_string(&json::to_value(report, show_ignored))
}
