//! Test support: the replaying API server, its TLS, and what it serves.
#![allow(dead_code)]

pub mod scale;
pub mod server;
pub mod tls;
