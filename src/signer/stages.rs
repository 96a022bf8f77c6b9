//! [`Stages`]: one signature as plain texts, the common currency of the fast signers and
//! their reference implementations.

use std::fmt;

use super::check_uri;
use crate::redact::{is_sensitive_header, is_sensitive_param, stage, HIDDEN};
use crate::{CanonicalRequest, Error, SigningOutput};

/// Every stage of one signature as plain text: what a scheme's reference implementation
/// ([`Signer::sign_reference`](crate::Signer::sign_reference)) returns, and what
/// [`Stages::of`] reads from a [`SigningOutput`], so that the two can be compared.
///
/// ```
/// use cloudsign::{huawei::WsseSigner, CanonicalRequest, Credentials, Signer, SigningContext, Stages};
///
/// let signer = WsseSigner::new(Credentials::new("id", "secret")?);
/// let req = CanonicalRequest::builder().host("example.com").build()?;
/// let ctx = SigningContext::from_unix(1_700_000_000, "abc123")?;
/// let fast = Stages::of(&signer.sign(&req, &ctx)?);
/// let reference = signer.sign_reference(&req, &ctx).expect("every scheme has one")?;
/// assert_eq!(fast.first_difference(&reference), None);
/// assert_eq!(fast, reference);
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stages {
    /// The canonical request, for schemes that have one.
    pub canonical_request: Option<String>,
    /// The string to sign, for schemes that have one.
    pub string_to_sign: Option<String>,
    /// The signature, as it is sent.
    pub signature: String,
    /// The headers to add, in order.
    pub headers: Vec<(String, String)>,
    /// The query parameters the signer adds, in order.
    pub query_params: Vec<(String, String)>,
    /// The query string to send.
    pub query_string: String,
    /// The body to send in place of the request's, if the scheme writes one.
    pub body: Option<String>,
}

impl Stages {
    /// The stages, if the query string fits in a URI ([`check_uri`]): the last check of
    /// every reference implementation, as of every fast path.
    pub(crate) fn finish_for(
        self,
        req: &CanonicalRequest,
        scheme: &'static str,
    ) -> Result<Stages, Error> {
        check_uri(req, self.query_string.len(), scheme)?;
        Ok(self)
    }

    /// The stages of a signer's output.
    pub fn of(out: &SigningOutput) -> Stages {
        let owned = |it: &mut dyn Iterator<Item = (&str, &str)>| {
            it.map(|(n, v)| (n.to_owned(), v.to_owned())).collect()
        };
        Stages {
            canonical_request: out.canonical_request().map(str::to_owned),
            string_to_sign: out.string_to_sign().map(str::to_owned),
            signature: out.signature().to_owned(),
            headers: owned(&mut out.headers()),
            query_params: owned(&mut out.query_params()),
            query_string: out.query_string().to_owned(),
            body: out.body().map(str::to_owned),
        }
    }

    /// The name of the first stage (in signing order) where `self` and `other` differ:
    /// `"canonical_request"`, `"string_to_sign"`, `"signature"`, `"headers"`,
    /// `"query_params"`, `"query_string"` or `"body"`; `None` if they are identical.
    pub fn first_difference(&self, other: &Stages) -> Option<&'static str> {
        [
            (
                "canonical_request",
                self.canonical_request == other.canonical_request,
            ),
            (
                "string_to_sign",
                self.string_to_sign == other.string_to_sign,
            ),
            ("signature", self.signature == other.signature),
            ("headers", self.headers == other.headers),
            ("query_params", self.query_params == other.query_params),
            ("query_string", self.query_string == other.query_string),
            ("body", self.body == other.body),
        ]
        .into_iter()
        .find(|(_, same)| !same)
        .map(|(name, _)| name)
    }
}

/// Secrets stay hidden: the signature, sensitive header and parameter values, and their
/// lines in the stage texts.
impl fmt::Debug for Stages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs = |list: &[(String, String)], sensitive: fn(&str) -> bool| {
            list.iter()
                .map(|(n, v)| match sensitive(n) || is_sensitive_param(n) {
                    true => (n.clone(), HIDDEN.to_owned()),
                    false => (n.clone(), v.clone()),
                })
                .collect::<Vec<_>>()
        };
        f.debug_struct("Stages")
            .field(
                "canonical_request",
                &self.canonical_request.as_deref().map(stage),
            )
            .field("string_to_sign", &self.string_to_sign.as_deref().map(stage))
            .field("signature", &HIDDEN)
            .field("headers", &pairs(&self.headers, is_sensitive_header))
            .field(
                "query_params",
                &pairs(&self.query_params, is_sensitive_param),
            )
            .field("query_string", &stage(&self.query_string))
            .field("body", &self.body.as_deref().map(stage))
            .finish()
    }
}
