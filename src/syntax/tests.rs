//! Unit tests for lowering details: escapes, numbers, durations, spans, recovery.
//! Every test goes through [`parse_ok`] / [`parse_err`], so an API change touches one place.

use super::{parse, parse_with_threads};
use crate::ast::*;
use crate::diagnostics::{Code, Diagnostics};
use crate::source::FileId;

fn parse_all(src: &str) -> (File, Diagnostics) {
    let mut d = Diagnostics::new();
    let f = parse(FileId(0), src, &mut d);
    (f, d)
}

fn parse_ok(src: &str) -> File {
    let (f, d) = parse_all(src);
    assert!(d.is_empty(), "unexpected diagnostics for {src:?}: {d:#?}");
    f
}

/// The codes of all diagnostics, in order.
fn parse_err(src: &str) -> Vec<Code> {
    let (_, d) = parse_all(src);
    assert!(!d.is_empty(), "expected diagnostics for {src:?}");
    d.iter().map(|d| d.code).collect()
}

fn default_of(src: &str) -> ValueKind {
    let f = parse_ok(src);
    match &f.items[0] {
        Item::Var(v) => v.default.clone().expect("a default").kind,
        other => panic!("{other:?}"),
    }
}

fn str_parts(src: &str) -> Vec<StrPart> {
    match default_of(src) {
        ValueKind::Str(s) => s.parts,
        other => panic!("{other:?}"),
    }
}

fn text(s: &str) -> StrPart {
    StrPart::Text(s.to_string())
}

#[test]
fn string_escapes_decode() {
    assert_eq!(
        str_parts(r#"var A: string = "a\"b\\c\nd\re\tf\u{1F600}g""#),
        vec![text("a\"b\\c\nd\re\tf\u{1F600}g")]
    );
    assert_eq!(
        str_parts(r#"var A: string = "cost: $$5 or $5""#),
        vec![text("cost: $5 or $5")]
    );
    assert_eq!(
        str_parts(r#"var A: string = "{a: 1}""#),
        vec![text("{a: 1}")]
    );
    assert_eq!(str_parts(r#"var A: string = """#), vec![]);
}

#[test]
fn interpolation_splits_parts_with_spans() {
    let src = r#"var A: string = "${API_URL}/v1/${env}""#;
    let parts = str_parts(src);
    assert_eq!(parts.len(), 3);
    match &parts[0] {
        StrPart::Interp(id) => {
            assert_eq!(id.text, "API_URL");
            assert_eq!(&src[id.span.range()], "API_URL");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(parts[1], text("/v1/"));
    match &parts[2] {
        StrPart::Interp(id) => assert_eq!(id.text, "env"),
        other => panic!("{other:?}"),
    }
    // `$${` is a literal `${`.
    assert_eq!(str_parts(r#"var A: string = "$${X}""#), vec![text("${X}")]);
}

#[test]
fn bad_escapes_and_interpolations_are_errors() {
    assert_eq!(
        parse_err(r#"var A: string = "\q""#),
        vec![Code::InvalidEscape]
    );
    assert_eq!(
        parse_err(r#"var A: string = "\u{110000}""#),
        vec![Code::InvalidUnicodeEscape]
    );
    assert_eq!(
        parse_err(r#"var A: string = "\u{}""#),
        vec![Code::InvalidUnicodeEscape]
    );
    assert_eq!(
        parse_err(r#"var A: string = "\u1234""#),
        vec![Code::InvalidUnicodeEscape]
    );
    assert_eq!(
        parse_err(r#"var A: string = "${A""#),
        vec![Code::MalformedInterpolation]
    );
    assert_eq!(
        parse_err(r#"var A: string = "${}""#),
        vec![Code::MalformedInterpolation]
    );
    assert_eq!(
        parse_err(r#"var A: string = "${a b}""#),
        vec![Code::MalformedInterpolation]
    );
}

#[test]
fn numbers_classify() {
    assert_eq!(default_of("var A: int = 8080"), ValueKind::Int(8080));
    assert_eq!(default_of("var A: int = -1"), ValueKind::Int(-1));
    assert_eq!(default_of("var A: int = 10_000"), ValueKind::Int(10_000));
    assert_eq!(default_of("var A: int = 0"), ValueKind::Int(0));
    assert_eq!(
        default_of("var A: int = -9223372036854775808"),
        ValueKind::Int(i64::MIN)
    );
    assert_eq!(default_of("var A: float = 0.5"), ValueKind::Float(0.5));
    assert_eq!(default_of("var A: float = 1e3"), ValueKind::Float(1000.0));
    assert_eq!(default_of("var A: float = -2.5"), ValueKind::Float(-2.5));
    assert_eq!(
        default_of("var A: float = 2.5E-3"),
        ValueKind::Float(0.0025)
    );
}

#[test]
fn bad_numbers_are_errors() {
    assert_eq!(parse_err("var A: int = 0123"), vec![Code::LeadingZero]);
    assert_eq!(
        parse_err("var A: int = 9223372036854775808"),
        vec![Code::NumberOutOfRange]
    );
    assert_eq!(parse_err("var A: int = 1__0"), vec![Code::InvalidNumber]);
    assert_eq!(parse_err("var A: int = 0x1F"), vec![Code::InvalidNumber]);
    assert_eq!(
        parse_err("var A: float = 1e999"),
        vec![Code::NumberOutOfRange]
    );
}

fn millis(src: &str) -> u64 {
    match default_of(&format!("var A: duration = {src}")) {
        ValueKind::Duration(d) => d.millis,
        other => panic!("{other:?}"),
    }
}

#[test]
fn durations_convert_to_millis() {
    assert_eq!(millis("250ms"), 250);
    assert_eq!(millis("30s"), 30_000);
    assert_eq!(millis("5m"), 300_000);
    assert_eq!(millis("1h30m"), 5_400_000);
    assert_eq!(millis("2d"), 172_800_000);
    assert_eq!(millis("1d2h3m4s5ms"), 93_784_005);
}

#[test]
fn bad_durations_are_errors() {
    assert_eq!(
        parse_err("var A: duration = 30x"),
        vec![Code::InvalidDuration]
    );
    assert_eq!(
        parse_err("var A: duration = 5m1h"),
        vec![Code::InvalidDuration]
    );
    assert_eq!(
        parse_err("var A: duration = 5m5m"),
        vec![Code::InvalidDuration]
    );
    assert_eq!(
        parse_err("var A: duration = -5m"),
        vec![Code::InvalidDuration]
    );
    assert_eq!(
        parse_err("var A: duration = 30sec"),
        vec![Code::InvalidDuration]
    );
    assert_eq!(
        parse_err("var A: duration = 99999999999999999999d"),
        vec![Code::NumberOutOfRange]
    );
    assert_eq!(
        parse_err("var A: duration = 999999999999999d"),
        vec![Code::NumberOutOfRange]
    );
}

/// Durations go up to `100000000d` (`notation::MAX_DURATION_MS`), in any spelling; one
/// millisecond more is E0107, in any spelling.
#[test]
fn durations_stop_at_the_longest_every_reader_holds() {
    for longest in [
        "100000000d",
        "99999999d23h59m59s1000ms",
        "2400000000h",
        "8640000000000000ms",
    ] {
        assert_eq!(
            default_of(&format!("var A: duration = {longest}")),
            ValueKind::Duration(crate::ast::DurationLit {
                millis: crate::notation::MAX_DURATION_MS
            }),
            "{longest}"
        );
    }
    for too_long in [
        "100000000d1ms",
        "99999999d24h1ms",
        "2400000000h1ms",
        "8640000000000001ms",
        "100000001d",
    ] {
        assert_eq!(
            parse_err(&format!("var A: duration = {too_long}")),
            vec![Code::NumberOutOfRange],
            "{too_long}"
        );
    }
}

#[test]
fn spans_are_absolute_across_chunks() {
    let src = "project x\n\nvar A: int = 1\nvar B: url?\n";
    let f = parse_ok(src);
    assert_eq!(f.items.len(), 3);
    let Item::Var(b) = &f.items[2] else { panic!() };
    assert_eq!(&src[b.span.range()], "var B: url?");
    assert_eq!(&src[b.name.span.range()], "B");
    assert!(b.optional);
    assert_eq!(&src[b.ty.span.range()], "url?");
}

#[test]
fn var_forms() {
    let src = r#"
        var A: int? in 1..=5 = 3 "doc" { deprecated = "use B", unit = "s" }
        var L: list<url>? = ["http://a", "http://b",]
        var E: "a" | "b" = "a"
        var S: string len in 1..64 matching /^[a-z\/]+$/
    "#;
    let f = parse_ok(src);
    let Item::Var(a) = &f.items[0] else { panic!() };
    assert!(a.optional);
    assert_eq!(a.ty.refinements.len(), 1);
    assert_eq!(
        a.doc.as_ref().and_then(StrLit::as_plain).as_deref(),
        Some("doc")
    );
    assert_eq!(a.attrs.len(), 2);
    assert_eq!(a.attrs[1].key.text, "unit");
    let Item::Var(l) = &f.items[1] else { panic!() };
    assert!(l.optional);
    assert!(matches!(l.ty.base, BaseType::List(_)));
    match &l.default.as_ref().unwrap().kind {
        ValueKind::List(items) => assert_eq!(items.len(), 2),
        other => panic!("{other:?}"),
    }
    let Item::Var(e) = &f.items[2] else { panic!() };
    assert!(matches!(&e.ty.base, BaseType::Union(m) if m.len() == 2));
    let Item::Var(s) = &f.items[3] else { panic!() };
    match &s.ty.refinements[..] {
        [Refinement {
            kind: RefinementKind::Len(r),
            ..
        }, Refinement {
            kind: RefinementKind::Matching(re),
            ..
        }] => {
            assert!(!r.inclusive);
            assert_eq!(re.pattern, "^[a-z/]+$");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn env_assignments_and_secret_refs() {
    let src = r#"
        abstract env base-1 { A = 1, api.PORT = 80
          DB from "vault://{env}" }
        env prod extends base-1 { }
    "#;
    let f = parse_ok(src);
    let Item::Env(e) = &f.items[0] else { panic!() };
    assert!(e.is_abstract);
    assert_eq!(e.name.text, "base-1");
    assert_eq!(e.assignments.len(), 3);
    assert_eq!(
        e.assignments[1].target.service.as_ref().unwrap().text,
        "api"
    );
    assert_eq!(e.assignments[1].target.name.text, "PORT");
    assert!(matches!(e.assignments[2].rhs, AssignRhs::SecretRef(_)));
    let Item::Env(p) = &f.items[1] else { panic!() };
    assert_eq!(p.parent.as_ref().unwrap().text, "base-1");
}

#[test]
fn assert_expressions_have_precedence() {
    let src = r#"assert !a && B == 1 || env in ["x", "y"] when service != "api" "msg""#;
    let f = parse_ok(src);
    let Item::Assert(a) = &f.items[0] else {
        panic!()
    };
    // `||` is loosest.
    let ExprKind::Binary {
        op: BinaryOp::Or,
        lhs,
        rhs,
    } = &a.condition.kind
    else {
        panic!("{:?}", a.condition.kind)
    };
    let ExprKind::Binary {
        op: BinaryOp::And,
        lhs: not,
        ..
    } = &lhs.kind
    else {
        panic!()
    };
    assert!(matches!(
        not.kind,
        ExprKind::Unary {
            op: UnaryOp::Not,
            ..
        }
    ));
    let ExprKind::Binary {
        op: BinaryOp::In,
        lhs: env,
        rhs: list,
    } = &rhs.kind
    else {
        panic!()
    };
    assert_eq!(env.kind, ExprKind::Env);
    assert!(matches!(&list.kind, ExprKind::List(v) if v.len() == 2));
    assert!(a.when.is_some());
    assert_eq!(
        a.message.as_ref().and_then(StrLit::as_plain).as_deref(),
        Some("msg")
    );
}

#[test]
fn assert_matches_and_parens() {
    let f = parse_ok(r#"assert (api.URL matches /^https:\/\//) && !(X starts_with "a")"#);
    let Item::Assert(a) = &f.items[0] else {
        panic!()
    };
    let ExprKind::Binary { lhs, .. } = &a.condition.kind else {
        panic!()
    };
    match &lhs.kind {
        ExprKind::Matches { lhs, regex } => {
            assert_eq!(regex.pattern, "^https://");
            assert!(matches!(&lhs.kind, ExprKind::Var(t) if t.service.is_some()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn service_members_and_env_in_assert_do_not_split() {
    let src = "service api { var PORT: int = 1\n secret KEY\n uses A, B }\nassert A == 1\n  when env == \"x\"\nassert service in [\"api\"]";
    let f = parse_ok(src);
    assert_eq!(f.items.len(), 3);
    let Item::Service(s) = &f.items[0] else {
        panic!()
    };
    assert_eq!(s.members.len(), 3);
}

#[test]
fn comments_are_collected() {
    let f = parse_ok("# one\nvar A: int # two\r\n# three");
    let texts: Vec<_> = f.comments.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts, [" one", " two", " three"]);
}

#[test]
fn one_bad_declaration_does_not_hide_the_next() {
    let (f, d) = parse_all("var A int\nvar B: int = 1\nenv x { A: 1 }\nemit dotenv to \"x\"");
    let codes: Vec<_> = d.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnexpectedInput, Code::ColonInAssignment]);
    assert_eq!(f.items.len(), 2);
}

#[test]
fn scanner_errors() {
    assert_eq!(
        parse_err("var A: string = \"abc\nvar B: int"),
        vec![Code::UnterminatedString]
    );
    assert_eq!(
        parse_err("env a {\n A = 1\nenv b { }"),
        vec![Code::UnclosedDelimiter]
    );
    assert_eq!(parse_err("env a { A = 1 }}"), vec![Code::UnexpectedCloser]);
    assert_eq!(parse_err("vra A: int"), vec![Code::UnknownKeyword]);
    assert_eq!(parse_err("A = 1"), vec![Code::ExpectedDeclaration]);
    assert_eq!(parse_err("var A = 1"), vec![Code::MissingVarType]);
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let src = format!(
        "var A: list<int> = {}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(parse_err(&src), vec![Code::NestingTooDeep]);
    let src = format!("assert {}A{}", "(".repeat(65), ")".repeat(65));
    assert_eq!(parse_err(&src), vec![Code::NestingTooDeep]);
    let src = format!("assert {}A{}", "(".repeat(60), ")".repeat(60));
    parse_ok(&src);
    let src = format!("var A: {}int{}", "list<".repeat(100), ">".repeat(100));
    assert_eq!(parse_err(&src), vec![Code::NestingTooDeep]);
}

#[test]
fn never_panics_on_odd_input() {
    for src in [
        "",
        "\"",
        "/",
        "{",
        "}",
        "]",
        "env",
        "env {",
        "var",
        "var A:",
        "var A: list<",
        "é",
        "var A: string = \"é\\",
        "assert",
        "assert (",
        "emit",
        "emit x to",
        "abstract",
        "abstract env",
        "service s { var }",
        "type T = ",
        "\u{feff}",
        "1",
        "-",
        "..=",
        "${",
        "env e { a.b.c = 1 }",
        "var A: int = 1..=2",
        "flag f",
        "secret",
        "import",
    ] {
        let _ = parse_all(src);
    }
}

#[test]
fn canonical_durations_are_largest_first() {
    use super::literal::canonical_duration;
    assert_eq!(canonical_duration(5_400_000), "1h30m");
    assert_eq!(canonical_duration(0), "0s");
    assert_eq!(canonical_duration(250), "250ms");
    assert_eq!(canonical_duration(93_784_005), "1d2h3m4s5ms");
}

/// Thousands of one-edit mutations of the fleet example: the parser never panics, every
/// diagnostic has a primary span inside the file on char boundaries, and every item span
/// is too.
#[test]
fn mutations_never_panic_and_spans_stay_in_bounds() {
    let base = include_str!("../../examples/fleet/fleet.envdef");
    let inserts = [
        "\"",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "/",
        "\\",
        "#",
        "$",
        "${",
        "=",
        ":",
        ",",
        "..=",
        "-",
        "0",
        "é",
        "\n",
        "var ",
        "env ",
        "abstract ",
        "?",
        "<",
        ">",
        "!",
        "|",
        "x",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // splitmix64: deterministic, no dependency.
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for _ in 0..1500 {
        let mut text = base.to_string();
        let mut pos = (next() as usize) % text.len();
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        match next() % 3 {
            0 => {
                let end = text[pos..]
                    .chars()
                    .next()
                    .map_or(pos, |c| pos + c.len_utf8());
                text.replace_range(pos..end, "");
            }
            1 => text.insert_str(pos, inserts[(next() as usize) % inserts.len()]),
            _ => {
                let end = text[pos..]
                    .chars()
                    .next()
                    .map_or(pos, |c| pos + c.len_utf8());
                text.replace_range(pos..end, inserts[(next() as usize) % inserts.len()]);
            }
        }
        let (file, diags) = parse_all(&text);
        let ok = |s: crate::source::Span| {
            (s.start as usize) <= (s.end as usize)
                && (s.end as usize) <= text.len()
                && text.is_char_boundary(s.start as usize)
                && text.is_char_boundary(s.end as usize)
        };
        for d in &diags {
            let span = d
                .primary_span()
                .expect("every syntax diagnostic has a location");
            assert!(ok(span), "{d:?} in {text:?}");
        }
        for item in &file.items {
            assert!(ok(item.span()), "{item:?}");
        }
    }
}

#[test]
fn parallel_parse_equals_sequential_parse() {
    // Every construct, good and bad, repeated past the parallel threshold.
    let mut text = String::new();
    let good = include_str!("../../examples/fleet/fleet.envdef");
    let bad = "var A int\nenv x { A: 1 }\nvar B: duration = 5m1h\nvra C: int\n";
    while text.len() < 2 * super::PARALLEL_THRESHOLD {
        text.push_str(good);
        text.push_str(bad);
    }
    let mut d1 = Diagnostics::new();
    let seq = parse_with_threads(FileId(3), &text, &mut d1, 1);
    let mut d4 = Diagnostics::new();
    let par = parse_with_threads(FileId(3), &text, &mut d4, 4);
    assert_eq!(seq, par);
    assert_eq!(d1.into_vec(), d4.into_vec());
}

#[test]
fn spans_point_at_what_they_name() {
    let src = "env e {\n  api.PORT = 80\n  A = \"\\t${B}\"\n}\nassert (X == 1) && !Y \"m\"";
    let f = parse_ok(src);
    let Item::Env(e) = &f.items[0] else { panic!() };
    let t = &e.assignments[0].target;
    assert_eq!(&src[t.span.range()], "api.PORT");
    assert_eq!(&src[t.service.as_ref().unwrap().span.range()], "api");
    assert_eq!(&src[t.name.span.range()], "PORT");
    assert_eq!(&src[e.assignments[0].span.range()], "api.PORT = 80");
    let AssignRhs::Value(v) = &e.assignments[1].rhs else {
        panic!()
    };
    let ValueKind::Str(s) = &v.kind else { panic!() };
    assert_eq!(&src[s.span.range()], "\"\\t${B}\"");
    match &s.parts[..] {
        [StrPart::Text(t), StrPart::Interp(b)] => {
            assert_eq!(t, "\t");
            assert_eq!(&src[b.span.range()], "B");
        }
        other => panic!("{other:?}"),
    }
    let Item::Assert(a) = &f.items[1] else {
        panic!()
    };
    let ExprKind::Binary { lhs, rhs, .. } = &a.condition.kind else {
        panic!()
    };
    assert_eq!(&src[lhs.span.range()], "(X == 1)");
    assert_eq!(&src[rhs.span.range()], "!Y");
    assert_eq!(&src[a.condition.span.range()], "(X == 1) && !Y");
}

#[test]
fn keywords_are_the_grammars() {
    let grammar = include_str!("../../grammar/envdef.pest");
    let in_grammar: Vec<&str> = grammar
        .lines()
        .filter_map(|l| l.strip_prefix("kw_")?.split_whitespace().next())
        .collect();
    assert_eq!(super::KEYWORDS, in_grammar.as_slice());
}
