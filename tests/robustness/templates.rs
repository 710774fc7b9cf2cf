//! Hostile custom templates (issue 12, case 5): a template from an untrusted branch cannot
//! crash envdef, hang it or make it write gigabytes. Each bomb is refused with a diagnostic
//! (E0413, or E0411 for output), exit 1, nothing written, under a deadline and the 2 GiB
//! address-space cap of `support`. Limits: `docs/limits.md`, `src/emit/guard.rs`.

use std::time::Duration;

use super::support::{envdef_with, files, temp, write, Opts, Run};

/// A source with `vars` variables of 100 bytes (plus `extra`), one environment, and a
/// custom emit through `t.hbs` holding `template`; compiled into `out/`.
fn compile_with(template: &str, vars: usize, extra: &str) -> (Run, Vec<String>) {
    let dir = temp();
    let mut src = String::from("project bombs\n");
    for i in 0..vars {
        src.push_str(&format!("var V{i}: string = \"{}\"\n", "x".repeat(100)));
    }
    src.push_str(extra);
    src.push_str("env dev {}\nemit custom to \"out.txt\" { template = \"t.hbs\" }\n");
    write(dir.path(), "main.envdef", src);
    write(dir.path(), "t.hbs", template);
    let run = envdef_with(
        dir.path(),
        &["compile", "main.envdef", "--out", "out"],
        &Opts {
            deadline: Duration::from_secs(90),
            ..Opts::default()
        },
    );
    let out = dir.path().join("out");
    let written = if out.exists() {
        files(&out)
    } else {
        Vec::new()
    };
    (run, written)
}

fn refused(template: &str, vars: usize, code: &str, needle: &str) {
    let (run, written) = compile_with(template, vars, "");
    run.expect_code(1)
        .expect_diagnostic(code)
        .stderr_contains(needle);
    assert!(written.is_empty(), "nothing is written: {written:?}");
}

#[test]
fn a_recursive_inline_partial_is_refused_not_a_stack_overflow() {
    // Regression: this aborted the process ("has overflowed its stack").
    refused(
        r#"{{#*inline "p"}}x{{> p}}{{/inline}}{{> p}}"#,
        1,
        "E0413",
        "includes itself: `p` → `p`",
    );
}

#[test]
fn mutually_recursive_partials_are_refused() {
    refused(
        r#"{{#*inline "a"}}{{#if true}}{{> b}}{{/if}}{{/inline}}{{#*inline "b"}}{{#each vars}}{{> a}}{{/each}}{{/inline}}{{> a}}"#,
        2,
        "E0413",
        "`a` → `b` → `a`",
    );
}

#[test]
fn a_template_including_itself_by_its_registered_name_is_refused() {
    // User templates are registered by index: `{{> 0}}` is the template itself.
    refused("{{> 0}}", 1, "E0413", "includes itself");
}

#[test]
fn a_partial_block_recursing_through_its_fallback_is_refused() {
    refused(
        r#"{{#*inline "p"}}{{#> p}}fallback{{/p}}{{/inline}}{{> p}}"#,
        1,
        "E0413",
        "includes itself",
    );
}

#[test]
fn a_partial_named_by_a_subexpression_is_refused() {
    refused(
        r#"{{#*inline "p"}}x{{/inline}}{{> (lookup this "target")}}"#,
        1,
        "E0413",
        "subexpression",
    );
}

#[test]
fn deeply_nested_blocks_are_refused() {
    let template = format!("{}x{}", "{{#if true}}".repeat(500), "{{/if}}".repeat(500));
    refused(&template, 1, "E0413", "more than 64 levels");
}

#[test]
fn deeply_nested_subexpressions_are_refused() {
    let template = format!("{{{{len {}vars{}}}}}", "(len ".repeat(200), ")".repeat(200));
    let (run, written) = compile_with(&template, 1, "");
    run.expect_code(1);
    run.assert_no_crash();
    assert!(written.is_empty());
}

#[test]
fn a_chain_of_partials_deeper_than_the_limit_is_refused() {
    let mut template = String::from(r#"{{#*inline "p0"}}x{{/inline}}"#);
    for i in 1..200 {
        template.push_str(&format!(
            r#"{{{{#*inline "p{i}"}}}}{{{{> p{}}}}}{{{{/inline}}}}"#,
            i - 1
        ));
    }
    template.push_str("{{> p199}}");
    refused(&template, 1, "E0413", "more than 64 levels");
}

#[test]
fn a_fan_out_of_partials_is_refused_before_rendering() {
    // Twelve partials, each including the previous one ten times: 10^11 inclusions, no loop.
    let mut template = String::from(r#"{{#*inline "p0"}}{{/inline}}"#);
    for i in 1..12 {
        let body = format!("{{{{> p{}}}}}", i - 1).repeat(10);
        template.push_str(&format!(r#"{{{{#*inline "p{i}"}}}}{body}{{{{/inline}}}}"#));
    }
    template.push_str("{{> p11}}");
    let (run, written) = compile_with(&template, 1, "");
    run.expect_code(1)
        .expect_diagnostic("E0413")
        .stderr_contains("more than 10000 times")
        .within(Duration::from_secs(20));
    assert!(written.is_empty());
}

#[test]
fn nested_each_that_writes_nothing_stops_at_the_loop_budget() {
    // 300^4 = 8.1e9 empty iterations: without a budget this runs for hours.
    let template = "{{#each vars}}{{#each ../vars}}{{#each ../../vars}}{{#each ../../../vars}}{{/each}}{{/each}}{{/each}}{{/each}}";
    let (run, written) = compile_with(template, 300, "");
    run.expect_code(1)
        .expect_diagnostic("E0413")
        .within(Duration::from_secs(60));
    assert!(
        run.stderr.contains("looped more than 1000000 times")
            || run.stderr.contains("took more than 10 s"),
        "{}",
        run.stderr
    );
    assert!(written.is_empty());
}

#[test]
fn a_matrix_of_environments_cannot_multiply_the_per_artifact_budget() {
    // Attacker pass: 900 environments (a 30 × 30 matrix), each rendering a template that
    // loops right up to the per-artifact budget, ran for over ten minutes in CI (stopped
    // by a timeout) with only per-artifact limits. The compile's budget stops it after
    // twenty artifacts' worth of loops (or a minute of rendering, if that comes first).
    let dir = temp();
    let members: Vec<String> = (0..30).map(|i| format!("\"v{i}\"")).collect();
    let mut src = format!(
        "project bombs\ntype V = {}\nenv m(a: V, b: V) {{}}\n",
        members.join(" | ")
    );
    for i in 0..100 {
        src.push_str(&format!("var X{i}: string = \"x\"\n"));
    }
    src.push_str("emit custom to \"o/{env}.txt\" { template = \"t.hbs\" }\n");
    write(dir.path(), "main.envdef", src);
    // 100^3 = 10^6 iterations per artifact, at the per-artifact limit.
    write(
        dir.path(),
        "t.hbs",
        "{{#each vars}}{{#each ../vars}}{{#each ../../vars}}{{/each}}{{/each}}{{/each}}",
    );
    let run = envdef_with(
        dir.path(),
        &["compile", "main.envdef", "--format", "json"],
        &Opts {
            deadline: Duration::from_secs(240),
            ..Opts::default()
        },
    );
    run.expect_code(1)
        .expect_diagnostic("E0413")
        // Whichever of the compile's budgets runs out first (iterations, or 60 s of
        // render time on a slow or busy machine).
        .stdout_contains("past the compile's budget of")
        .within(Duration::from_secs(180));
    assert!(!dir.path().join("o").exists(), "nothing is written");
}

#[test]
fn nested_each_writing_gigabytes_stops_at_the_output_budget() {
    // Regression: nested `{{#each}}` wrote a 1.9 GB artifact past the 256 MiB cap. Here a
    // 1 MB value is written 300 × 300 times (90 GB) unless the output budget stops it.
    let template = r#"{{#each vars}}{{#each ../vars}}{{#each ../../vars}}{{#if (eq name "HUGE")}}{{value}}{{/if}}{{/each}}{{/each}}{{/each}}"#;
    let extra = format!("var HUGE: string = \"{}\"\n", "y".repeat(1 << 20));
    let (run, written) = compile_with(template, 300, &extra);
    run.expect_code(1)
        .expect_diagnostic("E0411")
        .stderr_contains("more than 256 MiB")
        .within(Duration::from_secs(60));
    assert!(written.is_empty());
}

#[test]
fn each_keeps_its_data_variables_block_params_and_else() {
    // `{{#each}}` is envdef's copy of the handlebars helper (to count iterations): it must
    // behave exactly as the original.
    let template = "{{#each vars}}{{@index}}:{{name}}:{{@first}}:{{@last}};{{/each}}|\
{{#each options as |v k|}}{{k}}={{v}};{{/each}}|\
{{#each vars as |var i|}}{{i}}{{var.name}};{{/each}}|\
{{#each services}}x{{else}}none{{/each}}|\
{{#each options}}{{@key}}/{{@index}}/{{this}};{{/each}}";
    let dir = temp();
    write(
        dir.path(),
        "main.envdef",
        "project p\nvar A: int = 1\nvar B: string = \"b\"\nenv dev {}\n\
emit custom to \"out.txt\" { template = \"t.hbs\"\n  mode = \"m\"\n}\n",
    );
    write(dir.path(), "t.hbs", template);
    let run = envdef_with(
        dir.path(),
        &["compile", "main.envdef", "--out", "out"],
        &Opts::default(),
    );
    run.expect_code(0);
    let out = std::fs::read_to_string(dir.path().join("out/out.txt")).unwrap();
    assert_eq!(
        out,
        "0:A:true:false;1:B:false:true;|template=t.hbs;mode=m;|0A;1B;|x|template/0/t.hbs;mode/1/m;"
    );
}

#[test]
fn helper_calls_on_the_whole_model_stop_at_the_deadline() {
    // Attacker pass: 2,000 calls on the whole context, each as costly as the model is
    // large, loop nowhere and write nothing, so neither the loop budget nor the output
    // writer saw them: four minutes (`eq`), two (`json`) on a 3,000-variable model.
    for call in [
        "{{#if (json this)}}{{/if}}",
        "{{#if (eq this this)}}{{/if}}",
        "{{#if (lookup this \"vars\")}}{{/if}}",
    ] {
        let (run, written) = compile_with(&call.repeat(2000), 3000, "");
        run.expect_code(1)
            .expect_diagnostic("E0413")
            .stderr_contains("took more than 10 s")
            .within(Duration::from_secs(60));
        assert!(written.is_empty(), "{call}");
    }
    // `{{log}}` writes nothing (envdef never turns logging on) and costs nothing.
    let (run, _) = compile_with(&"{{log this}}".repeat(2000), 3000, "");
    run.expect_code(0).within(Duration::from_secs(30));
}
