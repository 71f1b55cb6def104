//! Golden tests of `wwe-trace`: the built binary runs on the sample traces
//! in `assets/samples/` and on bad inputs in `cli/tests/golden/inputs/`, and
//! its standard output, standard error and exit code are compared with
//! `cli/tests/golden/<case>.txt`. The samples' HAR exports
//! (`assets/samples/*.har`) are checked the same way, and read back.
//!
//! `UPDATE_GOLDEN=1 cargo test -p wwe-trace --test golden` rewrites the
//! files; review the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../src/tests/planted.rs"]
mod planted;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ is in the workspace").to_path_buf()
}

fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

/// Runs `wwe-trace args` in the workspace root: (stdout, stderr, exit code).
fn run(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_wwe-trace"))
        .args(args)
        .current_dir(root())
        .env("COLUMNS", "100")
        .output()
        .expect("the wwe-trace binary runs");
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8(out.stderr).expect("UTF-8 errors"),
        out.status.code().expect("exited, not killed"),
    )
}

/// Compares `actual` with the file, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(path: &Path, actual: &str) {
    if updating() {
        std::fs::write(path, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}; run UPDATE_GOLDEN=1 cargo test -p wwe-trace --test golden", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b).unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  expected: {:?}\n  actual:   {:?}\nfull output:\n{actual}\n(UPDATE_GOLDEN=1 rewrites it)",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        );
    }
}

fn case(name: &str, args: &[&str], code: i32) {
    let (stdout, stderr, actual_code) = run(args);
    let text = format!("$ wwe-trace {}\n{stdout}--- stderr\n{stderr}--- exit {actual_code}\n", args.join(" "));
    golden(&root().join("cli/tests/golden").join(format!("{name}.txt")), &text);
    assert_eq!(actual_code, code, "exit code of wwe-trace {}", args.join(" "));
}

const SAMPLES: &[&str] = &["call-flow", "rate-limit", "origin-denied", "misspelt-request"];

#[test]
fn summary() {
    case("summary-call-flow", &["summary", "assets/samples/call-flow.jsonl"], 0);
    case("summary-rate-limit-har", &["summary", "assets/samples/rate-limit.har"], 1);
    case("summary-call-flow-har", &["summary", "assets/samples/call-flow.har"], 0);
    // Posts the browser refused (issue 19): counted, per frame, never paired.
    case("summary-wrong-target-origin", &["summary", "cli/tests/golden/inputs/wrong-target-origin.jsonl"], 1);
    case("summary-only-refused", &["summary", "cli/tests/golden/inputs/only-refused.jsonl", "--deny", "never"], 0);
}

#[test]
fn lint() {
    case("lint-misspelt-deny-warnings", &["lint", "assets/samples/misspelt-request.jsonl", "--deny", "warnings"], 1);
    case("lint-misspelt-deny-errors", &["lint", "assets/samples/misspelt-request.jsonl", "--deny", "errors"], 0);
    case(
        "lint-origin-denied-options",
        &["lint", "assets/samples/origin-denied.jsonl", "--options", "assets/samples/origin-denied.options.properties", "--deny", "errors"],
        1,
    );
    case("lint-rate-limit-json", &["lint", "assets/samples/rate-limit.har", "--json"], 1);
    case("lint-wrong-target-origin", &["lint", "cli/tests/golden/inputs/wrong-target-origin.jsonl"], 1);
    case("lint-only-refused", &["lint", "cli/tests/golden/inputs/only-refused.jsonl"], 1);
}

#[test]
fn ratelimit() {
    case(
        "ratelimit-quarantine",
        &["ratelimit", "assets/samples/rate-limit.jsonl", "--options", "assets/samples/rate-limit.options.properties"],
        1,
    );
    case(
        "ratelimit-call-flow",
        &["ratelimit", "assets/samples/call-flow.jsonl", "--options", "assets/samples/rate-limit.options.properties"],
        0,
    );
    // A `message` event the page made itself reached no rate limit: the
    // prediction counts the requests WWE received (the session's exchanges).
    case(
        "ratelimit-page-made",
        &["ratelimit", "cli/tests/golden/inputs/page-made-dials.jsonl", "--options", "assets/samples/rate-limit.options.properties"],
        0,
    );
}

#[test]
fn redact() {
    case(
        "redact-preview",
        &["redact", "assets/samples/call-flow.jsonl", "--rule", "key:CustomerEmail", "--rule", "pattern:phone", "--preview"],
        0,
    );
    case(
        "redact-jsonl",
        &["redact", "assets/samples/call-flow.har", "--rule", "key:CustomerEmail", "--rule", "pattern:phone", "--to", "jsonl"],
        0,
    );
}

#[test]
fn integers_beyond_64_bits_keep_every_digit() {
    // Issue 17: JSON Lines -> HAR -> JSON Lines writes every digit back.
    let input = "cli/tests/golden/inputs/big-integers.jsonl";
    let har = std::env::temp_dir().join(format!("wwe-trace-big-integers-{}.har", std::process::id()));
    let har = har.to_str().expect("a UTF-8 temporary path");
    let (_, stderr, code) = run(&["convert", "--no-redact", "--to", "har", input, "-o", har]);
    assert_eq!(code, 0, "{stderr}");
    let (jsonl, stderr, code) = run(&["convert", "--no-redact", "--to", "jsonl", har]);
    let _ = std::fs::remove_file(har);
    assert_eq!(code, 0, "{stderr}");
    for digits in ["123456789012345678901234567890", "-98765432109876543210", "340282366920938463463374607431768211457"] {
        assert!(jsonl.contains(digits), "{digits} lost: {jsonl}");
    }
    golden(&root().join("cli/tests/golden/convert-big-integers.txt"), &jsonl);
}

#[test]
fn diff() {
    case("diff-changed", &["diff", "assets/samples/call-flow.jsonl", "cli/tests/golden/inputs/call-flow-changed.jsonl"], 1);
    case("diff-redacted-export", &["diff", "assets/samples/call-flow.jsonl", "assets/samples/call-flow.har"], 1);
    case("diff-same", &["diff", "assets/samples/rate-limit.jsonl", "assets/samples/rate-limit.har"], 0);
    // A value JSON cannot hold shows as the panel shows it (issue 15).
    case("diff-tagged", &["diff", "assets/samples/call-flow.jsonl", "cli/tests/golden/inputs/call-flow-tagged.jsonl"], 1);
}

#[test]
fn errors_name_the_file_the_place_and_the_fix() {
    case("error-missing-file", &["summary", "cli/tests/golden/inputs/no-such-trace.har"], 2);
    case("error-browser-har", &["summary", "cli/tests/golden/inputs/chrome.har"], 2);
    case("error-truncated-jsonl", &["lint", "cli/tests/golden/inputs/truncated.jsonl", "--strict"], 2);
    case("error-not-a-trace-jsonl", &["summary", "cli/tests/golden/inputs/not-a-trace.jsonl"], 2);
    case("error-bad-rule", &["redact", "assets/samples/call-flow.jsonl", "--rule", "pattern:fax"], 2);
    case(
        "error-bad-options",
        &["ratelimit", "assets/samples/rate-limit.jsonl", "--options", "cli/tests/golden/inputs/bad.properties"],
        2,
    );
}

/// The exit-code table: the README's `text` block after "## `wwe-trace`
/// exit codes".
fn readme_exit_codes() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme.split("## `wwe-trace` exit codes").nth(1).expect("the README has the exit-code section");
    let block = section.split("```text\n").nth(1).expect("a text block").split("```").next().expect("closed");
    block.to_owned()
}

const SUBCOMMANDS: &[&str] = &["summary", "lint", "ratelimit", "convert", "redact", "diff", "catalog"];

#[test]
fn exit_codes_are_one_table_in_the_readme_and_every_help() {
    let table = readme_exit_codes();
    assert!(table.contains("2  bad input or usage"), "{table}");
    let (help, _, code) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(help.contains(&table), "wwe-trace --help lacks the README's table:\n{help}");
    for sub in SUBCOMMANDS {
        let (help, _, code) = run(&[sub, "--help"]);
        assert_eq!(code, 0);
        assert!(help.contains(&table), "wwe-trace {sub} --help lacks the README's table:\n{help}");
    }
}

#[test]
fn exit_1_means_findings_at_the_level_errors_by_default() {
    let options = "assets/samples/origin-denied.options.properties";
    let errors = "assets/samples/origin-denied.jsonl";
    // 3 errors with these options: 1 by default, for lint and summary alike.
    assert_eq!(run(&["lint", errors, "--options", options]).2, 1);
    assert_eq!(run(&["lint", errors, "--options", options, "--deny", "never"]).2, 0);
    assert_eq!(run(&["summary", errors]).2, 1, "summary must exit like lint");
    assert_eq!(run(&["summary", errors, "--deny", "never"]).2, 0);
    // Warnings only: 0 unless warnings are denied.
    let warnings = "assets/samples/misspelt-request.jsonl";
    assert_eq!(run(&["lint", warnings]).2, 0);
    assert_eq!(run(&["summary", warnings]).2, 0);
    assert_eq!(run(&["lint", warnings, "--deny", "warnings"]).2, 1);
    assert_eq!(run(&["summary", warnings, "--deny", "warnings"]).2, 1);
}

#[test]
fn exit_2_for_bad_input_and_usage_in_every_subcommand() {
    let bad = "cli/tests/golden/inputs/chrome.har";
    let options = "assets/samples/rate-limit.options.properties";
    let runs: &[&[&str]] = &[
        &["summary", bad],
        &["lint", bad],
        &["ratelimit", bad, "--options", options],
        &["convert", bad, "--to", "jsonl"],
        &["redact", bad],
        &["diff", bad, "assets/samples/call-flow.jsonl"],
        &["diff", "assets/samples/call-flow.jsonl", bad],
        &["catalog", "--frob"],
        &["summary"],
        &["lint", "assets/samples/call-flow.jsonl", "--deny", "sometimes"],
        &["frobnicate"],
    ];
    for args in runs {
        let (stdout, stderr, code) = run(args);
        assert_eq!(code, 2, "wwe-trace {}: {stderr}", args.join(" "));
        assert!(stdout.is_empty(), "wwe-trace {} wrote {stdout}", args.join(" "));
        assert!(stderr.starts_with("wwe-trace: "), "wwe-trace {}: {stderr}", args.join(" "));
        assert!(stderr.lines().nth(1).is_some_and(|l| l.starts_with("hint: ")), "wwe-trace {}: {stderr}", args.join(" "));
    }
    case("error-usage", &["lint", "assets/samples/call-flow.jsonl", "--dney", "warnings"], 2);
}

#[test]
fn json_lines_with_bad_lines_are_read_with_the_lines_counted_and_listed() {
    case("lint-truncated-jsonl-lenient", &["lint", "cli/tests/golden/inputs/truncated.jsonl", "--deny", "never"], 0);
    case("summary-truncated-jsonl-lenient", &["summary", "cli/tests/golden/inputs/truncated.jsonl"], 0);
}

/// A scratch directory under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Whatever the tool writes it reads back: a message nested 124 levels (a
/// HAR adds 4 levels above it) goes to HAR and back unchanged.
#[test]
fn a_message_nested_124_levels_converts_to_a_har_that_reopens() {
    let dir = scratch("nested-124");
    let input = "cli/tests/golden/inputs/nested-124.jsonl";
    let har = dir.join("nested.har");
    let (_, stderr, code) = run(&["convert", input, "--to", "har", "-o", har.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (stdout, stderr, code) = run(&["convert", har.to_str().unwrap(), "--to", "jsonl", "--no-redact"]);
    assert_eq!(code, 0, "the HAR does not reopen: {stderr}");
    let original = std::fs::read_to_string(root().join(input)).unwrap();
    let (again, _, _) = run(&["convert", input, "--to", "jsonl", "--no-redact"]);
    assert_eq!(stdout, again, "the 124-level message changed on the way through HAR");
    assert_eq!(stdout.lines().count(), original.lines().count());
    assert_eq!(run(&["summary", har.to_str().unwrap()]).2, 0);
}

#[test]
fn help_has_examples() {
    case("help", &["--help"], 0);
    case("help-lint", &["lint", "--help"], 0);
}

#[test]
fn catalog() {
    // The catalog grows with the core; check its shape, not every line.
    let (text, _, code) = run(&["catalog"]);
    assert_eq!(code, 0);
    assert!(text.lines().any(|l| l.starts_with("  voice.dial(destination")), "{text}");
    let (json, _, code) = run(&["catalog", "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("catalog --json is JSON");
    let voice = v["namespaces"].as_array().unwrap().iter().find(|n| n["name"] == "voice").expect("voice namespace");
    assert!(voice["requests"].as_array().unwrap().iter().any(|r| r["name"] == "voice.dial"));
}

/// The samples' HAR exports are what `convert --to har --pretty` writes
/// today, and read back to the same records (redacted by default).
#[test]
fn sample_har_exports_are_current_and_read_back() {
    for name in SAMPLES {
        let jsonl = format!("assets/samples/{name}.jsonl");
        let har = format!("assets/samples/{name}.har");
        let (text, _, code) = run(&["convert", &jsonl, "--to", "har", "--pretty"]);
        assert_eq!(code, 0);
        golden(&root().join(&har), &text);
        let (from_har, _, code) = run(&["convert", &har, "--to", "jsonl", "--no-redact"]);
        assert_eq!(code, 0);
        let (from_jsonl, _, _) = run(&["convert", &jsonl, "--to", "jsonl"]);
        assert_eq!(from_har, from_jsonl, "{har} does not read back to the records of {jsonl}");
    }
}

/// The planted secrets (one per kind, `src/tests/planted.rs`): none
/// survives `redact`, `convert` (the default rules, for tokens), nor
/// appears in what `diff`, `summary` or `lint` print.
#[test]
fn planted_secrets_survive_no_output() {
    let (mut records, mut kinds) = planted::tokens();
    let (customer_records, customer_kinds) = planted::customer_data();
    let token_kinds = kinds.len();
    records.extend(customer_records);
    kinds.extend(customer_kinds);
    let dir = scratch("planted");
    let text: String = records.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
    let trace = dir.join("planted.jsonl");
    std::fs::write(&trace, &text).unwrap();
    // The same trace with every secret changed (still of its kind).
    let change = |s: &str| s.replace('a', "b").replace('5', "6");
    let mut changed_text = text.clone();
    let mut changed_kinds = Vec::new();
    for k in &kinds {
        for n in &k.needles {
            changed_text = changed_text.replace(n.as_str(), &change(n));
        }
        changed_kinds.push(planted::Kind { name: k.name, needles: k.needles.iter().map(|n| change(n)).collect() });
    }
    assert_ne!(changed_text, text);
    let changed = dir.join("changed.jsonl");
    std::fs::write(&changed, &changed_text).unwrap();
    let (trace, changed) = (trace.to_str().unwrap(), changed.to_str().unwrap());
    let all = |out: &(String, String, i32)| format!("{}{}", out.0, out.1);

    let customer = ["--rule", "pattern:email", "--rule", "pattern:phone"];
    for to in ["har", "jsonl"] {
        let out = run(&[&["redact", trace, "--to", to][..], &customer[..]].concat());
        assert_eq!(out.2, 0, "{}", out.1);
        assert_eq!(planted::survivors(&all(&out), &kinds), [], "redact --to {to}");
        let out = run(&["convert", trace, "--to", to]);
        assert_eq!(out.2, 0, "{}", out.1);
        assert_eq!(planted::survivors(&all(&out), &kinds[..token_kinds]), [], "convert --to {to}");
    }
    let out = run(&["diff", trace, changed]);
    assert_eq!(out.2, 1, "the secrets changed: {}", out.0);
    assert!(out.0.contains("voice.dial ref \"22\""), "a changed dialled number is a difference:\n{}", out.0);
    assert_eq!(planted::survivors(&all(&out), &kinds), [], "diff, first trace:\n{}", out.0);
    assert_eq!(planted::survivors(&all(&out), &changed_kinds), [], "diff, second trace:\n{}", out.0);
    for args in [&["summary", trace][..], &["lint", trace, "--deny", "never"][..]] {
        let out = run(args);
        assert_eq!(planted::survivors(&all(&out), &kinds), [], "{}:\n{}", args[0], out.0);
    }
}

/// `diff` compares the requests too: a changed dialled number is a
/// difference, reported without the number.
#[test]
fn diff_compares_request_parameters() {
    case("diff-request-parameters", &["diff", "assets/samples/call-flow.jsonl", "cli/tests/golden/inputs/call-flow-redialled.jsonl"], 1);
}

/// Redaction history accumulates: a HAR redacted again keeps what the
/// first redaction removed in `log._wweRedactions`, beside the new.
#[test]
fn redaction_history_accumulates_across_exports() {
    let dir = scratch("history");
    let (once, twice) = (dir.join("once.har"), dir.join("twice.har"));
    let (once, twice) = (once.to_str().unwrap(), twice.to_str().unwrap());
    let out = run(&["redact", "assets/samples/call-flow.jsonl", "--rule", "key:CustomerEmail", "--to", "har", "-o", once]);
    assert_eq!(out.2, 0, "{}", out.1);
    let out = run(&["redact", once, "--rule", "pattern:phone", "-o", twice]);
    assert_eq!(out.2, 0, "{}", out.1);
    let har: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(twice).unwrap()).unwrap();
    let rules: Vec<(&str, u64)> = har["log"]["_wweRedactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap(), s["count"].as_u64().unwrap()))
        .collect();
    let first: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(once).unwrap()).unwrap();
    let before: Vec<(&str, u64)> = first["log"]["_wweRedactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["rule"].as_str().unwrap(), s["count"].as_u64().unwrap()))
        .collect();
    for (rule, n) in &before {
        assert!(rules.iter().any(|(r, m)| r == rule && m >= n), "{rule} x{n} of the first redaction is gone: {rules:?}");
    }
    // What was redacted once is not counted again.
    assert!(rules.contains(&("jwt-reply", 1)), "{rules:?}");
    assert!(rules.iter().any(|(r, n)| *r == "pattern:phone" && *n > 0), "{rules:?}");
    let (summary, _, _) = run(&["summary", twice]);
    assert!(summary.contains("key:CustomerEmail x") && summary.contains("pattern:phone x"), "{summary}");
}

/// A JSON Lines trace read a line at a time: a byte-order mark and CRLF
/// line ends (a file saved on Windows) read as the plain file does.
#[test]
fn json_lines_with_a_byte_order_mark_and_crlf_read_like_the_plain_file() {
    let (plain, _, code) = run(&["summary", "assets/samples/call-flow.jsonl"]);
    assert_eq!(code, 0);
    let (windows, stderr, code) = run(&["summary", "cli/tests/golden/inputs/bom-crlf.jsonl"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(plain.lines().skip(1).collect::<Vec<_>>(), windows.lines().skip(1).collect::<Vec<_>>());
}

/// Runs `wwe-trace args` with `stdin` as standard input and `TMPDIR` set.
fn run_with(args: &[&str], stdin: &[u8], tmp: &Path) -> (String, String, i32) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wwe-trace"))
        .args(args)
        .current_dir(root())
        .env("TMPDIR", tmp)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the wwe-trace binary runs");
    child.stdin.take().expect("piped").write_all(stdin).expect("stdin written");
    let out = child.wait_with_output().expect("it ends");
    (
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8(out.stderr).expect("UTF-8 errors"),
        out.status.code().expect("exited, not killed"),
    )
}

/// `convert` and `redact` read a file again for each pass instead of
/// holding its records, and standard input (read once, held) whole: both
/// write the same bytes and say the same. The temporary file a HAR's
/// records pass through is gone afterwards.
#[test]
fn a_file_streamed_and_standard_input_held_write_the_same() {
    let dir = scratch("streamed");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let (records, _) = planted::tokens();
    let planted_trace = dir.join("planted.jsonl");
    std::fs::write(&planted_trace, records.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect::<String>()).unwrap();
    let inputs = [planted_trace.to_str().unwrap(), "assets/samples/call-flow.har", "assets/samples/rate-limit.jsonl"];
    for input in inputs {
        let bytes = std::fs::read(root().join(input)).unwrap();
        for args in [
            &["convert", "--to", "har"][..],
            &["convert", "--to", "jsonl", "--pretty"][..],
            &["redact", "--rule", "pattern:phone", "--to", "har", "--pretty"][..],
            &["redact", "--rule", "key:CustomerEmail"][..],
            &["redact", "--rule", "pattern:phone", "--preview"][..],
        ] {
            let from_file = run_with(&[&args[..1], &[input][..], &args[1..]].concat(), b"", &tmp);
            let from_stdin = run_with(&[&args[..1], &["-"][..], &args[1..]].concat(), &bytes, &tmp);
            assert_eq!(from_file.2, 0, "{args:?} {input}: {}", from_file.1);
            assert!(!from_file.0.is_empty());
            assert_eq!(from_file, from_stdin, "{args:?} {input}: a file and standard input differ");
            let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
            assert!(left.is_empty(), "{args:?} {input}: temporary files left: {left:?}");
        }
    }
}

/// A temporary folder that cannot hold the spill is said as such, before
/// any output file is made.
#[test]
fn a_temporary_folder_that_does_not_exist_is_said_before_writing() {
    let dir = scratch("no-tmp");
    let out = dir.join("out.har");
    let (stdout, stderr, code) =
        run_with(&["convert", "assets/samples/call-flow.jsonl", "--to", "har", "-o", out.to_str().unwrap()], b"", &dir.join("missing"));
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.starts_with("wwe-trace: cannot create a temporary file in "), "{stderr}");
    assert!(stderr.contains("hint: set TMPDIR"), "{stderr}");
    assert!(!out.exists(), "an empty output file was left");
}

/// The output is put in place only once complete: writing a trace onto
/// itself reads the whole original (it was once emptied before the passes
/// read it again), and leaves no partial file beside it.
#[test]
fn a_trace_converted_onto_itself_is_read_whole() {
    let dir = scratch("onto-itself");
    let (expected, _, code) = run(&["convert", "assets/samples/call-flow.jsonl", "--to", "har"]);
    assert_eq!(code, 0);
    for (name, args) in [("in-place.jsonl", &["--to", "har"][..]), ("pretty.jsonl", &["--to", "jsonl", "--pretty"][..])] {
        let path = dir.join(name);
        std::fs::copy(root().join("assets/samples/call-flow.jsonl"), &path).unwrap();
        let path = path.to_str().unwrap();
        let (_, stderr, code) = run(&[&["convert", path][..], args, &["-o", path][..]].concat());
        assert_eq!(code, 0, "{stderr}");
        let written = std::fs::read_to_string(path).unwrap();
        if name == "in-place.jsonl" {
            assert_eq!(written, expected, "converted onto itself, the trace lost records");
        }
        let (summary, stderr, code) = run(&["summary", path]);
        assert_eq!(code, 0, "{stderr}");
        assert!(summary.contains("25 records"), "{summary}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "{left:?}");
}
