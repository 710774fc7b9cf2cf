//! What is a credential: a key by its name, a value by what it is made of. `envdef import`
//! drafts secrets by these rules (as `import::secret`); `compile --check` and `verify` use
//! them to keep credentials from the user's own files out of their output. A leaf: it
//! reaches no other module.
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

/// Last segments that make a secret-sounding key describe a secret rather than hold one:
/// `API_KEY_RATE_LIMIT=60/minute`, `PASSWORD_MIN_LENGTH=12`, `TOKEN_URL=https://…`,
/// `JWT_SECRET_FILE=/run/secrets/jwt`. Their values are still checked by shape
/// ([`by_value`]), so a credential under such a name is still caught.
const METADATA_SEGMENTS: &[&str] = &[
    "LIMIT",
    "LIMITS",
    "RATE",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "AGE",
    "LENGTH",
    "LEN",
    "SIZE",
    "MIN",
    "MAX",
    "COUNT",
    "TIMEOUT",
    "INTERVAL",
    "ENABLED",
    "DISABLED",
    "ENABLE",
    "REQUIRED",
    "HEADER",
    "FILE",
    "PATH",
    "DIR",
    "URL",
    "URI",
    "ENDPOINT",
    "ALGORITHM",
    "ALG",
    "TYPE",
    "PREFIX",
    "VERSION",
    "POLICY",
    "ROTATION",
    "MODE",
    "STRATEGY",
    "FIELD",
    "PARAM",
    "LOCATION",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "PROVIDER",
    "BACKEND",
    "STORE",
    "FORMAT",
    "NAME",
];

/// Last segments of keys whose values are hashes or revisions (`OPAMP_GO_REF=fc016b…`, a
/// git commit): long hex there is not a generated secret.
const HASH_SEGMENTS: &[&str] = &[
    "REF", "SHA", "SHA1", "SHA256", "COMMIT", "REVISION", "REV", "DIGEST", "HASH", "CHECKSUM",
    "VERSION", "ETAG", "BUILD", "ID", "IDS", "UUID",
];

/// [`by_value`] with the key's name as context: under a name that says the value is a
/// hash or an identifier, random-looking text alone does not make a secret (every known
/// credential shape still does).
pub fn by_key_and_value(key: &str, value: &str) -> Option<String> {
    let reason = by_value(value)?;
    let last = key
        .rsplit(['_', '.', '-'])
        .next()
        .unwrap_or(key)
        .to_ascii_uppercase();
    if reason.contains("random-looking") && HASH_SEGMENTS.contains(&last.as_str()) {
        return None;
    }
    Some(reason)
}

/// Why `key` is a secret by its name, if it is.
pub fn by_name(key: &str) -> Option<String> {
    let upper = key.to_ascii_uppercase();
    let segments: Vec<&str> = upper
        .split(['_', '.', '-'])
        .filter(|s| !s.is_empty())
        .collect();
    // `…_RATE_LIMIT`, `…_MIN_LENGTH`: about a secret, not one (unless the secret word is
    // the last segment itself, as in `ACCESS_TOKEN`).
    if segments.len() > 1 {
        if let Some(last) = segments.last() {
            if METADATA_SEGMENTS.contains(last) {
                return None;
            }
        }
    }
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

/// Why `value` is a secret by its content, if it is: a credential's shape (a URL or
/// connection string with a password, a known token prefix, a JWT, a PEM or
/// service-account key, `user:password`, an `Authorization` header) or a random-looking
/// string. The reason never quotes the value.
pub fn by_value(value: &str) -> Option<String> {
    if url_password(value).is_some() {
        return Some("its value is a URL with a password in it".to_string());
    }
    if let Some(what) = structured(value) {
        return Some(format!("its value is {what}"));
    }
    // A public key or certificate is public by design; its base64 body looks random.
    let public_pem = value.contains("-----BEGIN PUBLIC KEY")
        || value.contains("-----BEGIN CERTIFICATE")
        || value.contains("-----BEGIN SSH2 PUBLIC KEY");
    for token in tokens(value).filter(|_| !public_pem) {
        if let Some(what) = token_shape(token) {
            return Some(format!("its value holds {what}"));
        }
    }
    if user_password(value.trim()) {
        return Some("its value looks like `user:password`".to_string());
    }
    None
}

/// Whole-value shapes: keys, connection strings, headers, query strings, webhooks.
fn structured(value: &str) -> Option<&'static str> {
    let lower = value.to_ascii_lowercase();
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    if lower.contains("\"private_key\"")
        || lower.contains("\"private_key_id\"")
        || lower.contains("\"client_secret\"")
        || (lower.contains("\"type\"") && lower.contains("service_account"))
    {
        return Some("a service-account key (JSON)");
    }
    for hook in [
        "hooks.slack.com/",
        "discord.com/api/webhooks/",
        "discordapp.com/api/webhooks/",
        "webhook.office.com/",
        "hooks.zapier.com/",
    ] {
        if lower.contains(hook) {
            return Some("a webhook URL (the URL is the credential)");
        }
    }
    // ADO.NET / ODBC / Azure connection strings: `Server=…;Password=…;`.
    for field in lower.split(';') {
        let Some((name, v)) = field.split_once('=') else {
            continue;
        };
        let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        if matches!(
            name.as_str(),
            "password" | "pwd" | "accountkey" | "sharedaccesskey" | "sharedaccesssignature"
        ) && !v.trim().is_empty()
        {
            return Some("a connection string with a password or key");
        }
    }
    if embedded_assignment(value) {
        return Some("a setting that assigns a password, token or key inside it");
    }
    // `https://api.example.com/?token=…`, `…&password=…`.
    for (i, _) in value.match_indices(['?', '&']) {
        let rest = &value[i + 1..];
        let Some((name, v)) = rest.split_once('=') else {
            continue;
        };
        let v = v.split(['&', '#', ' ']).next().unwrap_or("");
        let name_is_secret = by_name(name).is_some()
            || matches!(
                name.to_ascii_lowercase().as_str(),
                "sig"
                    | "signature"
                    | "auth"
                    | "key"
                    | "code"
                    | "x-amz-signature"
                    | "x-amz-credential"
            );
        if name_is_secret && !v.is_empty() && !name.contains(['/', ' ']) {
            return Some("a URL with a credential in its query string");
        }
    }
    // `Authorization` header values.
    for scheme in ["bearer ", "basic ", "token ", "digest ", "apikey "] {
        if let Some(i) = lower.find(scheme) {
            let after = value[i + scheme.len()..].trim_start();
            if after.len() >= 8 && !after.contains(' ') {
                return Some("an `Authorization` header value");
            }
        }
    }
    None
}

/// A secret-named setting assigned inside the value, in any of the notations values carry:
/// libpq key/value (`host=db user=app password=…`), JSON (`{"password":"…"}`), YAML
/// (`password: …`), `.npmrc` (`//registry.npmjs.org/:_authToken=…`) and `.netrc` (`machine
/// h login u password …`). The setting's name decides, by the same rule as a key's
/// ([`by_name`]: `PASSWORD_MIN_LENGTH: 12` describes a secret, it does not hold one); an
/// empty value or a placeholder (`${DB_PASSWORD}`, `<password>`) holds none. Quotes may be
/// backslash-escaped: a commented-out line is judged as written.
fn embedded_assignment(value: &str) -> bool {
    use std::sync::OnceLock;
    static ASSIGN: OnceLock<regex::Regex> = OnceLock::new();
    static NETRC: OnceLock<regex::Regex> = OnceLock::new();
    let assign = ASSIGN.get_or_init(|| {
        regex::Regex::new(
            r#"(?i)(?:^|[^a-z0-9_.-])\\?["']?([a-z0-9_.-]*(?:pass|passwd|password|passphrase|pwd|secret|token|authtoken|apikey|key|credentials?))\\?["']?[ \t]*[:=][ \t]*\\?["']?([^\s"'\\,;&}\]]*)"#,
        )
        .expect("a valid pattern")
    });
    let netrc = NETRC.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(?:login|user)\s+\S+\s+password\s+\S+").expect("a valid pattern")
    });
    if netrc.is_match(value) {
        return true;
    }
    assign.captures_iter(value).any(|c| {
        let name = c[1].trim_matches(['_', '.', '-']);
        let held = &c[2];
        let placeholder = held.is_empty()
            || held.starts_with(['$', '<', '{', '%'])
            || matches!(
                held.to_ascii_lowercase().as_str(),
                "null" | "none" | "true" | "false" | "nil" | "undefined"
            );
        let named = by_name(name).is_some()
            || name.eq_ignore_ascii_case("authtoken")
            || name.eq_ignore_ascii_case("_authtoken");
        named && !placeholder
    })
}

/// Runs of characters that tokens and keys are made of.
fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-' | '.' | '~'))
        })
        .filter(|t| t.len() >= 12)
}

/// Token prefixes of well-known services: (prefix, the shortest run of token characters
/// after it that makes it a real token, what it is, as messages name it). The one table of
/// token shapes: a value ([`by_value`]) and a secret reference ([`token_in_reference`]) are
/// judged by it alike. A longer prefix comes before a shorter one it starts with
/// (`sk-proj-` before `sk-`), since the first that fits names the credential.
const TOKEN_PREFIXES: &[(&str, usize, &str)] = &[
    ("sk_live_", 8, "a Stripe secret key"),
    ("sk_test_", 8, "a Stripe secret key"),
    ("rk_live_", 8, "a Stripe restricted key"),
    ("rk_test_", 8, "a Stripe restricted key"),
    ("whsec_", 8, "a webhook signing secret"),
    ("ghp_", 16, "a GitHub token"),
    ("gho_", 16, "a GitHub token"),
    ("ghu_", 16, "a GitHub token"),
    ("ghs_", 16, "a GitHub token"),
    ("ghr_", 16, "a GitHub token"),
    ("github_pat_", 9, "a GitHub token"),
    ("glpat-", 14, "a GitLab token"),
    ("glrt-", 16, "a GitLab runner token"),
    ("gldt-", 16, "a GitLab deploy token"),
    ("sk-proj-", 12, "an OpenAI key"),
    ("sk-ant-", 13, "an Anthropic key"),
    ("sk-", 29, "an API secret key"),
    ("SG.", 16, "a SendGrid key"),
    ("npm_", 20, "an npm token"),
    ("xoxb-", 10, "a Slack token"),
    ("xoxp-", 10, "a Slack token"),
    ("xoxa-", 10, "a Slack token"),
    ("xoxs-", 10, "a Slack token"),
    ("xoxr-", 10, "a Slack token"),
    ("xapp-", 10, "a Slack token"),
    ("AKIA", 16, "an AWS access key id"),
    ("ASIA", 16, "an AWS access key id"),
    ("AIza", 26, "a Google API key"),
    ("ya29.", 15, "a Google OAuth token"),
    ("GOCSPX-", 13, "a Google OAuth client secret"),
    ("hvs.", 20, "a HashiCorp Vault token"),
    ("hvb.", 20, "a HashiCorp Vault token"),
    ("hvr.", 20, "a HashiCorp Vault token"),
    ("shpat_", 14, "a Shopify token"),
    ("shpss_", 14, "a Shopify secret"),
    ("shpca_", 14, "a Shopify token"),
    ("dop_v1_", 13, "a DigitalOcean token"),
    ("doo_v1_", 13, "a DigitalOcean token"),
    ("hf_", 27, "a Hugging Face token"),
    ("pypi-", 25, "a PyPI token"),
    ("AGE-SECRET-KEY-", 5, "an age secret key"),
    ("LS0tLS1CRUdJT", 7, "a base64-encoded PEM key"),
    (
        "ewogICJ0eXBlIjog",
        4,
        "a base64-encoded service-account key",
    ),
    ("eyJ0eXBlIjoi", 8, "a base64-encoded service-account key"),
    // Base64 of `{"`: a JWT's header, or another JSON token.
    ("eyJ", 16, "a JSON Web Token"),
];

/// For each byte, whether a prefix of [`TOKEN_PREFIXES`] starts with it: most word starts
/// are ruled out by one lookup.
const PREFIX_FIRST_BYTES: [bool; 256] = {
    let mut firsts = [false; 256];
    let mut i = 0;
    while i < TOKEN_PREFIXES.len() {
        firsts[TOKEN_PREFIXES[i].0.as_bytes()[0] as usize] = true;
        i += 1;
    }
    firsts
};

/// The well-known token that `text` holds where a word starts (not inside a longer word:
/// `kv/sk_live_x` is a path segment named like a token only when the rest is long and
/// token-like), if it holds one. For text that names where a secret lives (a secret
/// reference), so the run after the prefix is letters, digits, `_`, `-` and `.`, and it
/// must look generated (a digit in it, or 24 characters). One pass over `text`, trying
/// at each word start only the prefixes that begin with its first byte.
pub fn token_in_reference(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    let mut in_word = false;
    for (start, &first) in bytes.iter().enumerate() {
        let word_start = !in_word;
        in_word = first.is_ascii_alphanumeric();
        if !word_start || !PREFIX_FIRST_BYTES[usize::from(first)] {
            continue;
        }
        for &(prefix, min_rest, what) in TOKEN_PREFIXES {
            if prefix.as_bytes()[0] != first || !bytes[start..].starts_with(prefix.as_bytes()) {
                continue;
            }
            let after = &bytes[start + prefix.len()..];
            let rest = after
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                .count();
            let token_like = after[..rest].iter().any(u8::is_ascii_digit) || rest >= 24;
            if rest >= min_rest && token_like {
                return Some(what);
            }
        }
    }
    None
}

fn token_shape(token: &str) -> Option<&'static str> {
    for &(prefix, min_rest, what) in TOKEN_PREFIXES {
        if token.len() >= prefix.len() + min_rest && token.starts_with(prefix) {
            return Some(what);
        }
    }
    let bytes = token.as_bytes();
    // AWS access key ids: `AKIA` + 16 upper-case letters or digits.
    if bytes.len() == 20
        && ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "AIPA"]
            .iter()
            .any(|p| token.starts_with(p))
        && bytes[4..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key id");
    }
    // Twilio API keys and account SIDs: `SK`/`AC` + 32 hex digits.
    if bytes.len() == 34
        && (token.starts_with("SK") || token.starts_with("AC"))
        && bytes[2..].iter().all(u8::is_ascii_hexdigit)
    {
        return Some("a Twilio key");
    }
    if is_uuid(token) {
        // Identifiers (tenants, clients, instances) far more often than secrets.
        return None;
    }
    if looks_random(token) {
        return Some("a random-looking string (a generated key or session secret)");
    }
    None
}

fn is_uuid(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    parts.len() == 5
        && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Shannon entropy in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A generated secret: long hex, or a long string that mixes letters and digits the way
/// random text does (many switches between letter, digit and case, high entropy). Words,
/// paths, versions and camel-case names switch rarely.
fn looks_random(token: &str) -> bool {
    let core = token.trim_end_matches('=');
    let bytes = core.as_bytes();
    let has_digit = bytes.iter().any(u8::is_ascii_digit);
    let has_alpha = bytes.iter().any(u8::is_ascii_alphabetic);
    if !(has_digit && has_alpha) {
        return false;
    }
    if bytes.len() >= 32 && bytes.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    if bytes.len() < 20 || entropy(core) < 3.5 {
        return false;
    }
    // Paths, dotted and dashed names: words between separators. Random text has few.
    let separators = bytes.iter().filter(|b| !b.is_ascii_alphanumeric()).count();
    if separators * 6 >= bytes.len() {
        return false;
    }
    let class = |b: u8| -> u8 {
        match b {
            b'0'..=b'9' => 0,
            b'a'..=b'z' => 1,
            _ => 2,
        }
    };
    let alnum: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(u8::is_ascii_alphanumeric)
        .collect();
    let switches = alnum
        .windows(2)
        .filter(|w| class(w[0]) != class(w[1]))
        .count();
    switches * 3 >= alnum.len()
}

/// `user:password` as a whole value. Not `host:port`, an image `name:tag`, a time or a
/// Windows path.
fn user_password(value: &str) -> bool {
    let Some((user, pass)) = value.split_once(':') else {
        return false;
    };
    let user_ok = !user.is_empty()
        && user.len() <= 64
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !user_ok || pass.len() < 4 || pass.chars().any(char::is_whitespace) {
        return false;
    }
    if matches!(
        user.to_ascii_lowercase().as_str(),
        "mailto" | "tel" | "urn" | "data" | "file" | "http" | "https" | "tcp" | "udp" | "unix"
    ) {
        return false;
    }
    let first = pass.as_bytes()[0];
    // Ports, versions, tags like `16-alpine` or `v1.2`, paths, more `:` (IPv6, lists).
    if first.is_ascii_digit()
        || matches!(first, b'/' | b'\\')
        || (first == b'v' && pass.as_bytes().get(1).is_some_and(u8::is_ascii_digit))
        || pass.contains(':')
    {
        return false;
    }
    const TAGS: &[&str] = &[
        "latest", "alpine", "slim", "stable", "edge", "bookworm", "bullseye", "buster", "jammy",
        "focal", "noble", "lts", "main", "master", "nightly", "debug", "info", "warn", "warning",
        "error", "trace", "true", "false", "none", "null",
    ];
    let pass_lower = pass.to_ascii_lowercase();
    !TAGS
        .iter()
        .any(|t| pass_lower == *t || pass_lower.starts_with(&format!("{t}-")))
}

/// Whether a secret value is too common a word to mark other values that contain it:
/// with `DB_PASSWORD=postgres`, `DB_USERNAME=postgres` and `DB_DATA_LOCATION=./postgres`
/// are not secrets. A weak password shared with a plain value leaks nothing the plain
/// value does not already show; a generated one does, so it still taints.
pub fn too_common_to_taint(value: &str) -> bool {
    let letters_only = value.bytes().all(|b| b.is_ascii_alphabetic());
    let one_case = value.bytes().all(|b| !b.is_ascii_uppercase())
        || value.bytes().all(|b| !b.is_ascii_lowercase());
    letters_only && one_case && value.len() <= 16
}

/// Whether a comment reads like it states a credential: a secret word (`password`,
/// `token`, …), at most three words, then `is`, `was`, `:` or `=` and something that is not
/// an ordinary word ("password for admin is hunter2", "token: abc123"). "The password for
/// the admin user (see the vault)" and "the endpoint from which the token is fetched" are
/// kept. Commented-out assignments (`# KEY=value`) are judged as assignments instead.
pub fn comment_states_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    const SECRET_WORDS: &[&str] = &[
        "password",
        "passwords",
        "passwd",
        "passphrase",
        "pwd",
        "pass",
        "secret",
        "token",
        "apikey",
        "api_key",
        "credential",
        "credentials",
        "login",
        "key",
        "pw",
        "pin",
    ];
    for (i, word) in words.iter().enumerate() {
        // `password:hunter2`, `token=abc`: the word and its value in one.
        let stem = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
        for sep in [':', '='] {
            if let Some((w, v)) = word.split_once(sep) {
                let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
                if SECRET_WORDS.contains(&w) && stated_value(v, words.get(i + 1).copied()) {
                    return true;
                }
            }
        }
        if !SECRET_WORDS.contains(&stem) {
            continue;
        }
        // Up to three words ("for the admin") before the verb or separator.
        for gap in 0..=3 {
            let Some(next) = words.get(i + 1 + gap) else {
                break;
            };
            let ends_in_colon = gap == 0 && (word.ends_with(':') || word.ends_with('='));
            if ends_in_colon {
                if stated_value(next, None) {
                    return true;
                }
                break;
            }
            if matches!(*next, "is" | "was" | "are" | ":" | "=" | "=>" | "->") {
                if let Some(value) = words.get(i + 2 + gap) {
                    if stated_value(value, None) {
                        return true;
                    }
                }
                break;
            }
            if next.ends_with(':') && !next.contains("://") {
                if let Some(value) = words.get(i + 2 + gap) {
                    if stated_value(value, None) {
                        return true;
                    }
                }
                break;
            }
        }
    }
    false
}

/// Whether `word` (the first word after "is", ":" …) reads like a value rather than prose.
fn stated_value(word: &str, _next: Option<&str>) -> bool {
    const ORDINARY: &[&str] = &[
        "see",
        "the",
        "a",
        "an",
        "in",
        "set",
        "not",
        "your",
        "must",
        "should",
        "use",
        "from",
        "to",
        "for",
        "of",
        "here",
        "there",
        "below",
        "above",
        "unset",
        "one",
        "only",
        "also",
        "and",
        "or",
        "if",
        "it",
        "this",
        "that",
        "any",
        "optional",
        "empty",
        "none",
        "null",
        "same",
        "different",
        "random",
        "secret",
        "long",
        "short",
        "at",
        "by",
        "on",
        "now",
        "case",
        "sensitive",
        "insecure",
        "secure",
        "valid",
        "invalid",
    ];
    let w =
        word.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | '(' | ')' | '"' | '\'' | '`'));
    if w.is_empty() || w.starts_with('<') || w.starts_with('{') || w.starts_with('$') {
        return false;
    }
    let alpha = w.bytes().all(|b| b.is_ascii_alphabetic());
    if alpha
        && (ORDINARY.contains(&w) || w.ends_with("ed") || w.ends_with("ing") || w.ends_with("ly"))
    {
        return false;
    }
    !w.starts_with("//")
}

/// The password of a `scheme://user:password@host` URL anywhere in `value` (non-empty only:
/// `postgres://postgres:@localhost` carries no secret). Passwords in real files are often
/// not percent-encoded, so the userinfo runs to the last `@` before whitespace: a `/`, `#`
/// or `?` inside the password does not hide it.
fn url_password(value: &str) -> Option<&str> {
    let mut rest = value;
    while let Some(idx) = rest.find("://") {
        let after = &rest[idx + 3..];
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let candidate = &after[..end];
        let candidate = candidate.find("://").map_or(candidate, |j| &candidate[..j]);
        if let Some(at) = candidate.rfind('@') {
            let userinfo = &candidate[..at];
            if let Some((user, password)) = userinfo.split_once(':') {
                // `host:8080/path@x` is a port and a path, not a password.
                let port_then_path = password.contains('/')
                    && password
                        .split('/')
                        .next()
                        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
                if !user.contains(['/', '?', '#']) && !password.is_empty() && !port_then_path {
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
pub(crate) struct Matcher {
    re: Option<regex::Regex>,
    /// (value, key), longest value first.
    values: Vec<(String, String)>,
    owner: std::collections::HashMap<String, String>,
}

impl Matcher {
    /// A matcher for `(value, key)` pairs, longest value first (so the longest secret inside a text wins).
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

    /// One table decides what a token looks like: each shape, just long enough, is a
    /// credential both as a value and inside a secret reference (where it must start a
    /// word), and one character shorter is neither by its prefix.
    #[test]
    fn token_shapes_are_judged_alike_in_values_and_references() {
        for &(prefix, min_rest, what) in TOKEN_PREFIXES {
            let rest: String = "7q".chars().cycle().take(min_rest.max(12)).collect();
            let token = format!("{prefix}{rest}");
            assert!(by_value(&token).is_some(), "{token}");
            assert_eq!(token_in_reference(&token), Some(what), "{token}");
            let reference = format!("vault://kv/app/{token}#key");
            assert_eq!(token_in_reference(&reference), Some(what), "{reference}");
            // Inside a longer word it is a name, not a token.
            assert_eq!(
                token_in_reference(&format!("vault://kv/x{token}#key")),
                None
            );
            let short: String = "7q".chars().cycle().take(min_rest - 1).collect();
            assert_ne!(
                token_in_reference(&format!("{prefix}{short}")),
                Some(what),
                "{prefix}"
            );
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
        // A secret-named setting inside the value, in several notations.
        for held in [
            "host=db user=app password=Qz8xLm2Pw",
            r#"{"user":"app","password":"Qz8xLm2Pw"}"#,
            "password: Qz8xLm2Pw",
            "//registry.npmjs.org/:_authToken=12345678-1234-1234-1234-123456789abc",
            "machine api.example.com login deploy password Qz8xLm2Pw",
            r#"{"api_key": "abc"}"#,
        ] {
            assert!(by_value(held).is_some(), "{held}");
        }
        for plain in [
            "password_min_length: 12",
            r#"{"password":""}"#,
            "Reset your password here",
            "bypass=1",
            "keyboard: us",
            "cache_key_prefix=app",
        ] {
            assert!(by_value(plain).is_none(), "{plain}");
        }
    }
}
