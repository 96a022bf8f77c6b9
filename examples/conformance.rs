//! Differential conformance runner: reads a JSON list of request specs (the format of
//! `../shared/oracle/README.md`) on standard input and writes a JSON list of results on
//! standard output, same order: `{"id", "scheme", "signature", "authorization" | "x_wsse",
//! "error"}`.
//!
//! ```sh
//! cargo run --release --example conformance < cases.json > results.json
//! # compare with the official SDKs' answers; exits 1 on any disagreement:
//! cargo run --release --example conformance -- --check expected.json < cases.json
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read as _;
use std::process::ExitCode;

#[path = "../tests/support/conformance.rs"]
mod conformance;
#[path = "../tests/support/reference.rs"]
mod reference;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("conformance: cannot read standard input: {e}");
        return ExitCode::from(2);
    }
    let specs: Vec<serde_json::Value> = match serde_json::from_str(&input) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("conformance: standard input is not a JSON list of specs: {e}");
            return ExitCode::from(2);
        }
    };
    let results = conformance::run(&specs);
    match args.as_slice() {
        [] => {
            println!("{}", serde_json::Value::Array(results));
            ExitCode::SUCCESS
        }
        [flag, expected] if flag == "--check" => {
            let expected: Vec<serde_json::Value> = match std::fs::read_to_string(expected)
                .map_err(|e| e.to_string())
                .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
            {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("conformance: cannot read {expected}: {e}");
                    return ExitCode::from(2);
                }
            };
            let report = conformance::compare(&results, &expected, &conformance::SCHEMES);
            print!("{}", report.summary(20));
            if report.all_agree() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: conformance [--check EXPECTED.json] < CASES.json");
            ExitCode::from(2)
        }
    }
}
