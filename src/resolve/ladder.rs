//! Promotion ladders: `promote local -> dev -> staging -> production` bound to the
//! environments it names (E0231). The rule itself (flags turned on in ladder order,
//! percentages that never grow past an earlier step) needs values and lives in `check`.

use std::collections::HashMap;

use crate::ast;
use crate::diagnostics::{suggest, Code, Diagnostic, Diagnostics};
use crate::model::EnvId;

/// One `promote` declaration whose every name is an environment.
#[derive(Debug)]
pub struct Ladder {
    /// The `promote` declaration as written.
    pub decl: ast::PromoteDecl,
    /// Indexes into `Program::envs`, earliest first.
    pub steps: Vec<EnvId>,
}

/// Binds each ladder's names; a ladder with an unknown or repeated name is reported and
/// dropped (checking half a ladder would report violations of an order nobody wrote).
/// `envs`: the environments by name (only the names and their indexes are read).
pub(super) fn bind<E>(
    envs: &crate::hash::FastIndexMap<String, E>,
    decls: Vec<ast::PromoteDecl>,
    diagnostics: &mut Diagnostics,
) -> Vec<Ladder> {
    let mut ladders = Vec::with_capacity(decls.len());
    for decl in decls {
        let mut steps = Vec::with_capacity(decl.envs.len());
        let mut seen: HashMap<&str, &ast::Ident> = HashMap::new();
        let mut ok = true;
        for name in &decl.envs {
            if let Some(first) = seen.insert(name.text.as_str(), name) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidPromotionLadder,
                        format!("`{}` appears twice in the promotion ladder", name.text),
                    )
                    .primary(name.span, "named again here")
                    .secondary(first.span, "first named here")
                    .help("a ladder names each environment once, in the order flags reach them"),
                );
                ok = false;
                continue;
            }
            match envs.get_index_of(&name.text) {
                Some(idx) => steps.push(EnvId::new(idx)),
                None => {
                    let help = suggest::did_you_mean(&name.text, envs.keys().map(String::as_str));
                    diagnostics.push(
                        Diagnostic::error(
                            Code::InvalidPromotionLadder,
                            format!(
                                "the promotion ladder names unknown environment `{}`",
                                name.text
                            ),
                        )
                        .primary(name.span, "not an environment of this file or its imports")
                        .help_opt(help.or_else(|| {
                            Some("declare the environment, or remove it from the ladder".into())
                        })),
                    );
                    ok = false;
                }
            }
        }
        if ok {
            ladders.push(Ladder { decl, steps });
        }
    }
    ladders
}
