//! Running child processes the same way everywhere: echo the command, stream
//! its output, turn a failure into a message that names the command.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::Result;

/// Announces a step, so a CI log shows where time went and what failed.
pub fn step(message: &str) {
    println!("==> {message}");
    let _ = std::io::stdout().flush();
}

/// The command as one could retype it (without its environment).
pub fn show(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// Runs a command with inherited stdio; fails unless it exits 0.
pub fn run(command: &mut Command) -> Result {
    println!("$ {}", show(command));
    let status = command.status().map_err(|e| format!("cannot start `{}`: {e}", show(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", show(command)))
    }
}

/// Runs a command and returns its stdout, or `None` if it cannot start or fails.
/// For probes like `wasm-bindgen --version`, where failing just means "not there".
pub fn probe(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Runs a command, echoing its stdout line by line while handing each line to
/// `watch` (to count tests as they are reported). Returns whether it exited 0.
pub fn run_watching(command: &mut Command, mut watch: impl FnMut(&str)) -> Result<bool> {
    println!("$ {}", show(command));
    let mut child =
        command.stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start `{}`: {e}", show(command)))?;
    if let Some(stdout) = child.stdout.take() {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        // Bytes, not `lines()`: test output may hold invalid UTF-8, which must
        // not end the stream early.
        while reader.read_until(b'\n', &mut line).map_err(|e| format!("reading output: {e}"))? > 0 {
            let text = String::from_utf8_lossy(&line);
            print!("{text}");
            watch(text.trim_end());
            line.clear();
        }
    }
    let status = child.wait().map_err(|e| format!("waiting for `{}`: {e}", show(command)))?;
    Ok(status.success())
}
