use std::collections::HashMap;

use super::*;

fn context(vars: &[(&str, &str)], dir: &std::path::Path) -> Context {
    Context {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<HashMap<_, _>>(),
        base_dir: dir.to_path_buf(),
    }
}

#[test]
fn debug_never_shows_a_value() {
    let value = SecretValue::new("hunter2".to_string());
    assert_eq!(format!("{value:?}"), "SecretValue(<redacted>)");
    assert_eq!(value.expose(), "hunter2");
}

#[test]
fn env_provider_reads_the_given_environment() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = Resolver::standard(context(&[("APP_DB", "pw")], dir.path()));
    assert_eq!(resolver.resolve("env://APP_DB").unwrap().expose(), "pw");
    let err = resolver.resolve("env://MISSING").unwrap_err();
    assert_eq!(err.provider, Some("env"));
    assert_eq!(
        err.error.reason,
        "the environment variable `MISSING` is not set"
    );
}

#[test]
fn file_provider_strips_one_newline_and_resolves_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw.txt"), "line one\nline two\n\n").unwrap();
    let resolver = Resolver::standard(context(&[], dir.path()));
    assert_eq!(
        resolver.resolve("file://pw.txt").unwrap().expose(),
        "line one\nline two\n"
    );
    let err = resolver.resolve("file://nope.txt").unwrap_err();
    assert!(
        err.error.reason.ends_with("nope.txt`: no such file"),
        "{err:?}"
    );
}

#[test]
fn references_without_a_provider_or_malformed_say_why_without_echoing_them() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = Resolver::standard(context(&[], dir.path()));
    let err = resolver.resolve("op://vault/item/field").unwrap_err();
    assert_eq!(err.provider, Some("op"));
    assert!(err.error.reason.contains("cannot fetch `op://`"), "{err:?}");
    assert!(err.error.help.unwrap().contains("`vault://MOUNT/PATH#KEY`"));
    let err = resolver.resolve("just-a-name").unwrap_err();
    assert_eq!(err.provider, None);
    assert!(!err.error.reason.contains("just-a-name"), "{err:?}");
    let err = resolver.resolve("vault://kv#key").unwrap_err();
    assert!(!err.error.reason.contains("kv#key"), "{err:?}");
}

#[test]
fn vault_without_address_or_token_says_which_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let resolver = Resolver::standard(context(&[], dir.path()));
    let err = resolver.resolve("vault://kv/app#pw").unwrap_err();
    assert_eq!(err.error.reason, "VAULT_ADDR is not set");
    let resolver = Resolver::standard(context(&[("VAULT_ADDR", "http://127.0.0.1:9")], dir.path()));
    let err = resolver.resolve("vault://kv/app#pw").unwrap_err();
    assert_eq!(err.error.reason, "VAULT_TOKEN is not set");
}

#[test]
fn an_unreachable_vault_is_a_clear_error_not_a_hang() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("http://127.0.0.1:{port}");
    let resolver = Resolver::standard(context(
        &[("VAULT_ADDR", &addr), ("VAULT_TOKEN", "t")],
        dir.path(),
    ));
    let started = std::time::Instant::now();
    let err = resolver.resolve("vault://kv/app#pw").unwrap_err();
    assert!(started.elapsed() < vault::CONNECT_TIMEOUT * 2);
    assert!(
        err.error
            .reason
            .starts_with(&format!("cannot reach Vault at {addr}: ")),
        "{err:?}"
    );
}
