//! Echo: return the JSON input unchanged (replace with what the skill does).
//!
//! The contract: one JSON value on stdin, one JSON object on stdout, diagnostics
//! on stderr, a non-zero exit status for a failure. Only std: add serde_json to
//! Cargo.toml when the skill needs to read its input.

use std::io::{self, Read};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = String::new();
    if let Err(error) = io::stdin().read_to_string(&mut input) {
        eprintln!("cannot read stdin: {error}");
        return ExitCode::FAILURE;
    }
    let input = input.trim();
    if input.is_empty() {
        println!("{{}}");
    } else if input.starts_with('{') {
        println!("{input}");
    } else {
        eprintln!("the input must be a JSON object");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
