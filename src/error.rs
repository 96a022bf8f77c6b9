//! The one error type of the crate.

/// Everything that can go wrong while building a request or signing it.
///
/// Messages name the offending field and never contain a secret: no secret key, no derived
/// key, no security token and no header value that might carry one.
///
/// ```
/// use cloudsign::{CanonicalRequest, Error};
///
/// let err = CanonicalRequest::builder()
///     .host("ecs.aliyuncs.com")
///     .header("X-Acs-Meta", "evil\r\nInjected: 1")
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, Error::InvalidHeaderValue { .. }));
/// assert_eq!(err.to_string(), "header \"X-Acs-Meta\": value contains CR, LF, NUL or another control character");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The method is not an HTTP token (RFC 9110 §9.1), e.g. empty or with spaces.
    #[error("invalid HTTP method {method:?}")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// The scheme cannot sign requests with this method.
    #[error("{scheme} cannot sign a {method} request")]
    UnsupportedMethod {
        /// The signing scheme.
        scheme: &'static str,
        /// The method of the request.
        method: String,
    },
    /// No host was given; every scheme needs it.
    #[error("missing host")]
    MissingHost,
    /// The host is not a valid `host[:port]` authority.
    #[error("invalid host {host:?}: {reason}")]
    InvalidHost {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `Host` header disagrees with the request's host.
    #[error("Host header {header:?} does not match the request host {host:?}")]
    HostMismatch {
        /// The request host.
        host: String,
        /// The value of the Host header.
        header: String,
    },
    /// The path is not an absolute, already-encoded request path.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is not an HTTP token.
    #[error("invalid header name {name:?}")]
    InvalidHeaderName {
        /// The name as given.
        name: String,
    },
    /// A header value holds CR, LF, NUL or another control character (HTAB is allowed).
    #[error("header {name:?}: value contains CR, LF, NUL or another control character")]
    InvalidHeaderValue {
        /// The header's name (the value is never echoed: it may be a credential).
        name: String,
    },
    /// A header value is not valid UTF-8 text, so it cannot be signed (`http` and `reqwest`
    /// integrations).
    #[error("header {name:?}: value is not UTF-8 text")]
    HeaderValueNotText {
        /// The header's name (the value is never echoed).
        name: String,
    },
    /// The URI cannot be represented as a request to sign (`http` and `reqwest`
    /// integrations).
    #[error("invalid URI: {reason}")]
    InvalidUri {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A credential environment variable is not set, empty or not Unicode.
    #[error("environment variable {name} is not set, empty or not Unicode")]
    MissingEnvVar {
        /// The variable's name (its value is never echoed).
        name: &'static str,
    },
    /// A precomputed payload hash is not 64 lowercase hex digits.
    #[error("invalid payload hash: expected 64 lowercase hexadecimal digits")]
    InvalidPayloadHash,
    /// The scheme cannot sign this body (or this kind of payload).
    #[error("{scheme} cannot sign this body: {reason}")]
    UnsupportedBody {
        /// The signing scheme.
        scheme: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// The scheme cannot sign the query of this request.
    #[error("{scheme} cannot sign this query: {reason}")]
    UnsupportedQuery {
        /// The signing scheme.
        scheme: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// A parameter name occurs twice where the scheme needs unique names.
    #[error("{scheme}: parameter {name:?} occurs more than once")]
    DuplicateParameter {
        /// The signing scheme.
        scheme: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A header name occurs twice (in any letter case) where the scheme has no canonical
    /// form for repeats.
    #[error("{scheme}: header {name:?} occurs more than once")]
    DuplicateHeader {
        /// The signing scheme.
        scheme: &'static str,
        /// The repeated name.
        name: String,
    },
    /// The request sets a parameter or header that the signer itself sets.
    #[error("{scheme}: {name:?} is set by the signer and must not be in the request")]
    ReservedName {
        /// The signing scheme.
        scheme: &'static str,
        /// The reserved name.
        name: String,
    },
    /// A credential field is empty.
    #[error("credential field {field} is empty")]
    EmptyCredential {
        /// Which field.
        field: &'static str,
    },
    /// A credential field holds a character that cannot go into a header.
    #[error("credential field {field} contains a control character or is not representable")]
    InvalidCredential {
        /// Which field (the value is never echoed).
        field: &'static str,
    },
    /// A signer setting is invalid.
    #[error("invalid setting {field}: {reason}")]
    InvalidSetting {
        /// Which setting.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signing time cannot be written in the scheme's time format.
    #[error("timestamp out of range for {scheme}: {reason}")]
    TimestampOutOfRange {
        /// The signing scheme.
        scheme: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// The nonce does not fit the scheme.
    #[error("invalid nonce for {scheme}: {reason}")]
    InvalidNonce {
        /// The signing scheme.
        scheme: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// cloudsign's own bookkeeping disagreed with itself while signing: a bug, never a
    /// property of the input. Nothing is signed rather than something signed wrong; please
    /// report it.
    #[error("internal error in {scheme}: {reason}")]
    Internal {
        /// The signing scheme.
        scheme: &'static str,
        /// What disagreed.
        reason: &'static str,
    },
}
