//! Desired state: the objects Git declares, read from plain YAML directories
//! or rendered from kustomizations, each remembering the file that declared it.

use crate::model::SourceLocation;
use serde_json::Value;

/// An object as Git declares it.
#[derive(Debug, Clone)]
pub struct DesiredObject {
    pub value: Value,
    pub source: SourceLocation,
}
