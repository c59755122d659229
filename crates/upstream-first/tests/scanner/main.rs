//! The scanner's integration tests, in one binary (each test binary links wasmtime).

mod ci_tools;
mod cli;
mod common;
mod corpus;
mod first_contact;
mod hostile;
mod migrate;
