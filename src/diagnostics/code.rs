//! Stable diagnostic codes. A code is never reused or renumbered once released; retired
//! codes stay listed with a note. Ranges by phase: E00xx loading, E01xx syntax, E02xx
//! resolve, E03xx check, E04xx emit, E05xx compile workflow, E06xx the developer loop (run, verify,
//! switch); warnings are W03xx.
//!
//! Each entry: `Variant = "CODE", "one-line summary"`, inside the block of its [`Phase`].
//! `docs/errors.md` documents every code with a minimal failing example and the fix; a unit
//! test keeps the two in sync.

/// The stage of the pipeline that reports a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// E00xx: reading input files.
    Load,
    /// E01xx: parsing.
    Syntax,
    /// E02xx: name resolution.
    Resolve,
    /// E03xx, W03xx: types, values, asserts.
    Check,
    /// E04xx, W04xx: rendering artifacts.
    Emit,
    /// E05xx: the compile workflow (command-line selections, `--check`).
    Workflow,
    /// E06xx: the developer loop (`run`, `verify`, `switch`).
    DevLoop,
}

macro_rules! codes {
    ($($phase:ident { $($(#[$doc:meta])* $name:ident = $code:literal, $summary:literal;)* })*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($($(#[$doc])* $name,)*)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$($(Code::$name,)*)*];

            /// The code as printed, e.g. `E0101`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(Code::$name => $code,)*)*
                }
            }

            /// A one-line description of what the code means.
            pub fn summary(self) -> &'static str {
                match self {
                    $($(Code::$name => $summary,)*)*
                }
            }

            /// The stage that reports the code.
            pub fn phase(self) -> Phase {
                match self {
                    $($(Code::$name => Phase::$phase,)*)*
                }
            }
        }
    };
}

codes! {
    // ── E00xx: loading input ────────────────────────────────────────────────────────────
    Load {
        /// An input file could not be read (missing, a directory, not UTF-8, too large).
        LoadFailed = "E0001", "a source file could not be read";
    }

    // ── E01xx: syntax ───────────────────────────────────────────────────────────────────
    Syntax {
        /// The parser found something other than what the language allows at this point.
        UnexpectedInput = "E0101", "unexpected input";
        /// A string literal has no closing `"` on its line.
        UnterminatedString = "E0102", "unterminated string";
        /// A `{`, `[`, `(` or `list<` is never closed.
        UnclosedDelimiter = "E0103", "unclosed delimiter";
        /// A declaration starts with a word that is not a declaration keyword.
        UnknownKeyword = "E0104", "unknown declaration keyword";
        /// A backslash escape in a string other than `\" \\ \n \r \t \u{..}`.
        InvalidEscape = "E0105", "invalid escape in a string";
        /// A malformed `\u{HEX}` escape, or one that is not a Unicode scalar value.
        InvalidUnicodeEscape = "E0106", "invalid Unicode escape";
        /// An integer, float or duration that does not fit its representation.
        NumberOutOfRange = "E0107", "number out of range";
        /// An integer written with a leading zero (`0123`).
        LeadingZero = "E0108", "number with a leading zero";
        /// A duration with an unknown unit, units out of order, or a negative sign.
        InvalidDuration = "E0109", "invalid duration";
        /// A range (`..=`, `..`) that is incomplete or written where no range is allowed.
        MalformedRange = "E0110", "invalid range";
        /// Text outside any declaration (e.g. an assignment outside an `env` block).
        ExpectedDeclaration = "E0111", "expected a declaration";
        /// Brackets nested deeper than the parser accepts.
        NestingTooDeep = "E0112", "nesting too deep";
        /// A regex literal has no closing `/` on its line.
        UnterminatedRegex = "E0113", "unterminated regex";
        /// A closing bracket with no matching opening one.
        UnexpectedCloser = "E0114", "unexpected closing delimiter";
        /// A malformed `${...}` interpolation in a string.
        MalformedInterpolation = "E0115", "invalid interpolation";
        /// The optional marker `?` where it has no meaning (only a variable can be optional).
        MisplacedOptional = "E0116", "misplaced `?`";
        /// A malformed number (`1__0`, `1.`, `0x1F`).
        InvalidNumber = "E0117", "malformed number";
        /// `NAME: VALUE` in an environment, where `NAME = VALUE` is meant.
        ColonInAssignment = "E0118", "`:` instead of `=` in an assignment";
        /// `var NAME = VALUE` without a type, where `var NAME: TYPE = VALUE` is meant.
        MissingVarType = "E0119", "variable declared without a type";
    }

    // ── E02xx: resolve ──────────────────────────────────────────────────────────────────
    Resolve {
        /// An `import` names a file that is missing, a directory, not UTF-8 or too large.
        ImportUnreadable = "E0201", "an imported file could not be read";
        /// A file imports itself, directly or through other files.
        ImportCycle = "E0202", "import cycle";
        /// More files than `MAX_IMPORTED_FILES`, or imports nested deeper than `MAX_IMPORT_DEPTH`.
        ImportLimit = "E0203", "too many imports, or imports nested too deeply";
        /// Two declarations of one name (in one file or across imports).
        DuplicateDeclaration = "E0204", "a name is declared twice";
        /// A type name that is neither built in nor declared with `type`.
        UnknownType = "E0205", "unknown type";
        /// `type A = B`, `type B = A`.
        TypeCycle = "E0206", "a named type is defined in terms of itself";
        /// `env x extends y` where `y` is not an environment.
        UnknownParent = "E0207", "an environment extends an unknown environment";
        /// `extends` chains that loop.
        InheritanceCycle = "E0208", "environments inherit from each other in a cycle";
        /// An assignment, `uses`, interpolation or assert names no declared variable.
        UnknownVariable = "E0209", "unknown variable";
        /// `svc.NAME` where `svc` is not a declared service.
        UnknownService = "E0210", "unknown service";
        /// One environment assigns one variable twice.
        DuplicateAssignment = "E0211", "a variable is assigned twice in one environment";
        /// A declaration named like a built-in (`env`, `service`, `int`, ...).
        ReservedName = "E0212", "a declaration uses a reserved name";
        /// An `extends` chain longer than `MAX_EXTENDS_DEPTH`.
        ExtendsTooDeep = "E0213", "an `extends` chain is too long";
        /// An assert compares `env` with a name that is not an environment (so the rule could
        /// never apply there), or `service` with a name that is not a service.
        UnknownEnvironment = "E0214", "an assert names an unknown environment or service";
        /// An import resolves outside the project root (default: the git work tree of the root
        /// source), or names a file that is not an `.envdef` source.
        ImportOutsideProject = "E0215", "an import outside the project or not an envdef source";
        /// An instance of a parameterised environment is named like another environment
        /// (after its values are turned into DNS-1123 labels).
        InstanceNameCollision = "E0230", "an environment instance is named like another environment";
        /// A parameter declared twice, named like a variable, of a type that is not text, a
        /// matrix too large, or `--param` naming no parameter.
        ParameterMismatch = "E0232", "an environment parameter is declared or given wrongly";
        /// `group a { uses b }`, `group b { uses a }`, or groups nested more than
        /// `MAX_GROUP_DEPTH` deep.
        GroupCycle = "E0216", "groups use each other in a cycle, or nest too deeply";
        /// `uses GROUP as KEY`: a key belongs to one variable, a group holds several.
        GroupAlias = "E0217", "a group is given a key with `as`";
        /// A `promote` ladder names an unknown environment, or one environment twice.
        InvalidPromotionLadder = "E0231", "a promotion ladder names an unknown environment or one twice";
    }

    // ── E03xx: check ────────────────────────────────────────────────────────────────────
    Check {
        /// A `matching /re/` pattern that does not compile (or is too big).
        InvalidRegex = "E0301", "invalid regular expression";
        /// `in 10..=1`, `in 1..1`, or bounds that are not numbers.
        InvalidRange = "E0302", "a range is empty or its bounds are not numbers";
        /// A refinement on a type it cannot apply to (`bool in 1..=2`, `int matching /x/`).
        RefinementNotApplicable = "E0303", "a refinement does not apply to this type";
        /// A value of the wrong kind (a string for an `int`, ...).
        TypeMismatch = "E0304", "a value has the wrong type";
        /// A number outside its range, or a string/list whose length is outside `len in`.
        OutOfRange = "E0305", "a value is outside the range its type allows";
        /// A string that does not match its type's `matching /re/`.
        PatternMismatch = "E0306", "a value does not match its type's pattern";
        /// A string that is not one of a union's members.
        NotEnumMember = "E0307", "a value is not one of the allowed members";
        /// A `url` value that is not an absolute URL.
        InvalidUrl = "E0308", "a value is not a valid URL";
        /// A required variable that a concrete environment never sets.
        MissingValue = "E0309", "a required variable has no value in an environment";
        /// `SECRET = "literal"` outside an `insecure env`: secrets take references there.
        SecretLiteral = "E0310", "a literal value is assigned to a secret";
        /// A secret with neither a default reference nor one from the environment.
        MissingSecretReference = "E0311", "a secret has no reference in an environment";
        /// `"${SECRET}"` in a plain variable would write the secret in plaintext.
        SecretInterpolated = "E0312", "a secret is interpolated into a non-secret value";
        /// `A = "${B}"`, `B = "${A}"`.
        InterpolationCycle = "E0313", "interpolation cycle";
        /// An interpolated value grew past the size limit.
        ValueTooLarge = "E0314", "an interpolated value is too large";
        /// An `assert` is false in an environment.
        AssertFailed = "E0315", "an assertion failed";
        /// An `assert` compares values of incompatible types or is not a boolean.
        AssertTypeError = "E0316", "an assertion is ill-typed";
        /// A block attribute that envdef does not know.
        UnknownAttribute = "E0317", "unknown attribute";
        /// A known attribute with a wrong value, set twice, or on the wrong kind of variable.
        InvalidAttribute = "E0318", "invalid attribute";
        /// An `emit` option that the built-in target does not know.
        UnknownEmitOption = "E0319", "unknown emit option";
        /// An `emit` path with an unknown placeholder, `..`, or an absolute path.
        InvalidEmitPath = "E0320", "invalid emit path";
        /// Two variables of one service would be written under the same key.
        EmitNameCollision = "E0321", "two variables are emitted under the same name";
        /// `${...}` where it cannot expand (a list, an unset optional, `${service}` in a shared
        /// variable, `${...}` in a secret reference).
        InvalidInterpolation = "E0322", "invalid interpolation";
        /// `NAME from "REF"` where `NAME` is not a secret.
        NotASecret = "E0323", "a reference is given to a variable that is not a secret";
        /// A known `emit` option with a value of the wrong type or naming an unknown env/service.
        InvalidEmitOption = "E0324", "invalid emit option";
        /// Environments × variables past `check::MAX_VALUES` (E0325 was never released).
        TooManyValues = "E0326", "too many values to compute";
        /// A secret reference that is empty, holds a control character, or does not fit its
        /// scheme's form (`vault://MOUNT/PATH#KEY`, …).
        InvalidSecretReference = "E0340", "a secret reference is malformed";
        /// A secret reference without `scheme://`, or with a scheme envdef does not know.
        UnknownSecretScheme = "E0341", "a secret reference has an unknown scheme";
        /// A `TODO://` reference drafted by `envdef import` in an environment that is emitted.
        PlaceholderSecretReference = "E0342", "a placeholder secret reference is emitted";
        /// A secret reference that is a credential itself (a URL with a password, a token).
        SecretReferenceIsCredential = "E0343", "a secret reference is a credential itself";
        /// `NAME = unset` on a variable that is not optional (it must have a value everywhere).
        UnsetRequired = "E0350", "only an optional variable can be unset";
        /// `api.NAME = …` overrides a shared variable for a service that does not read it
        /// (neither in its `uses` nor through another variable's `${…}`).
        OverrideNotRead = "E0352", "a per-service override for a service that does not read the variable";
        /// A variable's Terraform name is one Terraform reserves (`version`, `count`, …).
        ReservedTerraformName = "E0327", "a Terraform name is reserved by Terraform";
        /// A `matching` pattern uses a construct Terraform's RE2 cannot express.
        RegexNotRe2 = "E0328", "a pattern Terraform's regular expressions cannot express";
        /// `uses NAME as KEY` where another variable of the service is already read as `KEY`.
        AliasCollision = "E0344", "an alias collides with another key of the service";
        /// A secret's plain local value (allowed only in an `insecure env`) is inherited by an
        /// environment without the mark.
        PlainSecretInherited = "E0345", "a plain secret value reaches an environment not marked `insecure`";
        /// A `kubernetes`, `tfvars` or `variables_tf` emit covers an environment where a secret
        /// has a plain local value.
        PlainSecretInArtifact = "E0346", "a plain secret value would go into a deployment artifact";
        /// A flag on in an environment of a `promote` ladder and off in one before it.
        FlagPromotedOutOfOrder = "E0360", "a flag is on in an environment but off in one before it on the promotion ladder";
        /// A `--param` value (or union member) does not fit the parameter's type.
        InvalidParameterValue = "E0362", "a parameter value does not fit its type";
        /// A percentage flag rolled out further in an environment than in one before it.
        RolloutShrinks = "E0361", "a percentage rollout shrinks along the promotion ladder";
        /// A `matching` pattern that an emitted application target (`pydantic`, `typescript`,
        /// `jsonschema`) cannot write in its regex dialect with the same meaning (a Unicode
        /// word boundary, a CRLF anchor, bytes that are not UTF-8).
        UntranslatablePattern = "E0370", "a pattern cannot be written in a target's regex dialect";
        /// A derived secret (a secret composed from other secrets) reaches a target that
        /// cannot compose it from references: a custom template.
        DerivedSecretNotCarried = "E0347", "a target cannot carry a derived secret";

        // ── W03xx: warnings ─────────────────────────────────────────────────────────────────
        /// A shared declaration that no service `uses`.
        UnusedVariable = "W0301", "a variable is not used by any service";
        /// An environment sets the value it already inherits.
        RedundantOverride = "W0302", "an override repeats the inherited value";
        /// A variable not in UPPER_SNAKE case, or a flag not in lower_snake case.
        NamingConvention = "W0303", "a name does not follow the naming convention";
        /// An environment assigns a variable marked `deprecated`.
        DeprecatedAssigned = "W0304", "a deprecated variable is assigned";
    }

    // ── E04xx: emit ─────────────────────────────────────────────────────────────────────
    Emit {
        /// An `emit` path would expand outside the output root (`..`, absolute, a `/` in a name,
        /// an empty segment). Check rejects most of these earlier (E0320); emit re-validates
        /// every expanded path because nothing may ever be written outside `--out`.
        EmitPathOutsideRoot = "E0401", "an emit path would leave the output directory";
        /// Two artifacts (from one or several `emit` lines) would be written to the same path.
        ArtifactPathCollision = "E0402", "two artifacts would be written to the same path";
        /// A value has no .env quoting that python-dotenv, Node dotenv, dotenvy, docker compose
        /// and POSIX sh all read back byte-identically.
        UnportableDotenvValue = "E0403", "a value has no portable .env encoding";
        /// A list element contains the list's separator, so the joined text cannot be split back.
        ListElementContainsSeparator = "E0404", "a list element contains the list separator";
        /// A service, namespace or key is not a valid name for the target (DNS-1123 label for
        /// Kubernetes, compose service name, portable environment variable name).
        InvalidTargetName = "E0405", "a name is not valid for this target";
        /// Two variables would be written under the same key in one artifact (e.g. two
        /// `tfvars_name`s that agree).
        DuplicateEmittedKey = "E0406", "two variables are written under the same key";
        /// A target is neither built in nor found as a template, or a template cannot be read.
        UnknownTarget = "E0407", "unknown emit target or unreadable template";
        /// A template failed to compile or to render.
        TemplateFailed = "E0408", "a template failed to render";
        /// `--env` / `--target` names something the source does not declare or emit.
        UnknownSelection = "E0409", "a selected environment or target does not exist";
        /// A duration cannot be written exactly as a number in the requested `unit`.
        InexactDurationUnit = "E0410", "a duration is not exact in the requested unit";
        /// More artifacts than `emit::MAX_ARTIFACTS`, or more bytes in all of them than
        /// `emit::MAX_OUTPUT_BYTES` (a small source can name a million service × environment
        /// pairs).
        TooMuchOutput = "E0411", "the emit lines would write too many artifacts or too much output";
        /// A tfvars string is not in Unicode NFC: Terraform (cty) normalizes every string, so the
        /// value would arrive changed.
        TfvarsNotNfc = "E0412", "Terraform would change this string by Unicode normalization";
        /// A custom template recurses, nests too deep, or loops or runs past its budget.
        TemplateLimit = "E0413", "a custom template exceeds a rendering limit";
        /// A string's `len` is met counting characters but not counting grapheme clusters, as
        /// Terraform's `length()` does.
        TfvarsLengthDisagrees = "E0414", "Terraform would count this string's length differently";
        /// A `dotenv` path without `{service}` writes one file per environment for every
        /// covered service, and two services give one key different values there.
        MergedKeyConflict = "E0430", "two services give one key different values in a merged file";
        /// The `ansible` target writes a secret as a lookup of its reference, and the
        /// reference has none: a scheme other than `vault://` or `sops://`, characters the
        /// lookup's Jinja string cannot carry, or a plain local value.
        NoAnsibleLookup = "E0440", "a secret has no Ansible lookup";
        /// A template resolves outside the project root (symlinks followed) or into `.git`.
        TemplateOutsideProject = "E0420", "a template outside the project";
        /// Two environments' `*.auto.tfvars` in one directory: Terraform loads all of them and
        /// the alphabetically last one wins, so `apply` for one uses another's values.
        AutoTfvarsShareDirectory = "W0431", "two environments' .auto.tfvars share a directory";
    }

    // ── E05xx: compile workflow ─────────────────────────────────────────────────────────
    Workflow {
        /// `--env`, `diff` or `explain` names an environment the source does not declare
        /// (or `compile --env` names an abstract one, which is never emitted). Exit 2.
        UnknownEnvironmentArg = "E0501", "unknown environment on the command line";
        /// `--target` names a target that no `emit` line uses. Exit 2.
        UnknownTargetArg = "E0502", "unknown target on the command line";
        /// `explain` names a variable the source does not declare. Exit 2.
        UnknownVariableArg = "E0503", "unknown variable on the command line";
        /// `--service` names a service the source does not declare. Exit 2.
        UnknownServiceArg = "E0504", "unknown service on the command line";
        /// `compile --check`: an artifact the source produces is not on disk. Exit 1.
        ArtifactMissing = "E0510", "artifact missing";
        /// `compile --check`: an artifact on disk differs from what the source produces. Exit 1.
        ArtifactStale = "E0511", "artifact stale or hand-edited";
        /// `compile --check`: a file envdef generated earlier is no longer produced. Exit 1.
        ArtifactOrphaned = "E0512", "orphaned artifact";
        /// An earlier compile into this output root was interrupted (its journal is still
        /// there), or could not finish renaming its files. `compile` completes or rolls it back.
        RunInterrupted = "E0513", "an earlier compile was interrupted";
        /// A symlink where envdef would read or write an artifact (or a directory on the way).
        /// Exit 2.
        ArtifactSymlink = "E0520", "a symlink where an artifact or its directory should be";
        /// An artifact would be written into `.git`, over the source, an imported file, a
        /// template, or envdef's manifest. Exit 2.
        ForbiddenDestination = "E0521", "an artifact would overwrite a file envdef must not write";
        /// `compile`: a file envdef did not write (no generated header, not in the manifest)
        /// is where an artifact goes; it is not replaced without `--force`, and `--check`
        /// does not show its content. Nothing is written. Exit 2.
        ArtifactNotOurs = "E0522", "an artifact would replace a file envdef did not write";
    }

    // ── E06xx: the developer loop (run, verify, switch) ─────────────────────────────────
    DevLoop {
        /// `envdef run`: a secret reference could not be resolved (provider unreachable, key
        /// missing, unknown scheme). The command is not started. Exit 2.
        SecretUnresolved = "E0601", "a secret could not be resolved";
        /// `envdef verify`: a variable the environment sets for the service is not in the live
        /// environment. Exit 1.
        LiveMissing = "E0610", "a variable is missing from the live environment";
        /// `envdef verify`: a key in the live environment is not declared but is close to a
        /// declared one (a typo the application will not read). Exit 1.
        LiveUnknownKey = "E0611", "an unknown key looks like a misspelt declared one";
        /// `envdef verify`: a live value does not parse as its type or breaks a refinement.
        /// Exit 1.
        LiveInvalidValue = "E0612", "a live value does not fit its type";
        /// `envdef verify`: an assert does not hold for the live values. Exit 1.
        LiveAssertFailed = "E0613", "an assert fails for the live values";
        /// An `emit` line marked `working = true` names `{env}` in its path: `envdef switch`
        /// writes every environment to the same working file.
        WorkingPathNamesEnv = "E0620", "a working file's path names `{env}`";
        /// `envdef switch`: no `emit` line with `working = true` covers the environment (and
        /// service) asked for, so there is nothing to switch. Exit 1.
        NoWorkingFiles = "E0621", "no working file to switch";
        /// `envdef switch`: a working file's path holds a file envdef did not write there, or
        /// one edited since; it is not replaced without `--force`. Nothing is written. Exit 1.
        WorkingFileNotOurs = "E0622", "a working file would replace a file envdef did not write";
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert_eq!(s.len(), 5, "{s}");
            assert!(s.starts_with('E') || s.starts_with('W'), "{s}");
            assert!(s[1..].chars().all(|c| c.is_ascii_digit()), "{s}");
        }
    }

    #[test]
    fn each_code_sits_in_the_block_of_its_phase() {
        use super::Phase;
        for code in Code::ALL {
            let prefix = match code.phase() {
                Phase::Load => "E00",
                Phase::Syntax => "E01",
                Phase::Resolve => "E02",
                Phase::Check if code.as_str().starts_with('W') => "W03",
                Phase::Check => "E03",
                Phase::Emit if code.as_str().starts_with('W') => "W04",
                Phase::Emit => "E04",
                Phase::Workflow => "E05",
                Phase::DevLoop => "E06",
            };
            assert!(
                code.as_str().starts_with(prefix),
                "{code} is in {:?}",
                code.phase()
            );
        }
    }
}
