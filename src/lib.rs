//! driftctl: does production still match Git?
//!
//! The pipeline: `source` and `live` produce objects, `compare` produces
//! differences, `classify` turns them into findings, `report` renders them.

pub mod cli;
pub mod live;
pub mod model;
pub mod source;
