//! Per-request API settings: the action and version a [`CanonicalRequest`] names in place
//! of its signer's, so that one signer serves every operation of a service.

use std::sync::Arc;

use crate::{CanonicalRequest, Error};

/// A signer with an action and a version, which a request may replace.
pub(crate) trait ApiSettings: Clone {
    /// The signer's action, if it has one.
    fn action(&self) -> Option<&str>;
    /// The signer's version, if it has one.
    fn version(&self) -> Option<&str>;
    /// Replaces what is given and rebuilds every precomputed state that holds it.
    fn set_api(&mut self, action: Option<Arc<str>>, version: Option<Arc<str>>);
}

/// A copy of `signer` with the request's action and version, when the request names one
/// that differs from the signer's; `None` (the usual case, nothing to do) otherwise.
#[inline]
pub(crate) fn for_request<S: ApiSettings>(signer: &S, req: &CanonicalRequest) -> Option<S> {
    let changed =
        |own: Option<&str>, given: Option<&Arc<str>>| given.filter(|g| Some(&***g) != own).cloned();
    let action = changed(signer.action(), req.action_shared());
    let version = changed(signer.version(), req.api_version_shared());
    if action.is_none() && version.is_none() {
        return None;
    }
    let mut copy = signer.clone();
    copy.set_api(action, version);
    Some(copy)
}

/// Puts `new` in `slot`, if there is one.
pub(crate) fn replace<T>(slot: &mut T, new: Option<T>) {
    if let Some(new) = new {
        *slot = new;
    }
}

/// For schemes without an action or version: refuses a request that names one.
pub(crate) fn refuse(scheme: &'static str, req: &CanonicalRequest) -> Result<(), Error> {
    let field = match (req.action(), req.api_version()) {
        (None, None) => return Ok(()),
        (Some(_), _) => "action",
        (None, Some(_)) => "api_version",
    };
    Err(Error::UnsupportedApiSetting { scheme, field })
}

/// `ApiSettings` for a signer whose `action` and `version` fields are `Arc<str>`; the block
/// rebuilds the precomputed state that holds them (it may be empty).
macro_rules! api_settings {
    ($ty:ty, |$s:ident| $rebuild:block) => {
        impl $crate::api::ApiSettings for $ty {
            fn action(&self) -> Option<&str> {
                Some(&self.action)
            }

            fn version(&self) -> Option<&str> {
                Some(&self.version)
            }

            fn set_api(&mut self, action: Option<Arc<str>>, version: Option<Arc<str>>) {
                $crate::api::replace(&mut self.action, action);
                $crate::api::replace(&mut self.version, version);
                let $s = self;
                $rebuild
            }
        }
    };
}
pub(crate) use api_settings;
