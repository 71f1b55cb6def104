//! `cargo xtask`: the project's automation. Every subcommand is declared in
//! `flags.rs`; each has its own file. Set-up that a fresh machine lacks
//! (wasm target, browsers, drivers, wasm-opt) is done by `setup.rs`.

mod bench;
mod bench_capture;
mod dist;
mod flags;
mod fuzz;
mod package;
mod run;
mod setup;
mod shell;
mod simulator;
mod test;
mod tidy;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match flags::parse(&args) {
        Ok(command) => command,
        // The help, or a usage error (which says what was wrong).
        Err(answer) => {
            let _ = answer.print();
            return if answer.use_stderr() { ExitCode::FAILURE } else { ExitCode::SUCCESS };
        }
    };
    let result = match command {
        flags::Command::Help => {
            print!("{}", flags::help());
            Ok(())
        }
        flags::Command::Run(options) => run::run(&options),
        flags::Command::Build(options) => dist::build(&options).map(|_| ()),
        flags::Command::Test(options) => test::run(&options),
        flags::Command::Tidy => tidy::run(),
        flags::Command::Fuzz(options) => fuzz::run(&options).map_err(anyhow::Error::msg),
        flags::Command::Bench(options) => bench::run(&options),
        flags::Command::Package => package::run().map(|_| ()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}
