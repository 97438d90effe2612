//! `reticent decode`: batch files → rrweb JSON.

use std::io::{Read, Write};

use reticent_core::batch::{Batch, DecodeLimits, DECODE_STACK_MIB};
use reticent_core::event::Event;

use crate::CliError;

/// `reticent decode [--batches] [FILE…]`
#[derive(clap::Args, Debug)]
pub struct DecodeArgs {
    /// Print each batch with its header instead of one merged event array.
    #[arg(long)]
    batches: bool,
    /// Batch files; none or `-` reads stdin.
    #[arg(value_name = "FILE")]
    files: Vec<String>,
}

/// Runs the command.
pub fn run(args: &DecodeArgs) -> Result<(), CliError> {
    let batches_mode = args.batches;
    let mut inputs = args.files.clone();
    if inputs.is_empty() {
        inputs.push("-".into());
    }
    let limits = DecodeLimits::default();
    let mut batches = Vec::with_capacity(inputs.len());
    for input in &inputs {
        let bytes = read_capped(input, limits.max_compressed)?;
        let name = if input == "-" {
            "<stdin>"
        } else {
            input.as_str()
        };
        let batch = decode_on_big_stack(bytes, limits)
            .map_err(|e| CliError::input(format!("{name}: {} {}", e.code.as_str(), e.message)))?;
        batches.push(batch);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    batches.sort_by_key(|b| (b.start_time, b.sequence));
    let written = if batches_mode {
        serde_json::to_writer(&mut out, &batches)
    } else {
        serde_json::to_writer(&mut out, &merged_events(batches))
    };
    written
        .map_err(|e| CliError::input(format!("cannot write JSON: {e}")))
        .and_then(|()| {
            writeln!(out)
                .and_then(|()| out.flush())
                .map_err(|e| CliError::input(format!("cannot write output: {e}")))
        })
}

/// All events of all batches in time order (stable: equal timestamps keep
/// their recorded order), which is what rrweb's replayer takes.
pub fn merged_events(batches: Vec<Batch>) -> Vec<Event> {
    let mut events: Vec<Event> = batches.into_iter().flat_map(|b| b.events).collect();
    events.sort_by_key(|e| e.timestamp);
    events
}

/// Reads a file (or stdin for `-`) but never more than `cap + 1` bytes, so an
/// oversized input is refused without being loaded.
fn read_capped(input: &str, cap: usize) -> Result<Vec<u8>, CliError> {
    let name = if input == "-" { "<stdin>" } else { input };
    let reader: Box<dyn Read> = if input == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(input)
                .map_err(|e| CliError::input(format!("{name}: cannot open: {e}")))?,
        )
    };
    let mut buf = Vec::new();
    reader
        .take(cap as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::input(format!("{name}: cannot read: {e}")))?;
    if buf.len() > cap {
        return Err(CliError::input(format!(
            "{name}: TOO_LARGE input is larger than {cap} bytes"
        )));
    }
    Ok(buf)
}

/// Decoding recurses once per nesting level: give it the stack it is specified for.
pub fn decode_on_big_stack(
    bytes: Vec<u8>,
    limits: DecodeLimits,
) -> Result<Batch, reticent_core::CoreError> {
    std::thread::Builder::new()
        .name("decode".into())
        .stack_size(DECODE_STACK_MIB << 20)
        .spawn(move || Batch::decode(&bytes, &limits))
        .map_err(|e| {
            reticent_core::CoreError::new(
                reticent_core::ErrorCode::Internal,
                format!("cannot start decoder: {e}"),
            )
        })?
        .join()
        .unwrap_or_else(|_| {
            Err(reticent_core::CoreError::new(
                reticent_core::ErrorCode::Internal,
                "decoder failed (a bug: please report it)",
            ))
        })
}
