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
    /// The trace text is empty (or only white space).
    EmptyTrace,
    /// The trace is larger than [`crate::har::MAX_TRACE_BYTES`].
    TraceTooLarge {
        /// Its size in bytes.
        bytes: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// A HAR file without wwe-devtools data (a plain browser HAR).
    NoWweData {
        /// `log.creator.name` and `version` of the tool that saved it, if
        /// it says.
        creator: Option<String>,
    },
    /// JSON that is neither a HAR nor JSON Lines of records.
    NotATrace {
        /// What was found instead, e.g. `a JSON array`.
        found: String,
    },
    /// A HAR written by a newer wwe-devtools whose trace format this
    /// version does not read.
    UnsupportedTraceFormat {
        /// `log._wweFormat` in the file.
        found: u64,
        /// The newest format this version reads.
        supported: u64,
    },
    /// One line of a JSON Lines trace is not a record.
    BadRecordLine {
        /// 1-based line in the file.
        line: usize,
        /// 1-based number of the record (blank lines are not counted).
        record: usize,
        /// 1-based column in that line.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// A HAR whose wwe-devtools data is valid JSON but not what a trace
    /// holds (a message without its `_record`, a field of the wrong type).
    BadTraceData {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is missing or wrong, e.g. "missing field `_record`".
        message: String,
    },
    /// A message nested deeper than a trace holds
    /// ([`crate::har::MAX_MESSAGE_DEPTH`]).
    TooDeep {
        /// 1-based line of the bracket that went too deep.
        line: usize,
        /// 1-based column of that bracket.
        column: usize,
        /// The deepest a message may nest.
        limit: usize,
    },
    /// A redaction rule that could not be parsed.
    BadRedactionRule {
        /// The rule as written.
        rule: String,
        /// What is wrong with it.
        message: String,
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
            ErrorKind::EmptyTrace => f.write_str("the trace is empty"),
            ErrorKind::TraceTooLarge { bytes, limit } => write!(
                f,
                "the trace is {} MiB, more than the {} MiB this tool opens",
                bytes.div_ceil(1 << 20),
                limit >> 20
            ),
            ErrorKind::NoWweData { creator: Some(creator) } => write!(
                f,
                "this HAR has no wwe-devtools data: it was saved by {creator}; export it from the WWE API panel instead"
            ),
            ErrorKind::NoWweData { creator: None } => f.write_str(
                "this HAR has no wwe-devtools data and does not say what saved it; export it from the WWE API panel instead",
            ),
            ErrorKind::NotATrace { found } => write!(
                f,
                "not a trace: expected a HAR file (a JSON object with `log`) or JSON Lines of records, found {found}"
            ),
            ErrorKind::UnsupportedTraceFormat { found, supported } => write!(
                f,
                "this HAR uses wwe-devtools trace format {found}, newer than the format {supported} this version reads; update wwe-devtools"
            ),
            ErrorKind::BadRecordLine { line, record, column, message } => {
                write!(f, "line {line} (record {record}) is not a valid record at column {column}: {message}")
            }
            ErrorKind::BadTraceData { line, column, message } => {
                write!(f, "not a wwe-devtools trace at line {line}, column {column}: {message}")
            }
            ErrorKind::TooDeep { line, column, limit } => write!(
                f,
                "a message nests deeper than the {limit} levels a trace holds, at line {line}, column {column}"
            ),
            ErrorKind::BadRedactionRule { rule, message } => write!(f, "bad redaction rule `{rule}`: {message}"),
        }
    }
}

impl std::error::Error for Error {}
