//! The scanner's integration tests, in one binary (each test binary links wasmtime).

mod cli;
mod common;
mod corpus;
mod hostile;
mod migrate;
