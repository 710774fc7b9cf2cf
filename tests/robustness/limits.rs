//! Every documented limit (docs/limits.md) is enforced with a diagnostic, quickly, without
//! a stack overflow and without eating memory. Each test hands the real binary an input
//! far past the limit (100k brackets, a 40-level doubling chain, ...) under a deadline
//! and an address-space cap.

use std::time::Duration;

use super::support::{
    check_source, check_source_json, envdef, envdef_with, temp, write, Opts, MEMORY_CAP_KIB,
};

/// Far past every nesting limit, as the issue asks.
const DEEP: usize = 100_000;

/// The bracket nesting limit of the scanner (`syntax::scan::MAX_NESTING`, crate-private).
const MAX_NESTING: usize = 64;
/// The expression depth limit of the parser (`syntax::MAX_EXPR_DEPTH`).
const MAX_EXPR_DEPTH: usize = envdef::syntax::MAX_EXPR_DEPTH;

fn quick() -> Duration {
    Duration::from_secs(20)
}

// ── source size ─────────────────────────────────────────────────────────────────────────

#[test]
fn a_source_over_the_size_limit_is_refused_before_parsing() {
    let limit = envdef::source::MAX_SOURCE_BYTES;
    let dir = temp();
    // One byte over the limit, as a sparse file so the test writes almost nothing.
    let file = std::fs::File::create(dir.path().join("big.envdef")).unwrap();
    file.set_len(limit + 1).unwrap();
    let run = envdef(dir.path(), &["check", "big.envdef"]);
    run.expect_code(2)
        .within(quick())
        .stderr_contains("big.envdef")
        .stderr_contains(&format!("at most {limit} bytes"));
}

#[test]
fn a_50_mb_source_is_refused_within_seconds() {
    let dir = temp();
    let line = "var A: int = 1 # padding padding padding padding padding padding padding\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    write(dir.path(), "huge.envdef", &text);
    let run = envdef(dir.path(), &["check", "huge.envdef"]);
    run.expect_code(2)
        .within(Duration::from_secs(5))
        .stderr_contains("huge.envdef")
        .stderr_contains("bytes");
}

#[test]
fn an_imported_file_over_the_size_limit_is_a_diagnostic() {
    let dir = temp();
    write(
        dir.path(),
        "main.envdef",
        "import \"big.envdef\"\nvar A: int = 1\nenv e {}\n",
    );
    let file = std::fs::File::create(dir.path().join("big.envdef")).unwrap();
    file.set_len(envdef::source::MAX_SOURCE_BYTES + 1).unwrap();
    envdef(dir.path(), &["check", "main.envdef"])
        .expect_code(1)
        .within(quick())
        .expect_diagnostic("E0201")
        .stderr_contains("bytes");
}

#[test]
fn a_file_of_exactly_the_size_limit_is_read() {
    // Exactly MAX_SOURCE_BYTES: accepted. Mostly comment lines, so the test measures the
    // limit rather than the speed of checking 800,000 declarations in a debug build.
    let limit = envdef::source::MAX_SOURCE_BYTES as usize;
    let head = "var A: int = 1\nenv e {}\n";
    let line = format!("# {}\n", "pad ".repeat(24));
    let mut text = String::with_capacity(limit);
    text.push_str(head);
    while text.len() + line.len() <= limit {
        text.push_str(&line);
    }
    text.push_str(&"#".repeat(limit - text.len()));
    assert_eq!(text.len(), limit);
    check_source(&text)
        .expect_code(0)
        .within(Duration::from_secs(30));
}

// ── imports ─────────────────────────────────────────────────────────────────────────────

#[test]
fn imports_nested_past_the_depth_limit_are_one_diagnostic() {
    let depth = envdef::resolve::MAX_IMPORT_DEPTH;
    let dir = temp();
    let n = depth + 10;
    for i in 0..n {
        let import = if i + 1 < n {
            format!("import \"f{}.envdef\"\n", i + 1)
        } else {
            String::new()
        };
        write(
            dir.path(),
            &format!("f{i}.envdef"),
            format!("{import}var V{i}: int = 1\n"),
        );
    }
    let run = check_source_in(dir.path(), "f0.envdef");
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0203")
        .stderr_contains(&format!("nested more than {depth} deep"));
    assert_eq!(run.stderr.matches("E0203").count(), 1, "{}", run.stderr);
}

#[test]
fn imports_up_to_the_depth_limit_are_fine() {
    let depth = envdef::resolve::MAX_IMPORT_DEPTH;
    let dir = temp();
    // root → f1 → … → f{depth}: `depth` edges.
    for i in 0..=depth {
        let import = if i < depth {
            format!("import \"f{}.envdef\"\n", i + 1)
        } else {
            String::new()
        };
        write(
            dir.path(),
            &format!("f{i}.envdef"),
            format!("{import}var V{i}: int = 1\n"),
        );
    }
    check_source_in(dir.path(), "f0.envdef").expect_code(0);
}

#[test]
fn more_files_than_the_import_limit_are_refused() {
    let limit = envdef::resolve::MAX_IMPORTED_FILES;
    let dir = temp();
    let mut root = String::new();
    for i in 0..limit + 50 {
        write(
            dir.path(),
            &format!("g{i}.envdef"),
            format!("var V{i}: int = 1\n"),
        );
        root.push_str(&format!("import \"g{i}.envdef\"\n"));
    }
    root.push_str("env e {}\n");
    write(dir.path(), "main.envdef", root);
    let run = check_source_in(dir.path(), "main.envdef");
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0203")
        .stderr_contains(&format!("more than {limit} files"));
}

fn check_source_in(dir: &std::path::Path, file: &str) -> super::support::Run {
    envdef(dir, &["check", file])
}

// ── extends ─────────────────────────────────────────────────────────────────────────────

#[test]
fn an_extends_chain_past_the_limit_is_one_diagnostic() {
    let limit = envdef::resolve::MAX_EXTENDS_DEPTH;
    let mut text = String::from("var A: int = 1\nenv e0 {}\n");
    for i in 1..10_000 {
        text.push_str(&format!("env e{i} extends e{} {{}}\n", i - 1));
    }
    let run = check_source(&text);
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0213")
        .stderr_contains(&format!("more than {limit} ancestors"));
    assert_eq!(run.stderr.matches("E0213").count(), 1, "{}", run.stderr);
}

#[test]
fn an_extends_chain_at_the_limit_is_fine() {
    let limit = envdef::resolve::MAX_EXTENDS_DEPTH;
    let mut text = String::from("var A: int = 1\nenv e0 {}\n");
    // e{limit} has `limit` ancestors.
    for i in 1..=limit {
        text.push_str(&format!("env e{i} extends e{} {{ A = {i} }}\n", i - 1));
    }
    check_source(&text).expect_code(0);
}

#[test]
fn a_ten_thousand_environment_extends_cycle_is_reported_quickly() {
    // Regression: the cycle diagnostic carried one label per member (10,000 labels), and
    // rendering it took minutes; finding the members was quadratic.
    let n = 10_000;
    let mut text = format!("var A: int = 1\nenv e0 extends e{} {{}}\n", n - 1);
    for i in 1..n {
        text.push_str(&format!("env e{i} extends e{} {{}}\n", i - 1));
    }
    let run = check_source(&text);
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0208");
    let json = check_source_json(&text);
    json.expect_code(1).within(quick());
}

// ── nesting ─────────────────────────────────────────────────────────────────────────────

fn assert_nesting_diagnostic(source: &str) {
    let run = check_source(source);
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0112");
}

#[test]
fn deep_list_brackets_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!(
        "var A: list<int> = {}{}\nenv e {{}}\n",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    ));
}

#[test]
fn deep_unclosed_list_brackets_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!("var A: list<int> = {}\n", "[".repeat(DEEP)));
}

#[test]
fn deep_parentheses_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!(
        "var A: bool = true\nassert {}A{}\nenv e {{}}\n",
        "(".repeat(DEEP),
        ")".repeat(DEEP)
    ));
}

#[test]
fn deep_list_types_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!(
        "var A: {}int{}\nenv e {{}}\n",
        "list<".repeat(DEEP),
        ">".repeat(DEEP)
    ));
}

#[test]
fn deep_braces_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!("env e {}{}\n", "{".repeat(DEEP), "}".repeat(DEEP)));
}

#[test]
fn deep_assert_lists_are_a_diagnostic() {
    assert_nesting_diagnostic(&format!(
        "var A: int = 1\nassert A in {}1{}\nenv e {{}}\n",
        "[".repeat(DEEP),
        "]".repeat(DEEP)
    ));
}

#[test]
fn many_negations_are_a_diagnostic_not_a_stack_overflow() {
    // Regression: each `!` became one nested AST node; lowering, checking and even
    // dropping 100k of them overflowed the stack.
    assert_nesting_diagnostic(&format!(
        "var A: bool = true\nassert {}A\nenv e {{}}\n",
        "!".repeat(DEEP)
    ));
}

#[test]
fn long_or_chains_are_a_diagnostic_not_a_stack_overflow() {
    // Regression: `A || A || …` became a left-deep tree as deep as the chain is long.
    assert_nesting_diagnostic(&format!(
        "var A: bool = true\nassert A{}\nenv e {{}}\n",
        " || A".repeat(DEEP)
    ));
}

#[test]
fn long_and_chains_are_a_diagnostic_not_a_stack_overflow() {
    assert_nesting_diagnostic(&format!(
        "var A: bool = true\nassert A{}\nenv e {{}}\n",
        " && A".repeat(DEEP)
    ));
}

#[test]
fn mixed_deep_expressions_are_a_diagnostic() {
    // Every construct that adds a level, interleaved, inside the bracket limit.
    let level = "!(A || !(A && ";
    let n = MAX_NESTING / 2 - 1;
    let source = format!(
        "var A: bool = true\nassert {}A{}\nenv e {{}}\n",
        level.repeat(n),
        "))".repeat(n)
    );
    let run = check_source(&source);
    run.within(quick());
    run.assert_no_crash();
    assert!(run.code == Some(0) || run.code == Some(1), "{run:?}");
}

#[test]
fn expressions_at_the_depth_limit_check() {
    // Just inside the limit, the whole pipeline (check evaluates every assert in every
    // environment) runs without overflowing the main thread's stack.
    let nots = if MAX_EXPR_DEPTH % 2 == 0 {
        MAX_EXPR_DEPTH - 2
    } else {
        MAX_EXPR_DEPTH - 1
    };
    let ok = format!(
        "var A: bool = true\nassert {}A\nenv e {{}}\n",
        "!".repeat(nots)
    );
    check_source(&ok).expect_code(0);
    let chain = format!(
        "var A: bool = true\nassert A{}\nenv e {{}}\n",
        " || A".repeat(MAX_EXPR_DEPTH - 2)
    );
    check_source(&chain).expect_code(0);
    let too_deep = format!(
        "var A: bool = true\nassert A{}\nenv e {{}}\n",
        " || A".repeat(MAX_EXPR_DEPTH + 1)
    );
    check_source(&too_deep)
        .expect_code(1)
        .expect_diagnostic("E0112");
}

#[test]
fn nesting_at_the_bracket_limit_parses() {
    let ok = format!(
        "var A: list<int> = {}{}\nenv e {{}}\n",
        "[".repeat(MAX_NESTING),
        "]".repeat(MAX_NESTING)
    );
    let run = check_source(&ok);
    run.assert_no_crash();
    // Nested lists are not a `list<int>`: a type error, but not a nesting error.
    assert!(!run.stderr.contains("E0112"), "{}", run.stderr);
    let too_deep = format!(
        "var A: list<int> = {}{}\nenv e {{}}\n",
        "[".repeat(MAX_NESTING + 1),
        "]".repeat(MAX_NESTING + 1)
    );
    check_source(&too_deep)
        .expect_code(1)
        .expect_diagnostic("E0112");
}

#[test]
fn deep_type_alias_cycles_and_chains_are_handled() {
    let n = 10_000;
    let mut chain = String::from("type T0 = int\n");
    for i in 1..n {
        chain.push_str(&format!("type T{i} = T{}\n", i - 1));
    }
    chain.push_str(&format!("var A: T{} = 1\nenv e {{}}\n", n - 1));
    let run = check_source(&chain);
    run.within(quick()).assert_no_crash();
    assert!(matches!(run.code, Some(0 | 1)), "{run:?}");

    let mut cycle = String::new();
    for i in 0..n {
        cycle.push_str(&format!("type T{i} = T{}\n", (i + 1) % n));
    }
    cycle.push_str("var A: T0 = 1\nenv e {}\n");
    let run = check_source_json(&cycle);
    run.expect_code(1).within(quick());
}

// ── interpolation ───────────────────────────────────────────────────────────────────────

fn doubling_chain(levels: usize) -> String {
    let mut text = String::from("var A0: string = \"x\"\n");
    for i in 1..=levels {
        text.push_str(&format!(
            "var A{i}: string = \"${{A{p}}}${{A{p}}}\"\n",
            p = i - 1
        ));
    }
    text.push_str("env e {}\n");
    text
}

#[test]
fn a_doubling_interpolation_chain_stops_quickly_with_an_error() {
    // 2^40 bytes if expanded; must stop at MAX_VALUE_BYTES under a 2 GiB address cap.
    let run = envdef_with(
        with_source(&doubling_chain(40)).path(),
        &["check", "main.envdef"],
        &Opts {
            memory_cap_kib: Some(MEMORY_CAP_KIB),
            ..Opts::default()
        },
    );
    run.expect_code(1)
        .within(quick())
        .expect_diagnostic("E0314")
        .stderr_contains("more than 1 MiB");
    assert_eq!(
        envdef::check::MAX_VALUE_BYTES,
        1 << 20,
        "docs/limits.md says 1 MiB"
    );
}

#[test]
fn many_doubling_chains_hit_the_total_budget_not_the_memory_cap() {
    // Each chain stays under the per-value limit (2^19 bytes), but 600 such values exceed
    // MAX_TOTAL_INTERPOLATED_BYTES in total.
    let mut text = String::from("var A0: string = \"x\"\n");
    for i in 1..=19 {
        text.push_str(&format!(
            "var A{i}: string = \"${{A{p}}}${{A{p}}}\"\n",
            p = i - 1
        ));
    }
    for j in 0..600 {
        text.push_str(&format!("var C{j}: string = \"${{A19}}{j}\"\n"));
    }
    text.push_str("env e {}\n");
    let run = check_source(&text);
    run.expect_code(1)
        .within(Duration::from_secs(60))
        .expect_diagnostic("E0314");
}

#[test]
fn a_deep_interpolation_chain_is_a_diagnostic() {
    let n = 10_000;
    let mut text = String::new();
    for i in 0..n - 1 {
        text.push_str(&format!("var A{i}: string = \"${{A{}}}\"\n", i + 1));
    }
    text.push_str(&format!("var A{}: string = \"x\"\nenv e {{}}\n", n - 1));
    // Either expanded without recursion (exit 0) or stopped at MAX_INTERPOLATION_DEPTH
    // (E0314); never a stack overflow or a hang.
    let run = check_source_json(&text);
    run.within(quick()).assert_no_crash();
    match run.code {
        Some(0) => {}
        Some(1) => {
            run.expect_diagnostic("E0314");
        }
        other => panic!("exit {other:?}: {}", super::support::truncate(&run.stderr)),
    }
}

#[test]
fn a_long_interpolation_cycle_is_a_diagnostic() {
    let n = 10_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("var A{i}: string = \"${{A{}}}\"\n", (i + 1) % n));
    }
    text.push_str("env e {}\n");
    let run = check_source_json(&text);
    run.expect_code(1).within(quick());
    assert!(
        run.stdout.contains("E0313") || run.stdout.contains("E0314"),
        "{}",
        super::support::truncate(&run.stdout)
    );
}

fn with_source(text: &str) -> tempfile::TempDir {
    super::support::with_file("main.envdef", text)
}

// ── regexes ─────────────────────────────────────────────────────────────────────────────

#[test]
fn huge_regexes_are_refused() {
    for re in [
        "(a{1000}){1000}",
        "\\\\p{L}{1000}\\\\w{1000}",
        "((a{100}){100}){100}",
        "[\\\\w\\\\W]{65535}",
    ] {
        let source = format!("var A: string matching /{re}/ = \"a\"\nenv e {{}}\n");
        check_source(&source)
            .expect_code(1)
            .within(quick())
            .expect_diagnostic("E0301");
        let source = format!("var A: string = \"a\"\nassert A matches /{re}/\nenv e {{}}\n");
        check_source(&source)
            .expect_code(1)
            .within(quick())
            .expect_diagnostic("E0301");
    }
}

#[test]
fn catastrophic_backtracking_patterns_run_in_linear_time() {
    // The regex crate has no backtracking; the classic `(a*)*$` on a long non-match is fast.
    let subject = format!("{}b", "a".repeat(100_000));
    let source = format!("var A: string matching /^((((a*)*)*)*)*$/ = \"{subject}\"\nenv e {{}}\n");
    check_source(&source)
        .expect_code(1)
        .within(quick())
        .expect_diagnostic("E0306");
}

#[test]
fn deeply_nested_regex_groups_are_a_diagnostic() {
    // Parenthesis depth inside a regex is the regex crate's nest limit, not the scanner's.
    let re = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let source = format!("var A: string matching /{re}/ = \"a\"\nenv e {{}}\n");
    check_source(&source)
        .expect_code(1)
        .within(quick())
        .expect_diagnostic("E0301");
}

// ── long lines and big numbers ──────────────────────────────────────────────────────────

#[test]
fn a_five_megabyte_line_is_handled() {
    let source = format!(
        "var A: string = \"{}\"\nvar B: int = \"{}\"\nenv e {{}}\n",
        "x".repeat(5 << 20),
        "y".repeat(1000)
    );
    let run = check_source(&source);
    run.expect_code(1)
        .within(Duration::from_secs(60))
        .expect_diagnostic("E0304");
    // The human report must not echo megabytes of source back.
    assert!(
        run.stderr.len() < 64 << 10,
        "stderr is {} bytes",
        run.stderr.len()
    );
}

#[test]
fn a_huge_unterminated_string_is_one_diagnostic() {
    let source = format!("var A: string = \"{}\nenv e {{}}\n", "x".repeat(1 << 20));
    check_source(&source)
        .expect_code(1)
        .within(quick())
        .expect_diagnostic("E0102");
}

#[test]
fn huge_numbers_and_durations_are_out_of_range() {
    for (decl, code) in [
        ("var A: int = 99999999999999999999999999999999999", "E0107"),
        ("var A: int = -9223372036854775809", "E0107"),
        ("var A: int in -99999999999999999999..=1 = 1", "E0107"),
        ("var A: float = 1e999", "E0107"),
        ("var A: float = -1e999", "E0107"),
        ("var A: duration = 99999999999999999999h", "E0107"),
        ("var A: duration = 9999999999999999d", "E0107"),
        ("var A: duration = 18446744073709551616ms", "E0107"),
        (
            "var A: int = 1{}",
            "E0107", // filled in below with 10k digits
        ),
    ] {
        let decl = decl.replace("{}", &"9".repeat(10_000));
        let run = check_source(format!("{decl}\nenv e {{}}\n"));
        run.expect_code(1).within(quick()).expect_diagnostic(code);
    }
}

#[test]
fn extreme_but_valid_numbers_check() {
    let source = "var A: int = 9223372036854775807\nvar B: int = -9223372036854775808\nvar C: float = 1.7976931348623157e308\nvar D: int in -9223372036854775808..=9223372036854775807 = 0\nenv e {}\n";
    check_source(source).expect_code(0);
}

#[test]
fn a_million_declarations_on_one_line_do_not_hang() {
    let mut source = String::new();
    for i in 0..100_000 {
        source.push_str(&format!("var V{i}: int = {i} "));
    }
    source.push_str("env e {}\n");
    check_source_json(&source)
        .expect_code(0)
        .within(Duration::from_secs(60));
}

// ── number of diagnostics ───────────────────────────────────────────────────────────────

#[test]
fn twenty_thousand_diagnostics_render_quickly() {
    // Regression: every line of a garbage file is a diagnostic, and rendering them all in
    // human form was quadratic (10,000: 5 s in a release build; 50,000: minutes); JSON
    // lists them all.
    let n = 20_000;
    let text: String = (0..n).map(|i| format!("vra X{i}: int = 1\n")).collect();
    let run = check_source(&text);
    run.expect_code(1)
        .within(Duration::from_secs(60))
        .stderr_contains("more not shown")
        .stderr_contains(&format!("{n} errors emitted"));
    let shown = run.stderr.matches("E0104").count();
    assert!(
        shown <= envdef::diagnostics::render::MAX_RENDERED_DIAGNOSTICS,
        "{shown} rendered"
    );
    let json = check_source_json(&text);
    json.expect_code(1).within(Duration::from_secs(60));
    assert_eq!(json.stdout.lines().count(), n);
}

#[test]
fn diagnostics_at_the_end_of_a_big_file_render_quickly() {
    // Regression: miette located every span by walking the text from its first byte, so
    // 300 errors at the end of a 16 MB file took minutes to render.
    let mut text = format!("# {}\n", "p".repeat(98)).repeat(150_000);
    for i in 0..300 {
        text.push_str(&format!("vra X{i}: int = 1\n"));
    }
    assert!(text.len() as u64 <= envdef::source::MAX_SOURCE_BYTES);
    let run = check_source(&text);
    run.expect_code(1)
        .within(Duration::from_secs(30))
        .stderr_contains("300 errors emitted")
        .stderr_contains(":150001:");
}

// ── output size ─────────────────────────────────────────────────────────────────────────

#[test]
fn too_many_artifacts_are_refused_before_planning_them_all() {
    // 10 KB of source, 120,000 artifacts asked for (400 services × 300 environments).
    let mut text = String::from("var A: int = 1\n");
    for i in 0..400 {
        text.push_str(&format!("service s{i} {{ uses A }}\n"));
    }
    for i in 0..300 {
        text.push_str(&format!("env e{i} {{}}\n"));
    }
    text.push_str("emit dotenv to \"{service}/{env}.env\"\n");
    let dir = with_source(&text);
    let run = envdef(dir.path(), &["compile", "main.envdef"]);
    run.expect_code(1)
        .within(Duration::from_secs(30))
        .expect_diagnostic("E0411")
        .stderr_contains(&format!(
            "more than {} artifacts",
            envdef::emit::MAX_ARTIFACTS
        ));
    assert_eq!(
        super::support::files(dir.path()),
        ["main.envdef"],
        "nothing written"
    );
    super::support::golden("too_many_artifacts.stderr", &run.stderr);
}

#[test]
fn too_much_output_is_refused_within_the_memory_cap() {
    // A 15 MiB value inherited by 20 environments: 300 MiB of .env files.
    let mut text = format!("var A: string = \"{}\"\n", "x".repeat(15 << 20));
    for i in 0..20 {
        text.push_str(&format!("env e{i} {{}}\n"));
    }
    text.push_str("emit dotenv to \"{env}.env\"\n");
    let dir = with_source(&text);
    let run = envdef(dir.path(), &["compile", "main.envdef"]);
    run.expect_code(1)
        .within(Duration::from_secs(60))
        .expect_diagnostic("E0411")
        .stderr_contains(&format!(
            "more than {} MiB",
            envdef::emit::MAX_OUTPUT_BYTES >> 20
        ));
    assert_eq!(super::support::files(dir.path()), ["main.envdef"]);
}
