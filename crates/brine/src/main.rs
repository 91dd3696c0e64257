//! `brine`: the command-line front end of brinery. It parses flags, opens
//! (and decompresses) files and dispatches to the library; the pickle logic
//! lives in the library.

#![forbid(unsafe_code)]

mod cli;
mod code;
mod commands;
mod error;
mod export;
mod files;
mod graph;
mod input;
mod pandas;
mod render;
mod scan;
mod shelve;
mod sklearn;
mod torch_show;
mod view;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::{CliError, EXIT_INTERNAL, EXIT_USAGE};

fn main() -> ExitCode {
    install_panic_hook();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; everything
            // else is a usage error (exit 2).
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    // The library never recurses on the data, but run on a big stack
    // anyway: a deep graph must never end in a stack overflow.
    let worker = std::thread::Builder::new()
        .name("brine".into())
        .stack_size(256 << 20)
        .spawn(move || commands::run(cli));
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(CliError::new(EXIT_INTERNAL, "internal error"))),
        Err(_) => Err(CliError::new(EXIT_INTERNAL, "cannot start a thread")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(e),
    }
}

fn report(e: CliError) -> ExitCode {
    if let Some(msg) = &e.message {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "error: {msg}");
    }
    ExitCode::from(e.code as u8)
}

/// A bug must still end in one line on stderr and a documented exit
/// status, never a backtrace.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let line = msg.lines().next().unwrap_or("");
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error: {line}{place} (this is a bug in brine, please report it)"
        );
        std::process::exit(EXIT_INTERNAL);
    }));
}
