//! Test support: the replaying API server and what it serves.
#![allow(dead_code)]

pub mod scale;
pub mod server;
