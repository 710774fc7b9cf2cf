//! `list`: the environments, the services with what each reads, and every variable.

use crate::model::{Env, Model, Service, VarDef};

/// Everything a source declares, in declaration order.
#[derive(Debug, Clone)]
pub struct Listing<'m> {
    /// Every environment, abstract ones included.
    pub envs: Vec<&'m Env>,
    /// Every service, the implicit one included.
    pub services: Vec<ServiceListing<'m>>,
    /// Every variable, secret and flag, shared and service-owned.
    pub vars: &'m [VarDef],
}

/// A service and the variables it reads: its own first, then the shared ones it `uses`.
#[derive(Debug, Clone)]
pub struct ServiceListing<'m> {
    /// The service.
    pub service: &'m Service,
    /// What it reads.
    pub vars: Vec<&'m VarDef>,
}

/// What [`Listing`] says about `model`.
pub fn list(model: &Model) -> Listing<'_> {
    Listing {
        envs: model.envs.values().collect(),
        services: model
            .services
            .values()
            .map(|service| ServiceListing {
                service,
                vars: service.vars.iter().map(|&id| model.var(id)).collect(),
            })
            .collect(),
        vars: &model.vars,
    }
}
