//! The `envdef` binary: all logic lives in the library; this only hands over the arguments.

fn main() -> std::process::ExitCode {
    envdef::run(std::env::args_os())
}
