//! The core's error type: a `kind` that says what went wrong, and a
//! `Display` that says it as a sentence for the user.

use std::fmt;

/// An error from the core. Match on [`Error::kind`]; print with `{}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong. New variants may be added without a breaking change.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Text that should have been JSON was not.
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// An options string (WWE configuration) could not be parsed.
    Options {
        /// The option the problem is in, e.g. `service-client-api.rate-limit`.
        option: String,
        /// 1-based line of the option in pasted properties text; `None` when
        /// the options came as JSON (whose values have no line of their own).
        line: Option<usize>,
        /// 0-based byte offset in that option's value.
        position: usize,
        /// What was expected at that position.
        expected: String,
        /// What was found instead.
        found: String,
    },
}

impl Error {
    /// Builds an error of this kind.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error { kind }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Json { line, column, message } => {
                write!(f, "not valid JSON at line {line}, column {column}: {message}")
            }
            ErrorKind::Options { option, line: Some(line), position, expected, found } => write!(
                f,
                "in option `{option}` (line {line}) at position {position}: expected {expected}, found {found}"
            ),
            ErrorKind::Options { option, line: None, position, expected, found } => write!(
                f,
                "in option `{option}` at position {position}: expected {expected}, found {found}"
            ),
        }
    }
}

impl std::error::Error for Error {}
