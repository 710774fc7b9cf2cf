//! Which imported keys are secrets: by name, by value, and by what their value is made of.
//!
//! A false positive costs the user one placeholder to replace; a false negative copies a
//! credential into a file that gets committed. So the rules lean towards "secret".

/// Words that make a key a secret wherever they appear as a `_`/`.`/`-` separated segment.
const SECRET_SEGMENTS: &[&str] = &[
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASS",
    "PWD",
    "PASSPHRASE",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "APIKEY",
    "SALT",
];

/// Adjacent segment pairs that make a key a secret (`AWS_ACCESS_KEY_ID`, `API_KEY_V2`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("ACCESS", "KEY"),
    ("PRIVATE", "KEY"),
    ("SECRET", "KEY"),
    ("SIGNING", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
    ("SERVICE", "KEY"),
];

/// Why `key` is a secret by its name, if it is.
pub fn by_name(key: &str) -> Option<String> {
    let upper = key.to_ascii_uppercase();
    let segments: Vec<&str> = upper
        .split(['_', '.', '-'])
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(word) = segments.iter().find(|s| SECRET_SEGMENTS.contains(s)) {
        return Some(format!("its name contains `{word}`"));
    }
    for pair in segments.windows(2) {
        if SECRET_PAIRS.contains(&(pair[0], pair[1])) {
            return Some(format!("its name contains `{}_{}`", pair[0], pair[1]));
        }
    }
    // A name ending in KEY/KEYS is a key of some kind, unless it says it is public
    // (`NEXT_PUBLIC_*`, `STRIPE_PUBLISHABLE_KEY`): those are shipped to browsers by design.
    let is_public = segments
        .iter()
        .any(|s| *s == "PUBLIC" || *s == "PUBLISHABLE");
    if matches!(segments.last(), Some(&("KEY" | "KEYS"))) && !is_public {
        return Some("its name ends in `KEY`".to_string());
    }
    None
}

/// Why `value` is a secret by its content, if it is.
pub fn by_value(value: &str) -> Option<String> {
    if url_password(value).is_some() {
        return Some("its value is a URL with a password in it".to_string());
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("its value is a private key".to_string());
    }
    None
}

/// The password of a `scheme://user:password@host` URL anywhere in `value` (non-empty only:
/// `postgres://postgres:@localhost` carries no secret).
fn url_password(value: &str) -> Option<&str> {
    let mut rest = value;
    while let Some(idx) = rest.find("://") {
        let after = &rest[idx + 3..];
        let authority_end = after.find(['/', '?', '#', ' ']).unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                let password = &userinfo[colon + 1..];
                if !password.is_empty() {
                    return Some(password);
                }
            }
        }
        rest = after;
    }
    None
}

/// Shortest secret value that taints other values containing it. Shorter values (`1`,
/// `dev`) occur everywhere by chance and carry no secret.
pub const TAINT_MIN_LEN: usize = 6;

/// Finds secret values inside other text in one pass (an Aho-Corasick automaton inside
/// `regex`), so tainting stays linear in the input rather than keys × secrets.
pub struct Matcher {
    re: Option<regex::Regex>,
    /// (value, key), longest value first.
    values: Vec<(String, String)>,
    owner: std::collections::HashMap<String, String>,
}

impl Matcher {
    pub fn new(values: Vec<(String, String)>) -> Matcher {
        let re = if values.is_empty() {
            None
        } else {
            let pattern = values
                .iter()
                .map(|(v, _)| regex::escape(v))
                .collect::<Vec<_>>()
                .join("|");
            regex::RegexBuilder::new(&pattern)
                .size_limit(1 << 28)
                .build()
                .ok()
        };
        let owner = values.iter().cloned().collect();
        Matcher { re, values, owner }
    }

    /// The key whose secret value occurs in `text`, if any.
    pub fn find(&self, text: &str) -> Option<&str> {
        match &self.re {
            Some(re) => re
                .find(text)
                .and_then(|m| self.owner.get(m.as_str()))
                .map(String::as_str),
            // No values, or a pattern too large to compile: the slow way.
            None => self
                .values
                .iter()
                .find(|(v, _)| text.contains(v.as_str()))
                .map(|(_, k)| k.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for key in [
            "DB_PASSWORD",
            "SMTP_PASS",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "STRIPE_API_KEY",
            "AWS_ACCESS_KEY_ID",
            "ANON_KEY",
            "SECRET_KEY_BASE",
            "APP_KEY",
            "client.secret",
            "CALENDSO_ENCRYPTION_KEY",
            "PRIVATE_KEY",
        ] {
            assert!(by_name(key).is_some(), "{key}");
        }
        for key in [
            "DATABASE_URL",
            "PORT",
            "KEYBOARD_LAYOUT",
            "NEXT_PUBLIC_POSTHOG_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "PASSENGER_COUNT",
            "CALCOM_PRIVATE_API_ROUTE",
        ] {
            assert!(by_name(key).is_none(), "{key}");
        }
    }

    #[test]
    fn matcher_finds_any_value() {
        let m = Matcher::new(vec![
            ("hunter2hunter2".into(), "A".into()),
            ("a.b*c+d".into(), "B".into()),
        ]);
        assert_eq!(m.find("x hunter2hunter2 y"), Some("A"));
        assert_eq!(m.find("-a.b*c+d-"), Some("B"));
        assert_eq!(m.find("abc"), None);
        assert_eq!(Matcher::new(Vec::new()).find("x"), None);
    }

    #[test]
    fn values() {
        assert!(by_value("postgres://user:pass@db:5432/app").is_some());
        assert!(by_value("redis://:hunter2@cache").is_some());
        assert!(by_value("postgresql://postgres:@localhost:5450/calendso").is_none());
        assert!(by_value("https://user@example.com").is_none());
        assert!(by_value("https://example.com/a:b@c").is_none());
        assert!(by_value("-----BEGIN RSA PRIVATE KEY-----\nabc").is_some());
        assert!(by_value("-----BEGIN PUBLIC KEY-----\nabc").is_none());
    }
}
