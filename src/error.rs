//! The one error type of the crate.

use crate::CanonicalRequest;

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
/// assert_eq!(
///     err.to_string(),
///     "header \"X-Acs-Meta\": value contains CR, LF, NUL or another control character; remove it from the value"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The method is not an HTTP token (RFC 9110 §9.1), e.g. empty or with spaces.
    #[error("invalid HTTP method {method:?}: give an HTTP token such as GET or POST")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// The scheme cannot sign requests with this method.
    #[error("{scheme} cannot sign a {method} request: use a method the scheme supports")]
    UnsupportedMethod {
        /// The signing scheme.
        scheme: &'static str,
        /// The method of the request.
        method: String,
    },
    /// No host was given; every scheme needs it.
    #[error(
        "missing host: set it with CanonicalRequestBuilder::host, or give a URI with an authority"
    )]
    MissingHost,
    /// The host is not a valid `host[:port]` authority.
    #[error("invalid host {host:?}: {reason}; give host[:port] only")]
    InvalidHost {
        /// The host as given.
        host: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `Host` header disagrees with the request's host.
    #[error(
        "Host header {header:?} does not match the request host {host:?}: drop the Host \
         header or make it equal to the host"
    )]
    HostMismatch {
        /// The request host.
        host: String,
        /// The value of the Host header.
        header: String,
    },
    /// The path is not an absolute, already-encoded request path.
    #[error("invalid path {path:?}: {reason}; give an absolute, percent-encoded path")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is not an HTTP token.
    #[error(
        "invalid header name {name:?}: use an HTTP token (letters, digits and !#$%&'*+-.^_`|~)"
    )]
    InvalidHeaderName {
        /// The name as given.
        name: String,
    },
    /// A header value holds CR, LF, NUL or another control character (HTAB is allowed).
    #[error(
        "header {name:?}: value contains CR, LF, NUL or another control character; remove it \
         from the value"
    )]
    InvalidHeaderValue {
        /// The header's name (the value is never echoed: it may be a credential).
        name: String,
    },
    /// A header value is not valid UTF-8 text, so it cannot be signed (`http` and `reqwest`
    /// integrations).
    #[error(
        "header {name:?}: value is not UTF-8 text; send it as text or leave it out of the \
         request to sign"
    )]
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
    #[error(
        "environment variable {name} is not set, empty or not Unicode; set it, or give the \
         keys with Credentials::new"
    )]
    MissingEnvVar {
        /// The variable's name (its value is never echoed).
        name: &'static str,
    },
    /// A precomputed payload hash is not 64 lowercase hex digits.
    #[error(
        "invalid payload hash: expected 64 lowercase hexadecimal digits (the hex SHA-256 of \
         the body)"
    )]
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
    #[error("{scheme}: parameter {name:?} occurs more than once; send it once")]
    DuplicateParameter {
        /// The signing scheme.
        scheme: &'static str,
        /// The repeated name.
        name: String,
    },
    /// A header name occurs twice (in any letter case) where the scheme has no canonical
    /// form for repeats.
    #[error("{scheme}: header {name:?} occurs more than once; join its values into one header")]
    DuplicateHeader {
        /// The signing scheme.
        scheme: &'static str,
        /// The repeated name.
        name: String,
    },
    /// The request sets a parameter or header that the signer itself sets.
    #[error(
        "{scheme}: {name:?} is set by the signer; remove it from the request (or set it \
         through the signer's builder)"
    )]
    ReservedName {
        /// The signing scheme.
        scheme: &'static str,
        /// The reserved name.
        name: String,
    },
    /// The request already carries a signature (`Authorization`, `X-WSSE` or a `Signature`
    /// parameter): it was signed before. A retry must sign a fresh copy of the unsigned
    /// request with a fresh [`SigningContext`](crate::SigningContext), since the clouds
    /// refuse a reused nonce or a stale timestamp.
    ///
    /// ```
    /// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, Error, Signer, SigningContext};
    ///
    /// let signer = Acs3Signer::builder(Credentials::new("id", "secret")?)
    ///     .action("DescribeRegions")
    ///     .version("2014-05-26")
    ///     .build()?;
    /// let signed = CanonicalRequest::builder()
    ///     .host("ecs.aliyuncs.com")
    ///     .header("Authorization", "ACS3-HMAC-SHA256 Credential=id,...")
    ///     .build()?;
    /// let err = signer.sign(&signed, &SigningContext::now()).unwrap_err();
    /// assert!(matches!(err, Error::AlreadySigned { .. }));
    /// assert!(err.to_string().contains("already signed"));
    /// # Ok::<(), Error>(())
    /// ```
    #[error(
        "{scheme}: the request is already signed (it carries {name:?}); sign a fresh copy of \
         the unsigned request with a new SigningContext"
    )]
    AlreadySigned {
        /// The signing scheme.
        scheme: &'static str,
        /// The header or parameter that carries the earlier signature.
        name: String,
    },
    /// A header the signer was told to sign (its builder's `signed_header_names`) is neither
    /// in the request nor one the signer adds to it. Nothing is signed rather than a
    /// signature that leaves it out.
    ///
    /// ```
    /// use cloudsign::{huawei::SdkHmacSha256Signer, CanonicalRequest, Credentials, Error, Signer, SigningContext};
    ///
    /// let signer = SdkHmacSha256Signer::builder(Credentials::new("AK", "SK")?)
    ///     .signed_header_names(["content-type"])
    ///     .build()?;
    /// let req = CanonicalRequest::builder().host("vpc.myhuaweicloud.com").build()?;
    /// let err = signer.sign(&req, &SigningContext::now()).unwrap_err();
    /// assert_eq!(err, Error::MissingSignedHeader { scheme: "SDK-HMAC-SHA256", name: "content-type".into() });
    /// # Ok::<(), Error>(())
    /// ```
    #[error(
        "{scheme}: header {name:?} is listed to be signed but the request does not carry it; \
         add it to the request or remove it from signed_header_names"
    )]
    MissingSignedHeader {
        /// The signing scheme.
        scheme: &'static str,
        /// The listed name, lower-case.
        name: String,
    },
    /// A credential field is empty.
    #[error("credential field {field} is empty: give the key as the cloud's console shows it")]
    EmptyCredential {
        /// Which field.
        field: &'static str,
    },
    /// A credential field holds a character that cannot go into a header.
    #[error(
        "credential field {field} contains a control character or is not representable; check \
         it for stray line breaks or spaces"
    )]
    InvalidCredential {
        /// Which field (the value is never echoed).
        field: &'static str,
    },
    /// A signer setting is invalid.
    #[error("invalid setting {field}: {reason}; fix the value given for it")]
    InvalidSetting {
        /// Which setting.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request names an API setting (an action or version) that the scheme does not
    /// have.
    #[error(
        "{scheme} has no {field}: leave it out of the request (the operation is the request's \
         method and path)"
    )]
    UnsupportedApiSetting {
        /// The signing scheme.
        scheme: &'static str,
        /// `action` or `api_version`.
        field: &'static str,
    },
    /// The signing time cannot be written in the scheme's time format.
    #[error(
        "timestamp out of range for {scheme}: {reason}; sign with SigningContext::now() or a \
         time the scheme can write"
    )]
    TimestampOutOfRange {
        /// The signing scheme.
        scheme: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// The nonce does not fit the scheme.
    #[error(
        "invalid nonce for {scheme}: {reason}; use SigningContext::now(), whose nonce every \
         scheme accepts"
    )]
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

/// Header names that carry a signature in some scheme: a request that has one was signed
/// before (as was one with a `Signature` query parameter).
const SIGNATURE_HEADERS: [&str; 2] = ["authorization", "x-wsse"];

impl Error {
    /// The error for `name`, which the signer sets itself: [`Error::AlreadySigned`] when
    /// `req` carries an earlier signature, else [`Error::ReservedName`].
    pub(crate) fn reserved(scheme: &'static str, name: &str, req: &CanonicalRequest) -> Error {
        let header = req
            .headers()
            .iter()
            .map(|(n, _)| n)
            .find(|n| SIGNATURE_HEADERS.iter().any(|c| c.eq_ignore_ascii_case(n)));
        let param = || {
            req.query()
                .iter()
                .map(|(n, _)| n)
                .find(|n| *n == "Signature")
        };
        match header.or_else(param) {
            Some(carrier) => Error::AlreadySigned {
                scheme,
                name: carrier.clone(),
            },
            None => Error::ReservedName {
                scheme,
                name: name.to_owned(),
            },
        }
    }
}
