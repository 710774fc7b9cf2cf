//! `envdef import` never copies a credential (issue 12, case 6), and does not mistake
//! obvious non-secrets for secrets (issue 13, item 7).
//!
//! Every shape in [`CREDENTIALS`] sits under a key whose name does not sound secret, and
//! again in a commented-out line and in a prose comment; the real binary drafts the file,
//! and the credential must appear in neither its stdout (the draft) nor its stderr (the
//! warnings and the draft's diagnostics). Values are assembled from pieces so that this
//! file does not itself look like a leaked key to secret scanners.

use std::path::Path;
use std::process::Command;

/// `(what, value)`: credentials of every shape we know, none under a secret-sounding name.
fn credentials() -> Vec<(&'static str, String)> {
    let r40 = "Zq7Xw2Lp9Rt4Vb6Nm1Kc8Hs3Jd5Fg0Ay2Ue7Wi4Ox";
    let hex32 = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    vec![
        ("AWS access key id", format!("AKIA{}", "IOSFODNN7EXAMPLQ")),
        (
            "AWS temporary key id",
            format!("ASIA{}", "ZXCVBNMASDFGHJKL"),
        ),
        (
            "AWS secret in a URL query",
            format!("https://s3.example.com/b?X-Amz-Signature={hex32}"),
        ),
        (
            "JWT",
            format!(
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{}",
                &r40[..32]
            ),
        ),
        ("Stripe live key", format!("sk_live_{}", &r40[..24])),
        ("Stripe test key", format!("sk_test_{}", &r40[..24])),
        ("Stripe restricted key", format!("rk_live_{}", &r40[..24])),
        ("webhook signing secret", format!("whsec_{}", &r40[..32])),
        ("GitHub classic token", format!("ghp_{}", &r40[..36])),
        ("GitHub OAuth token", format!("gho_{}", &r40[..36])),
        ("GitHub app token", format!("ghs_{}", &r40[..36])),
        (
            "GitHub fine-grained token",
            format!("github_pat_11AB{}_{}", &r40[..18], &r40[..30]),
        ),
        ("GitLab token", format!("glpat-{}", &r40[..20])),
        ("OpenAI project key", format!("sk-proj-{}", &r40[..40])),
        ("OpenAI legacy key", format!("sk-{}", &r40[..40])),
        ("Anthropic key", format!("sk-ant-api03-{}", &r40[..40])),
        ("SendGrid key", format!("SG.{}.{}", &r40[..22], &r40[..40])),
        ("npm token", format!("npm_{}", &r40[..36])),
        ("Slack bot token", format!("xoxb-1234567890-{}", &r40[..24])),
        (
            "Slack user token",
            format!("xoxp-1234567890-{}", &r40[..24]),
        ),
        (
            "Slack webhook",
            format!("https://hooks.slack.com/services/T000/B000/{}", &r40[..24]),
        ),
        (
            "Discord webhook",
            format!("https://discord.com/api/webhooks/1234567890/{}", &r40[..30]),
        ),
        (
            "Discord webhook (old host)",
            format!("https://discordapp.com/api/webhooks/42/{}", &r40[..30]),
        ),
        (
            "Teams webhook",
            format!("https://acme.webhook.office.com/webhookb2/{}", &r40[..30]),
        ),
        ("Google API key", format!("AIza{}", &r40[..35])),
        ("Google OAuth token", format!("ya29.{}", &r40[..40])),
        (
            "Google OAuth client secret",
            format!("GOCSPX-{}", &r40[..28]),
        ),
        ("Shopify token", format!("shpat_{hex32}")),
        ("DigitalOcean token", format!("dop_v1_{hex32}{hex32}")),
        ("Hugging Face token", format!("hf_{}", &r40[..34])),
        ("PyPI token", format!("pypi-AgEIcHlwaS5vcmc{}", &r40[..30])),
        (
            "age secret key",
            format!("AGE-SECRET-KEY-1{}", "QQPQZYXWVUTSRQPONMLKJHGFEDCBA98765"),
        ),
        ("Twilio API key", format!("SK{hex32}")),
        ("Twilio account SID", format!("AC{hex32}")),
        ("Twilio auth token (32 hex)", hex32.to_string()),
        ("session secret (random base62)", r40.to_string()),
        ("session secret (64 hex)", format!("{hex32}{hex32}")),
        (
            "session secret (base64)",
            format!("{}+/{}==", &r40[..30], &r40[..10]),
        ),
        (
            "base64 PEM private key",
            format!("LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t{}", &r40[..20]),
        ),
        (
            "base64 service-account JSON",
            format!("ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIs{}", &r40[..20]),
        ),
        (
            "base64 JSON token",
            format!("eyJ0eXBlIjoic2VydmljZV9hY2NvdW50In0{}", &r40[..10]),
        ),
        (
            "service-account JSON",
            format!("{{\"type\": \"service_account\", \"private_key_id\": \"{hex32}\"}}"),
        ),
        (
            "PEM private key",
            format!(
                "-----BEGIN PRIVATE KEY-----\\nMIIEv{}\\n-----END PRIVATE KEY-----",
                &r40[..30]
            ),
        ),
        ("user:password", "deploy:Tr0ub4dor&3x".to_string()),
        (
            "user:password, letters only",
            "admin:hunterhunter".to_string(),
        ),
        ("Bearer header", format!("Bearer {}", &r40[..32])),
        (
            "Basic header",
            "Basic ZGVwbG95OlRyMHViNGRvciYzeA==".to_string(),
        ),
        (
            "URL password",
            "postgres://app:Xy7pQ2wL@db:5432/app".to_string(),
        ),
        (
            "URL password with /",
            "postgres://app:pa/ss9word@db:5432/app".to_string(),
        ),
        (
            "URL password with #",
            "redis://:hunter#2pass@cache:6379/0".to_string(),
        ),
        (
            "URL password with ?",
            "amqp://guest:q?w7e8r9@mq:5672/".to_string(),
        ),
        (
            "URL password in the query",
            "postgres://db:5432/app?user=app&password=Xy7pQ2wLz".to_string(),
        ),
        (
            "URL token in the query",
            "https://api.example.com/v1?access_token=abcDEF123456".to_string(),
        ),
        (
            "ADO.NET connection string",
            "Server=db;Database=app;User Id=sa;Password=Zx9!pl0q;".to_string(),
        ),
        (
            "ODBC connection string",
            "Driver={SQL};Server=db;Uid=sa;Pwd=Qw3rty77;".to_string(),
        ),
        (
            "Azure storage connection string",
            format!(
                "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={}==;",
                &r40[..40]
            ),
        ),
        // The second attacker pass: other services' shapes, and credentials inside
        // structured values, whatever the outer key is called.
        (
            "Azure storage account key",
            format!("{r40}{}ab+/cd==", &r40[..20]),
        ),
        (
            "Azure SAS token",
            format!("sv=2021-06-08&ss=b&sp=rwdlac&sig={}%3D", &r40[..40]),
        ),
        (
            "Azure SAS URL",
            format!("https://acme.blob.core.windows.net/c?sv=2021-06-08&sig={}%3D", &r40[..40]),
        ),
        ("GCP API key (AIzaSy)", format!("AIzaSyA{}", &r40[..32])),
        ("Stripe restricted key (long)", format!("rk_live_{}", &r40[..30])),
        ("Shopify shared secret", format!("shpss_{hex32}")),
        ("Shopify custom app token", format!("shpca_{hex32}")),
        ("GitLab runner token", format!("glrt-{}", &r40[..20])),
        ("DigitalOcean OAuth token", format!("doo_v1_{hex32}{hex32}")),
        ("HashiCorp Vault token", format!("hvs.{}", &r40[..40])),
        ("HashiCorp Vault batch token", format!("hvb.{r40}{r40}")),
        ("Datadog application key", format!("{hex32}abcd1234")),
        (
            "PGP private key block",
            format!(
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\\nlQOYBF{r40}\\n-----END PGP PRIVATE KEY BLOCK-----"
            ),
        ),
        (
            "OpenSSH private key",
            format!(
                "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA{r40}\\n-----END OPENSSH PRIVATE KEY-----"
            ),
        ),
        (
            ".netrc line",
            "machine api.example.com login deploy password Qz8xLm2Pw".to_string(),
        ),
        (
            "Docker registry auth (base64 user:password)",
            "ZGVwbG95OlF6OHhMbTJQdzc=".to_string(),
        ),
        (
            "Docker config JSON",
            "{\"auths\":{\"registry.example.com\":{\"auth\":\"ZGVwbG95OlF6OHhMbTJQdzc=\"}}}"
                .to_string(),
        ),
        (
            "FTP URL password",
            "ftp://deploy:Qz8xLm2Pw@ftp.example.com/".to_string(),
        ),
        (
            "MongoDB SRV URL password",
            "mongodb+srv://deploy:Qz8xLm2Pw@cluster0.example.net/db".to_string(),
        ),
        (
            "JDBC URL with a password parameter",
            "jdbc:postgresql://db:5432/app?user=app&password=Qz8xLm2Pw".to_string(),
        ),
        (
            "LDAP URL password",
            "ldap://cn=admin:Qz8xLm2Pw@ldap.example.com".to_string(),
        ),
        (
            "git URL with a token as user",
            format!("https://x-access-token:ghs_{}@github.com/acme/r.git", &r40[..36]),
        ),
        (
            "Sentry DSN",
            format!("https://{hex32}@o12345.ingest.sentry.io/123"),
        ),
        (
            "libpq key/value connection string",
            "host=db user=app password=Qz8xLm2Pw".to_string(),
        ),
        (
            "JSON object with a password",
            "{\"user\":\"app\",\"password\":\"Qz8xLm2Pw\"}".to_string(),
        ),
        (
            "YAML password line",
            "password: Qz8xLm2Pw".to_string(),
        ),
        (
            ".npmrc auth token line",
            "//registry.npmjs.org/:_authToken=12345678-1234-1234-1234-123456789abc".to_string(),
        ),
        ("AWS secret access key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string()),
    ]
}

/// The part of a credential that must never be printed (the whole value, or for composite
/// values the secret inside it).
fn needles(value: &str) -> Vec<String> {
    let mut out = vec![value.to_string()];
    for secret in [
        "Qz8xLm2Pw",
        "Xy7pQ2wL",
        "pa/ss9word",
        "hunter#2pass",
        "q?w7e8r9",
        "Xy7pQ2wLz",
        "Zx9!pl0q",
        "Qw3rty77",
        "Tr0ub4dor&3x",
        "hunterhunter",
        "abcDEF123456",
    ] {
        if value.contains(secret) {
            out.push(secret.to_string());
        }
    }
    out
}

fn import(dir: &Path, file: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_envdef"))
        .args(["import", file])
        .current_dir(dir)
        .output()
        .expect("run envdef");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A dotenv value, double-quoted with escapes (the PEM holds `\n` escapes on purpose).
fn quoted(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '$' => s.push_str("\\$"),
            '`' => s.push_str("\\`"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

#[test]
fn no_credential_shape_reaches_the_draft_or_the_diagnostics() {
    let shapes = credentials();
    assert!(
        shapes.len() >= 50,
        "the corpus holds {} shapes",
        shapes.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, (what, value)) in shapes.iter().enumerate() {
        let file = format!("case{i}.env");
        // The name says nothing; a commented-out copy and a prose comment repeat it.
        let text = format!(
            "# service settings\nSETTING={}\n# OLD_SETTING={}\n# the value for admin is {}\nPORT=8080\n",
            quoted(value),
            quoted(value),
            value.replace('\n', " ")
        );
        std::fs::write(dir.path().join(&file), text).unwrap();
        let (code, stdout, stderr) = import(dir.path(), &file);
        if code != 0 {
            failures.push(format!("{what}: exit {code}: {stderr}"));
            continue;
        }
        for needle in needles(value) {
            if stdout.contains(&needle) || stderr.contains(&needle) {
                failures.push(format!(
                    "{what}: `{needle}` printed (stdout: {}, stderr: {})",
                    stdout.contains(&needle),
                    stderr.contains(&needle)
                ));
            }
        }
        if !stdout.contains("secret SETTING from") {
            failures.push(format!("{what}: SETTING was not drafted as a secret"));
        }
        if !stdout.contains("# service settings") {
            failures.push(format!(
                "{what}: the harmless comment above the secret was dropped"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} shapes leak:\n{}",
        failures.len(),
        shapes.len(),
        failures.join("\n")
    );
}

#[test]
fn comments_that_state_a_credential_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        ("# password for admin is correcthorse", "correcthorse"),
        ("# the root password: Sup3rS3cret", "Sup3rS3cret"),
        ("# token = abc123def456", "abc123def456"),
        ("# login admin / pass=letmein99", "letmein99"),
        (
            "# old key was 0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef",
        ),
        ("# export DATABASE=postgres://u:pw9x8c7v@h/db", "pw9x8c7v"),
        (
            "# STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "4eC39HqLyjWDarjtT1zdp7dc",
        ),
    ];
    let mut text = String::new();
    for (line, _) in lines {
        text.push_str(line);
        text.push('\n');
        text.push_str("HOST=example.com\n");
    }
    text.push_str("# Password of the admin user (see the vault)\nADMIN_USER=admin\n");
    std::fs::write(dir.path().join(".env"), text).unwrap();
    let (code, stdout, stderr) = import(dir.path(), ".env");
    assert_eq!(code, 0, "{stderr}");
    for (line, secret) in lines {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "`{line}` leaked:\n{stdout}\n{stderr}"
        );
    }
    assert!(
        stdout.contains("# Password of the admin user (see the vault)"),
        "{stdout}"
    );
}

#[test]
fn obvious_non_secrets_stay_plain_values() {
    // Issue 13, item 7: these were drafted as secrets.
    let dir = tempfile::tempdir().unwrap();
    let text = "\
# Connection secret for postgres. You should change it to a random password
DB_PASSWORD=postgres
DB_USERNAME=postgres
DB_DATA_LOCATION=./postgres
API_KEY_RATE_LIMIT=\"60/minute\"
PASSWORD_MIN_LENGTH=12
TOKEN_URL=https://auth.example.com/oauth/token
JWT_SECRET_FILE=/run/secrets/jwt
IMAGE=postgres:16-alpine
REDIS_HOST=cache:6379
BUILD_REF=fc016b0599ee6cb5ba479452055a3370e7238aaa
TENANT_ID=550e8400-e29b-41d4-a716-446655440000
PUBLIC_ENDPOINT=http://localhost:8080/otlp-http/v1/traces
APP_NAME=MyApplicationName2024
TZ=Europe/Berlin
LOG=app:debug
STRIPE_PUBLISHABLE_KEY=pk_live_51H8abcdefghijkl
";
    std::fs::write(dir.path().join("example.env"), text).unwrap();
    let (code, stdout, stderr) = import(dir.path(), "example.env");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("secret DB_PASSWORD from"), "{stdout}");
    // The comment above the secret is kept.
    assert!(
        stdout.contains("# Connection secret for postgres. You should change it to a random password\nsecret DB_PASSWORD"),
        "{stdout}"
    );
    for key in [
        "DB_USERNAME",
        "DB_DATA_LOCATION",
        "API_KEY_RATE_LIMIT",
        "PASSWORD_MIN_LENGTH",
        "TOKEN_URL",
        "JWT_SECRET_FILE",
        "IMAGE",
        "REDIS_HOST",
        "BUILD_REF",
        "TENANT_ID",
        "PUBLIC_ENDPOINT",
        "APP_NAME",
        "TZ",
        "LOG",
        "STRIPE_PUBLISHABLE_KEY",
    ] {
        assert!(
            stdout.contains(&format!("var {key}:")),
            "`{key}` is not a plain variable:\n{stdout}"
        );
        assert!(!stdout.contains(&format!("secret {key} ")), "{key}");
    }
}
