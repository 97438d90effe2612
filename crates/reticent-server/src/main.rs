//! `reticent`: the reference collector and the command-line tool.
//!
//! - `serve`: the HTTP collector (`POST /v1/batches`) with embedded SQLite
//!   storage and retention ([`serve`], [`http`], [`ingest`], [`store`]).
//! - `decode`, `export`: batches → rrweb JSON.
//! - `sessions`, `delete`, `purge`, `audit`: administration of the store ([`admin`]).
//! - the replay viewer under `/viewer/` ([`viewer`]) and an optional demo site
//!   under `/demo/` ([`demo`]), served by `serve`.
//!
//! Commands print one line on failure and exit non-zero (1 bad input or
//! failure, 2 bad usage); they never panic on bad input (a panic would be a
//! bug, and is reported as such).

mod admin;
mod config;
mod connections;
mod decode;
mod demo;
mod http;
mod ingest;
mod pii;
mod serve;
mod stats;
mod store;
mod viewer;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Reticent: privacy-first session replay (collector and tools).
#[derive(Parser, Debug)]
#[command(name = "reticent", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decode batch files (or stdin, or `-`) to rrweb JSON on stdout.
    Decode(decode::DecodeArgs),
    /// Run the collector (`POST /v1/batches`, `GET /healthz`, `GET /v1/stats`)
    /// and the replay viewer (`/viewer/`).
    Serve(Box<config::ServeArgs>),
    /// List stored sessions (site, id, start, duration, pages, batches, bytes).
    Sessions(SessionsArgs),
    /// Print one session as an rrweb JSON event array (as `decode` does).
    Export(SessionArgs),
    /// Delete every batch of a session (data subject requests).
    Delete(SessionArgs),
    /// Delete sessions whose last activity is older than the retention period.
    Purge(PurgeArgs),
    /// Scan stored sessions for personal data that should not be there.
    Audit(SessionsArgs),
}

/// `--db PATH`, shared by the store commands.
#[derive(Args, Debug)]
struct DbArg {
    /// The SQLite database the collector writes.
    #[arg(long, value_name = "PATH")]
    db: PathBuf,
}

#[derive(Args, Debug)]
struct SessionsArgs {
    #[command(flatten)]
    db: DbArg,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SessionArgs {
    #[command(flatten)]
    db: DbArg,
    /// The session id (as recorded: `sessionId` of its batches).
    #[arg(long, value_name = "ID")]
    session: String,
    /// The site the session belongs to, when the id exists under several sites.
    #[arg(long, value_name = "NAME")]
    site: Option<String>,
}

#[derive(Args, Debug)]
struct PurgeArgs {
    #[command(flatten)]
    db: DbArg,
    /// Keep sessions active within this many days.
    #[arg(long, value_name = "N", default_value_t = config::DEFAULT_RETENTION_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    retention_days: u32,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version print and exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Decode(a) => decode::run(&a),
        Command::Serve(a) => serve::run(*a),
        Command::Sessions(a) => admin::sessions(&a.db.db, a.json),
        Command::Export(a) => admin::export(&a.db.db, &a.session, a.site.as_deref()),
        Command::Delete(a) => admin::delete(&a.db.db, &a.session, a.site.as_deref()),
        Command::Purge(a) => admin::purge(&a.db.db, a.retention_days),
        Command::Audit(a) => admin::audit(&a.db.db, a.json),
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
    /// Bad input (a file that does not decode, an I/O error, a failed store).
    pub fn input(message: String) -> Self {
        CliError {
            message: one_line(message),
            exit_code: 1,
            usage: false,
        }
    }
    /// Bad command-line usage or configuration.
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
