//! `reticent`: the command-line tool and (later) the reference collector.
//!
//! Commands print one line on failure and exit non-zero; they never panic on
//! bad input (a panic would be a bug, and is reported as such).

mod decode;

use std::process::ExitCode;

const USAGE: &str = "\
usage: reticent <command> [options]

commands:
  decode [--batches] [FILE…]   decode batch files (or stdin, or `-`) to rrweb JSON on stdout
  help                          show this help

decode options:
  --batches   print each batch with its header instead of one merged event array";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("decode") => decode::run(&args[1..]),
        Some("help") | Some("--help") | Some("-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(CliError::usage(format!("unknown command `{other}`"))),
        None => Err(CliError::usage("no command given".into())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reticent: {}", e.message);
            if e.usage {
                eprintln!("run `reticent help` for usage");
            }
            ExitCode::from(e.exit_code)
        }
    }
}

/// A failure of a command: one line for the user and an exit status.
#[derive(Debug)]
pub struct CliError {
    /// The one-line message (no trailing newline).
    pub message: String,
    /// 1 for bad input, 2 for bad usage.
    pub exit_code: u8,
    usage: bool,
}

impl CliError {
    /// Bad input (a file that does not decode, an I/O error).
    pub fn input(message: String) -> Self {
        CliError {
            message: one_line(message),
            exit_code: 1,
            usage: false,
        }
    }
    /// Bad command-line usage.
    pub fn usage(message: String) -> Self {
        CliError {
            message: one_line(message),
            exit_code: 2,
            usage: true,
        }
    }
}

/// Error messages from lower layers may carry newlines; the CLI promises one line.
fn one_line(s: String) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
