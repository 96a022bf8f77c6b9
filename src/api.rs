//! Per-request API settings: the action and version a [`CanonicalRequest`] names in place
//! of its signer's, so that one signer serves every operation of a service.

use std::sync::Arc;

use crate::text::check_setting;
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

/// A signer's field that holds an API setting: required (`Arc<str>`) or optional.
pub(crate) trait Slot {
    /// The setting, if there is one.
    fn get(&self) -> Option<&str>;
    /// Replaces the setting with `new`, if there is one.
    fn put(&mut self, new: Option<Arc<str>>);
}

impl Slot for Arc<str> {
    fn get(&self) -> Option<&str> {
        Some(self)
    }

    fn put(&mut self, new: Option<Arc<str>>) {
        if let Some(new) = new {
            *self = new;
        }
    }
}

impl Slot for Option<Arc<str>> {
    fn get(&self) -> Option<&str> {
        self.as_deref()
    }

    fn put(&mut self, new: Option<Arc<str>>) {
        if new.is_some() {
            *self = new;
        }
    }
}

/// The API settings a signer builder collects, as given; checked by [`required`] and
/// [`optional`] when the signer is built. The setters come from [`api_setters`].
#[derive(Clone, Debug, Default)]
pub(crate) struct ApiBuilder {
    pub(crate) action: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) region: Option<String>,
    pub(crate) language: Option<String>,
}

/// A setting the signer needs: given, non-empty and a valid header value.
pub(crate) fn required(field: &'static str, value: Option<String>) -> Result<Arc<str>, Error> {
    let value = value.unwrap_or_default();
    check_setting(field, &value)?;
    Ok(Arc::from(value))
}

/// A setting the signer can do without: if given, non-empty and a valid header value.
pub(crate) fn optional(
    field: &'static str,
    value: Option<String>,
) -> Result<Option<Arc<str>>, Error> {
    value
        .map(|v| check_setting(field, &v).map(|()| Arc::from(v)))
        .transpose()
}

/// The setters of a builder with an `api: ApiBuilder` field, one per named setting, each
/// with the documentation given.
macro_rules! api_setters {
    ($builder:ty { $($(#[$doc:meta])* $field:ident),* $(,)? }) => {
        impl $builder {
            $(
                $(#[$doc])*
                pub fn $field(mut self, $field: impl Into<String>) -> Self {
                    self.api.$field = Some($field.into());
                    self
                }
            )*
        }
    };
}
pub(crate) use api_setters;

/// A builder's own setters, each `name: how` with its doc comment, entries separated by
/// `;`: `text` stores `impl Into<String>` in a `String` field, `optional text` in an
/// `Option<String>` field, and a type stores a value of it as it is. The field has the
/// setter's name.
macro_rules! setters {
    ($builder:ty { $($(#[$doc:meta])* $field:ident: $($how:ident)+);* $(;)? }) => {
        impl $builder {
            $($crate::api::setters!(@one [$(#[$doc])*] $field $($how)+);)*
        }
    };
    (@one [$(#[$doc:meta])*] $field:ident text) => {
        $(#[$doc])*
        pub fn $field(mut self, $field: impl Into<String>) -> Self {
            self.$field = $field.into();
            self
        }
    };
    (@one [$(#[$doc:meta])*] $field:ident optional text) => {
        $(#[$doc])*
        pub fn $field(mut self, $field: impl Into<String>) -> Self {
            self.$field = Some($field.into());
            self
        }
    };
    (@one [$(#[$doc:meta])*] $field:ident $ty:ty) => {
        $(#[$doc])*
        pub fn $field(mut self, $field: $ty) -> Self {
            self.$field = $field;
            self
        }
    };
}
pub(crate) use setters;

/// For schemes without an action or version: refuses a request that names one.
pub(crate) fn refuse(scheme: &'static str, req: &CanonicalRequest) -> Result<(), Error> {
    let field = match (req.action(), req.api_version()) {
        (None, None) => return Ok(()),
        (Some(_), _) => "action",
        (None, Some(_)) => "api_version",
    };
    Err(Error::UnsupportedApiSetting { scheme, field })
}

/// `ApiSettings` and `with_action` for a signer whose `action` and `version` fields are
/// [`Slot`]s; the block rebuilds the precomputed state that holds them (it may be empty).
macro_rules! api_settings {
    ($ty:ty, |$s:ident| $rebuild:block) => {
        impl $crate::api::ApiSettings for $ty {
            fn action(&self) -> Option<&str> {
                $crate::api::Slot::get(&self.action)
            }

            fn version(&self) -> Option<&str> {
                $crate::api::Slot::get(&self.version)
            }

            fn set_api(&mut self, action: Option<Arc<str>>, version: Option<Arc<str>>) {
                $crate::api::Slot::put(&mut self.action, action);
                $crate::api::Slot::put(&mut self.version, version);
                let $s = self;
                $rebuild
            }
        }

        impl $ty {
            /// The same signer for another operation of the same API.
            ///
            /// # Errors
            /// [`Error::InvalidSetting`](crate::Error::InvalidSetting) if `action` is
            /// empty or not a valid header value.
            pub fn with_action(&self, action: &str) -> Result<Self, $crate::Error> {
                $crate::text::check_setting("action", action)?;
                let mut s = self.clone();
                $crate::api::ApiSettings::set_api(&mut s, Some(Arc::from(action)), None);
                Ok(s)
            }
        }
    };
}
pub(crate) use api_settings;
