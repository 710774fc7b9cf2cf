//! Secret references: *where* a secret's value lives, never the value.
//!
//! A reference is text such as `vault://kv/acme/prod/db#password`. [`SecretRef::parse`]
//! reads it into a typed [`Location`], one variant per scheme, and refuses everything a
//! target or `envdef run` could not use: an empty reference, control characters, no or an
//! unknown scheme, the `TODO://` placeholders `envdef import` drafts, a reference that is a
//! credential itself (`postgres://admin:S3cr3t@db`, `sk_live_…`), and a body that does not
//! fit its scheme. Error messages never repeat the reference (it may be a credential).
//!
//! | scheme | form | value |
//! |---|---|---|
//! | `env://` | `env://NAME` | the environment variable `NAME` of the process that resolves it |
//! | `file://` | `file://PATH` | the whole file, one trailing newline removed; a relative path is relative to the root source's directory |
//! | `vault://` | `vault://MOUNT/PATH#KEY` | field `KEY` of the HashiCorp Vault KV secret `PATH` under mount `MOUNT` |
//! | `sops://` | `sops://FILE#KEY` | the value at `KEY` (a `.`-separated path) in the SOPS-encrypted `FILE` |
//! | `aws-sm://` | `aws-sm://NAME[#PROPERTY]` | the AWS Secrets Manager secret `NAME` (a name or ARN), or one JSON property of it |
//! | `gcp-sm://` | `gcp-sm://SECRET[#PROPERTY]` | the latest version of Google Secret Manager secret `SECRET`, or one JSON property of it |
//! | `op://` | `op://VAULT/ITEM/[SECTION/]FIELD` | a 1Password secret reference, as `op read` takes it |
//!
//! References in a source may contain the templates `{env}` and `{service}`; they are
//! validated with every template standing for a plain name, and again after expansion.
//! Consumers — the emitters and `envdef run` — parse the expanded text.

use std::fmt;
use std::sync::OnceLock;

use crate::hash::Memo;

/// The schemes envdef understands, in the order they are listed to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `env://`: a variable of the environment envdef runs in.
    Env,
    /// `file://`: a file's whole content.
    File,
    /// `vault://`: a key of a HashiCorp Vault (or OpenBao) KV v2 secret.
    Vault,
    /// `sops://`: a value of a sops-encrypted file.
    Sops,
    /// `aws-sm://`: AWS Secrets Manager.
    AwsSm,
    /// `gcp-sm://`: Google Cloud Secret Manager.
    GcpSm,
    /// `op://`: a 1Password field.
    OnePassword,
}

impl Scheme {
    /// Every scheme, in the order messages list them.
    pub const ALL: [Scheme; 7] = [
        Scheme::Env,
        Scheme::File,
        Scheme::Vault,
        Scheme::Sops,
        Scheme::AwsSm,
        Scheme::GcpSm,
        Scheme::OnePassword,
    ];

    /// The scheme as written before `://`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Env => "env",
            Scheme::File => "file",
            Scheme::Vault => "vault",
            Scheme::Sops => "sops",
            Scheme::AwsSm => "aws-sm",
            Scheme::GcpSm => "gcp-sm",
            Scheme::OnePassword => "op",
        }
    }

    /// The shape of a reference of this scheme, for help texts.
    pub fn form(self) -> &'static str {
        match self {
            Scheme::Env => "env://NAME",
            Scheme::File => "file://PATH",
            Scheme::Vault => "vault://MOUNT/PATH#KEY",
            Scheme::Sops => "sops://FILE#KEY",
            Scheme::AwsSm => "aws-sm://NAME[#PROPERTY]",
            Scheme::GcpSm => "gcp-sm://SECRET[#PROPERTY]",
            Scheme::OnePassword => "op://VAULT/ITEM/[SECTION/]FIELD",
        }
    }

    /// Whether a value of this scheme comes from the developer's machine (`env://`,
    /// `file://`, `sops://` with a key in the local keyring) rather than from a secret
    /// store that a cluster's External Secrets Operator can read.
    pub fn is_store(self) -> bool {
        matches!(
            self,
            Scheme::Vault | Scheme::AwsSm | Scheme::GcpSm | Scheme::OnePassword
        )
    }

    fn from_str(text: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// `env://NAME, file://PATH, …`: the list an unknown-scheme error shows.
    pub fn known_forms() -> String {
        Scheme::ALL
            .iter()
            .map(|s| format!("`{}`", s.form()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the value lives, per scheme. Every string is non-empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `env://NAME`: a portable environment variable name.
    Env {
        /// `NAME`.
        name: String,
    },
    /// `file://PATH`.
    File {
        /// `PATH`, relative to the source's directory unless absolute.
        path: String,
    },
    /// `vault://MOUNT/PATH#KEY`.
    Vault {
        /// The KV v2 engine's mount (`kv`, `secret`).
        mount: String,
        /// The secret's path under the mount.
        path: String,
        /// The key within the secret's data.
        key: String,
    },
    /// `sops://FILE#KEY`; `key` is a `.`-separated path into the decrypted document.
    Sops {
        /// The encrypted file, relative to the source's directory unless absolute.
        file: String,
        /// The `.`-separated path of the value.
        key: String,
    },
    /// `aws-sm://NAME[#PROPERTY]`.
    AwsSm {
        /// The secret's name or ARN.
        name: String,
        /// A key of the secret's JSON value; `None` for the whole value.
        property: Option<String>,
    },
    /// `gcp-sm://SECRET[#PROPERTY]`.
    GcpSm {
        /// The secret id (the project is the store's).
        secret: String,
        /// A key of the secret's JSON value; `None` for the whole value.
        property: Option<String>,
    },
    /// `op://VAULT/ITEM/[SECTION/]FIELD`.
    OnePassword {
        /// The 1Password vault.
        vault: String,
        /// The item in it.
        item: String,
        /// The item's section, when the field is in one.
        section: Option<String>,
        /// The field whose value is read.
        field: String,
    },
}

/// A validated secret reference.
///
/// Holds the reference text (with whatever `{env}`/`{service}` templates it still has) and
/// its [`Location`]. It never holds a secret value: whoever needs the value (`envdef run`)
/// resolves the location at run time. The model keeps a secret as
/// [`crate::model::Value::Secret`] with its reference text, which parses back into this
/// type (`check` has validated it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    text: String,
    location: Location,
}

/// Where an External Secrets Operator provider finds a value: `spec.data[].remoteRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRef {
    /// `remoteRef.key`: the secret in the provider's own naming.
    pub key: String,
    /// `remoteRef.property`: the field within it, if one.
    pub property: Option<String>,
}

impl SecretRef {
    /// Reads and validates a reference. `{env}` and `{service}` are accepted wherever a
    /// name may stand.
    ///
    /// A reference that parses is remembered for the process (the checker parses each
    /// reference once per environment and the emitters again per artifact); one that is
    /// refused is not, since it may be a credential.
    pub fn parse(text: &str) -> Result<SecretRef, RefError> {
        type Parsed = Memo<String, Result<SecretRef, RefError>>;
        static DONE: OnceLock<Parsed> = OnceLock::new();
        DONE.get_or_init(|| Memo::new(16 << 20)).get_or(
            text.to_string(),
            |parsed| match parsed {
                // The text twice (the reference and its location's parts) and the rest.
                Ok(_) => 2 * text.len() + 64,
                Err(_) => usize::MAX,
            },
            || SecretRef::parse_uncached(text),
        )
    }

    fn parse_uncached(text: &str) -> Result<SecretRef, RefError> {
        let location = parse_location(text)?;
        Ok(SecretRef {
            text: text.to_string(),
            location,
        })
    }

    /// The reference as written (after whatever expansion the caller did).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Where the value lives.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The reference's scheme.
    pub fn scheme(&self) -> Scheme {
        match self.location {
            Location::Env { .. } => Scheme::Env,
            Location::File { .. } => Scheme::File,
            Location::Vault { .. } => Scheme::Vault,
            Location::Sops { .. } => Scheme::Sops,
            Location::AwsSm { .. } => Scheme::AwsSm,
            Location::GcpSm { .. } => Scheme::GcpSm,
            Location::OnePassword { .. } => Scheme::OnePassword,
        }
    }

    /// The External Secrets Operator `remoteRef` for a store-backed reference; `None` for
    /// `env://`, `file://` and `sops://`, which no operator provider reads.
    ///
    /// Vault: `key` is `MOUNT/PATH` (the provider strips the store's mount when present),
    /// `property` is `KEY`. AWS/GCP: the secret's name, and the JSON property if any.
    /// 1Password: the item, and the field (the vault is the store's; a section is not
    /// addressable through the operator, so the field label must be unique in the item).
    pub fn remote_ref(&self) -> Option<RemoteRef> {
        match &self.location {
            Location::Env { .. } | Location::File { .. } | Location::Sops { .. } => None,
            Location::Vault { mount, path, key } => Some(RemoteRef {
                key: format!("{mount}/{path}"),
                property: Some(key.clone()),
            }),
            Location::AwsSm { name, property } => Some(RemoteRef {
                key: name.clone(),
                property: property.clone(),
            }),
            Location::GcpSm { secret, property } => Some(RemoteRef {
                key: secret.clone(),
                property: property.clone(),
            }),
            Location::OnePassword { item, field, .. } => Some(RemoteRef {
                key: item.clone(),
                property: Some(field.clone()),
            }),
        }
    }

    /// The 1Password vault, for an `op://` reference (an External Secrets store serves
    /// the vaults it is configured with).
    pub fn op_vault(&self) -> Option<&str> {
        match &self.location {
            Location::OnePassword { vault, .. } => Some(vault),
            _ => None,
        }
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a reference was refused. The `Display` text never contains the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// `from ""`.
    Empty,
    /// A control character (NUL, newline, …) at this character index.
    ControlCharacter {
        /// The character's index (not byte offset) in the reference.
        index: usize,
    },
    /// Whitespace at the start or end.
    SurroundingWhitespace,
    /// Nothing of the form `scheme://`.
    NoScheme,
    /// A scheme envdef does not know; `scheme` is given only when it looks like one
    /// (letters, digits, `+.-`), so a pasted credential is never echoed.
    UnknownScheme {
        /// The scheme as written, when it is safe to show.
        scheme: Option<String>,
    },
    /// `TODO://…`, drafted by `envdef import`.
    Placeholder,
    /// The reference is itself a credential: `what` says which shape.
    Credential {
        /// The credential's shape, as messages name it ("a GitHub token").
        what: &'static str,
    },
    /// The body does not fit the scheme's form.
    Malformed {
        /// The scheme the reference names.
        scheme: Scheme,
        /// What its body lacks, one sentence.
        reason: String,
    },
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::Empty => f.write_str("the secret reference is empty"),
            RefError::ControlCharacter { index } => write!(
                f,
                "the secret reference contains a control character (at character {})",
                index + 1
            ),
            RefError::SurroundingWhitespace => {
                f.write_str("the secret reference starts or ends with whitespace")
            }
            RefError::NoScheme => f.write_str("the secret reference has no `scheme://`"),
            RefError::UnknownScheme { scheme: Some(s) } => {
                write!(f, "unknown secret reference scheme `{s}://`")
            }
            RefError::UnknownScheme { scheme: None } => {
                f.write_str("the secret reference's scheme is not a scheme")
            }
            RefError::Placeholder => f.write_str("the secret reference is a `TODO://` placeholder"),
            RefError::Credential { what } => {
                write!(
                    f,
                    "the secret reference looks like a credential itself ({what})"
                )
            }
            RefError::Malformed { scheme, reason } => {
                write!(f, "malformed `{scheme}://` reference: {reason}")
            }
        }
    }
}

impl std::error::Error for RefError {}

fn parse_location(text: &str) -> Result<Location, RefError> {
    if text.is_empty() {
        return Err(RefError::Empty);
    }
    if let Some(index) = text.chars().position(is_control) {
        return Err(RefError::ControlCharacter { index });
    }
    if text.trim() != text {
        return Err(RefError::SurroundingWhitespace);
    }
    // A credential is refused before anything else looks at the text, so no later message
    // can show part of it.
    if let Some(what) = credential_shape(text) {
        return Err(RefError::Credential { what });
    }
    let Some(sep) = text.find("://") else {
        return Err(RefError::NoScheme);
    };
    let scheme_text = &text[..sep];
    let body = &text[sep + 3..];
    if scheme_text.eq_ignore_ascii_case("todo") {
        return Err(RefError::Placeholder);
    }
    let Some(scheme) = Scheme::from_str(scheme_text) else {
        let looks_like_scheme = !scheme_text.is_empty()
            && scheme_text.len() <= 32
            && scheme_text.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme_text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        return Err(RefError::UnknownScheme {
            scheme: looks_like_scheme.then(|| scheme_text.to_string()),
        });
    };
    let bad = |reason: &str| RefError::Malformed {
        scheme,
        reason: reason.to_string(),
    };
    // Templates stand for names; validate the shape with a plain name in their place.
    let shape = body.replace("{env}", "env").replace("{service}", "service");
    let (main, fragment) = match shape.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (shape.as_str(), None),
    };
    if main.is_empty() {
        return Err(bad(&format!("nothing after `{scheme}://`")));
    }
    if fragment.is_some_and(|f| f.contains('#')) {
        return Err(bad("more than one `#`"));
    }
    location(scheme, body, main, fragment)
}

/// The parts of a reference whose scheme and overall shape are known good; `main` and
/// `fragment` are split from `body` with templates replaced by plain names.
fn location(
    scheme: Scheme,
    body: &str,
    main: &str,
    fragment: Option<&str>,
) -> Result<Location, RefError> {
    let bad = |reason: &str| RefError::Malformed {
        scheme,
        reason: reason.to_string(),
    };
    match scheme {
        Scheme::Env => {
            if fragment.is_some() {
                return Err(bad("an environment variable has no `#KEY`"));
            }
            if !is_env_name(main) {
                return Err(bad(
                    "NAME must be an environment variable name (letters, digits and `_`, not starting with a digit)",
                ));
            }
            Ok(Location::Env {
                name: body.to_string(),
            })
        }
        Scheme::File => {
            if fragment.is_some() {
                return Err(bad(
                    "a `file://` reference is the whole file; it takes no `#KEY`",
                ));
            }
            Ok(Location::File {
                path: body.to_string(),
            })
        }
        Scheme::Vault => {
            if required_fragment(fragment).is_none() {
                return Err(bad(
                    "Vault references need the field: `vault://MOUNT/PATH#KEY`",
                ));
            }
            if split_segments(main, 2).is_none() {
                return Err(bad(
                    "a Vault reference needs a mount and a path (`vault://MOUNT/PATH#KEY`), without empty segments",
                ));
            }
            // Templates never contain `/` or `#`, so the original splits like the shape.
            let (main, key) = split_original(body);
            let (mount, path) = main.split_once('/').unwrap_or((main, ""));
            Ok(Location::Vault {
                mount: mount.to_string(),
                path: path.to_string(),
                key: key.unwrap_or_default().to_string(),
            })
        }
        Scheme::Sops => {
            required_fragment(fragment)
                .ok_or_else(|| bad("SOPS references need the key: `sops://FILE#KEY`"))?;
            if fragment.is_some_and(|k| k.split('.').any(str::is_empty)) {
                return Err(bad("KEY is a `.`-separated path without empty parts"));
            }
            if fragment.is_some_and(|k| k.contains('[')) {
                // sops's `--extract` path splits at every `[`, whatever the quotes around it.
                return Err(bad("sops cannot extract a KEY that contains `[`"));
            }
            let (file, key) = split_original(body);
            Ok(Location::Sops {
                file: file.to_string(),
                key: key.unwrap_or_default().to_string(),
            })
        }
        Scheme::AwsSm => {
            if fragment == Some("") {
                return Err(bad("`#` with no PROPERTY after it"));
            }
            if !main.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '/' | '_' | '+' | '=' | '.' | '@' | '-' | ':')
            }) {
                return Err(bad(
                    "an AWS secret name has only letters, digits and `/_+=.@-` (or is an ARN)",
                ));
            }
            let (name, property) = split_original(body);
            Ok(Location::AwsSm {
                name: name.to_string(),
                property: property.map(str::to_string),
            })
        }
        Scheme::GcpSm => {
            if fragment == Some("") {
                return Err(bad("`#` with no PROPERTY after it"));
            }
            if main.len() > 255
                || !main
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            {
                return Err(bad(
                    "a Google secret id has 1 to 255 letters, digits, `_` and `-` (the project is the store's)",
                ));
            }
            let (secret, property) = split_original(body);
            Ok(Location::GcpSm {
                secret: secret.to_string(),
                property: property.map(str::to_string),
            })
        }
        Scheme::OnePassword => {
            if fragment.is_some() || main.contains('?') {
                return Err(bad(
                    "1Password references take no `#` or `?`: `op://VAULT/ITEM/[SECTION/]FIELD`",
                ));
            }
            let parts: Vec<&str> = body.split('/').collect();
            let checked: Vec<&str> = main.split('/').collect();
            if !(3..=4).contains(&checked.len()) || checked.iter().any(|p| p.is_empty()) {
                return Err(bad(
                    "a 1Password reference is `op://VAULT/ITEM/FIELD` or `op://VAULT/ITEM/SECTION/FIELD`",
                ));
            }
            Ok(Location::OnePassword {
                vault: parts[0].to_string(),
                item: parts[1].to_string(),
                section: (parts.len() == 4).then(|| parts[2].to_string()),
                field: parts[parts.len() - 1].to_string(),
            })
        }
    }
}

fn is_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn required_fragment(fragment: Option<&str>) -> Option<&str> {
    fragment.filter(|f| !f.is_empty())
}

/// `MAIN#FRAGMENT` of the original text (templates kept).
fn split_original(body: &str) -> (&str, Option<&str>) {
    match body.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (body, None),
    }
}

/// Whether `text` has at least `min` `/`-separated segments, none empty.
fn split_segments(text: &str, min: usize) -> Option<()> {
    let segments: Vec<&str> = text.split('/').collect();
    (segments.len() >= min && segments.iter().all(|s| !s.is_empty())).then_some(())
}

/// Query parameters that carry a credential (`?token=…`, `&password=…`): a reference
/// names where a secret lives, it never carries one.
const CREDENTIAL_PARAMS: &[&str] = &[
    "token",
    "access_token",
    "auth_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "client_secret",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-credential",
    "x-vault-token",
];

/// What kind of credential `text` is, if it is one: a URL with a password in its
/// userinfo, a PEM block, a `Bearer` header, or a well-known token shape (the table of
/// [`crate::credential`], which judges values by the same shapes).
fn credential_shape(text: &str) -> Option<&'static str> {
    if url_has_password(text) {
        return Some("a URL with a password");
    }
    if text.contains("-----BEGIN") {
        return Some("a PEM block");
    }
    for (i, _) in text.match_indices(['?', '&']) {
        let Some((name, value)) = text[i + 1..].split_once('=') else {
            continue;
        };
        let value = value.split(['&', '#']).next().unwrap_or("");
        if !value.is_empty()
            && CREDENTIAL_PARAMS
                .iter()
                .any(|p| name.eq_ignore_ascii_case(p))
        {
            return Some("a query parameter that carries a credential");
        }
    }
    if text
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
    {
        return Some("an Authorization header value");
    }
    crate::credential::token_in_reference(text)
}

/// `scheme://user:password@host`: a non-empty password in a URL's userinfo.
fn url_has_password(text: &str) -> bool {
    let mut rest = text;
    while let Some(idx) = rest.find("://") {
        let after = &rest[idx + 3..];
        let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some(at) = authority.rfind('@') {
            if let Some((_, password)) = authority[..at].split_once(':') {
                if !password.is_empty() {
                    return true;
                }
            }
        }
        rest = after;
    }
    false
}

#[cfg(test)]
mod tests;
