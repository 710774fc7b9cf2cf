use super::*;

fn ok(text: &str) -> Location {
    match SecretRef::parse(text) {
        Ok(r) => {
            assert_eq!(r.as_str(), text);
            r.location().clone()
        }
        Err(e) => panic!("{text:?}: {e}"),
    }
}

fn err(text: &str) -> RefError {
    match SecretRef::parse(text) {
        Ok(r) => panic!("{text:?} parsed as {:?}", r.location()),
        Err(e) => e,
    }
}

#[test]
fn every_scheme_parses() {
    assert_eq!(
        ok("env://APP_DB_PASSWORD"),
        Location::Env {
            name: "APP_DB_PASSWORD".into()
        }
    );
    assert_eq!(
        ok("file://./secrets/db"),
        Location::File {
            path: "./secrets/db".into()
        }
    );
    assert_eq!(
        ok("file:///run/secrets/db"),
        Location::File {
            path: "/run/secrets/db".into()
        }
    );
    assert_eq!(
        ok("vault://kv/acme/{env}/db#password"),
        Location::Vault {
            mount: "kv".into(),
            path: "acme/{env}/db".into(),
            key: "password".into()
        }
    );
    assert_eq!(
        ok("sops://secrets/{env}.yaml#db.password"),
        Location::Sops {
            file: "secrets/{env}.yaml".into(),
            key: "db.password".into()
        }
    );
    assert_eq!(
        ok("aws-sm://prod/stripe#api_key"),
        Location::AwsSm {
            name: "prod/stripe".into(),
            property: Some("api_key".into())
        }
    );
    assert_eq!(
        ok("aws-sm://arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"),
        Location::AwsSm {
            name: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf".into(),
            property: None
        }
    );
    assert_eq!(
        ok("gcp-sm://db-password"),
        Location::GcpSm {
            secret: "db-password".into(),
            property: None
        }
    );
    assert_eq!(
        ok("op://Production/Postgres/password"),
        Location::OnePassword {
            vault: "Production".into(),
            item: "Postgres".into(),
            section: None,
            field: "password".into()
        }
    );
    assert_eq!(
        ok("op://{env}/Postgres/admin/password"),
        Location::OnePassword {
            vault: "{env}".into(),
            item: "Postgres".into(),
            section: Some("admin".into()),
            field: "password".into()
        }
    );
    assert_eq!(
        ok("env://{service}_TOKEN"),
        Location::Env {
            name: "{service}_TOKEN".into()
        }
    );
}

#[test]
fn remote_refs_follow_the_providers() {
    let r = |t: &str| SecretRef::parse(t).unwrap().remote_ref();
    assert_eq!(
        r("vault://kv/acme/prod/db#password"),
        Some(RemoteRef {
            key: "kv/acme/prod/db".into(),
            property: Some("password".into())
        })
    );
    assert_eq!(
        r("aws-sm://prod/stripe"),
        Some(RemoteRef {
            key: "prod/stripe".into(),
            property: None
        })
    );
    assert_eq!(
        r("op://Prod/Postgres/password"),
        Some(RemoteRef {
            key: "Postgres".into(),
            property: Some("password".into())
        })
    );
    assert_eq!(r("env://X"), None);
    assert_eq!(r("file://x"), None);
    assert_eq!(r("sops://x.yaml#a"), None);
}

#[test]
fn basic_refusals() {
    assert_eq!(err(""), RefError::Empty);
    assert_eq!(
        err("vault://kv/a\0b#k"),
        RefError::ControlCharacter { index: 12 }
    );
    assert_eq!(
        err("vault://kv/a\n#k"),
        RefError::ControlCharacter { index: 12 }
    );
    assert_eq!(
        err("vault://kv/a\u{2028}#k"),
        RefError::ControlCharacter { index: 12 }
    );
    assert_eq!(err(" vault://kv/a#k"), RefError::SurroundingWhitespace);
    assert_eq!(err("kv/acme/db"), RefError::NoScheme);
    assert_eq!(err("TODO://{env}/DB_PASSWORD"), RefError::Placeholder);
    assert_eq!(err("todo://x"), RefError::Placeholder);
    assert_eq!(
        err("valt://kv/a#k"),
        RefError::UnknownScheme {
            scheme: Some("valt".into())
        }
    );
    assert_eq!(
        err("https://vault.acme.com/v1/kv"),
        RefError::UnknownScheme {
            scheme: Some("https".into())
        }
    );
    assert_eq!(err("a b c://x"), RefError::UnknownScheme { scheme: None });
}

#[test]
fn malformed_bodies() {
    for text in [
        "env://",
        "env://1X",
        "env://A-B",
        "env://A#k",
        "file://x#k",
        "vault://kv/db",
        "vault://kv#password",
        "vault://kv//db#password",
        "vault://kv/db#",
        "vault://kv/db#a#b",
        "sops://x.yaml",
        "sops://x.yaml#a..b",
        "aws-sm://a b",
        "aws-sm://x#",
        "gcp-sm://projects/p/secrets/s",
        "op://vault/item",
        "op://vault//field",
        "op://a/b/c/d/e",
        "op://a/b/c?attribute=otp",
    ] {
        assert!(matches!(err(text), RefError::Malformed { .. }), "{text:?}");
    }
}

#[test]
fn credentials_are_refused_and_never_echoed() {
    for text in [
        "postgres://admin:S3cr3t@db.internal:5432/app",
        "vault://admin:S3cr3t@vault/kv#x",
        "redis://:hunter2hunter2@cache:6379",
        "sk_live_51HqLyjWDarjtT1zdp7dc",
        "vault://kv/sk_live_51HqLyjWDarjtT1zdp7dc#x",
        "whsec_1234567890abcdef",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "github_pat_11ABCDEFG0123456789_abcdefghij",
        "AKIAIOSFODNN7EXAMPLE",
        "sk-proj-abcdefghijklmnop1234",
        "SG.abcdefghijklmnop.qrstuvwxyz0123456789",
        "xoxb-123456789012-abcdefghij",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.sig",
        "Bearer abc.def.ghi",
        "-----BEGIN PRIVATE KEY-----",
        "npm_abcdefghijklmnopqrstuvwxyz0123",
        "glpat-abcdefghij0123456789",
        // The attacker pass: other services' shapes, and a credential in a query string.
        "vault://kv/db#password?token=hvs.CAESIabcdef0123456789",
        "hvs.CAESIabcdef0123456789xyz",
        "vault://kv/app?X-Vault-Token=abcdef0123456789#x",
        "gcp-sm://proj/ya29.a0abcdef0123456789xyz",
        "aws-sm://prod/db?access_token=abcdef01",
        "doo_v1_abcdef0123456789abcdef0123456789",
        "shpss_abcdef0123456789abcdef01",
    ] {
        let e = err(text);
        assert!(matches!(e, RefError::Credential { .. }), "{text:?}: {e:?}");
        let shown = e.to_string();
        assert!(
            !shown.contains("S3cr3t") && !shown.contains("51HqLy") && !shown.contains("abcdef"),
            "{shown}"
        );
    }
    // Names that merely start like a token are paths, not tokens.
    ok("vault://kv/stripe/sk_live_key#value");
    ok("vault://kv/npm_registry/token#value");
    ok("aws-sm://AKIA#x");
}

#[test]
fn unknown_scheme_lists_the_known_ones() {
    let forms = Scheme::known_forms();
    for s in Scheme::ALL {
        assert!(forms.contains(s.form()), "{forms}");
    }
}
