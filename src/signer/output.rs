//! [`SigningOutput`]: what a signer says to add to the request, and its stages.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::{CanonicalRequest, Error};

/// A piece of text of a [`SigningOutput`]: a range of its buffer, a constant, or a shared
/// string from the signer's settings. Keeps `sign()` to a few allocations.
#[derive(Clone)]
pub(crate) enum Text {
    Span(Range<usize>),
    Static(&'static str),
    Shared(Arc<str>),
}

/// What a signer says to add to the request, and the stages it went through.
///
/// Add every header of [`headers`](Self::headers) and send the query string
/// [`query_string`](Self::query_string) (it includes the request's own parameters, encoded
/// exactly as the scheme signed them, plus any the signer adds).
///
/// ```
/// use cloudsign::{tencent::Tc3Signer, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// let signer = Tc3Signer::builder(Credentials::new("AKIDEXAMPLE", "secret")?, "cvm")
///     .action("DescribeInstances").version("2017-03-12").region("ap-guangzhou").build()?;
/// let req = CanonicalRequest::builder().method("POST").host("cvm.tencentcloudapi.com")
///     .header("Content-Type", "application/json").body("{}").build()?;
/// let out = signer.sign(&req, &SigningContext::from_unix(1_000_000_000, "")?)?;
/// assert_eq!(out.header("X-TC-Timestamp"), Some("1000000000"));
/// assert!(out.header("Authorization").unwrap().ends_with(out.signature()));
/// assert!(out.string_to_sign().unwrap().starts_with("TC3-HMAC-SHA256\n1000000000\n2001-09-09/cvm/tc3_request\n"));
/// assert!(out.is_sensitive("Authorization"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct SigningOutput {
    buf: String,
    headers: Vec<(&'static str, Text)>,
    query_params: Vec<(&'static str, Text)>,
    query_string: Text,
    body: Option<Text>,
    signature: Text,
    canonical_request: Option<Text>,
    string_to_sign: Option<Text>,
}

impl SigningOutput {
    /// The buffer's unused capacity, for tests of the signers' size computations.
    #[cfg(test)]
    pub(crate) fn spare_capacity(&self) -> usize {
        self.buf.capacity() - self.buf.len()
    }

    fn text<'a>(&'a self, t: &'a Text) -> &'a str {
        match t {
            Text::Span(r) => self.buf.get(r.clone()).unwrap_or_default(),
            Text::Static(s) => s,
            Text::Shared(s) => s,
        }
    }

    /// The headers to add, in the order the official SDKs send them.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.headers.iter().map(move |(n, v)| (*n, self.text(v)))
    }

    /// The value of the added header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| self.text(v))
    }

    /// The query parameters the signer adds (decoded), e.g. RPC's `Signature`.
    pub fn query_params(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + '_ {
        self.query_params
            .iter()
            .map(move |(n, v)| (*n, self.text(v)))
    }

    /// The value of the added query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query_params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| self.text(v))
    }

    /// The complete query string to send after `?` (empty for none): the request's
    /// parameters and the added ones, encoded as the scheme signed them.
    pub fn query_string(&self) -> &str {
        self.text(&self.query_string)
    }

    /// The body to send **instead of** the request's, for schemes that carry their
    /// parameters and signature in a form body (Tencent signature V1 with `POST`); `None`
    /// means: send the request's own body unchanged.
    pub fn body(&self) -> Option<&str> {
        self.body.as_ref().map(|t| self.text(t))
    }

    /// The signature (hex or Base64, as the scheme writes it).
    pub fn signature(&self) -> &str {
        self.text(&self.signature)
    }

    /// The canonical request, for schemes that have one.
    ///
    /// It holds the security token where the scheme signs it (ACS3 and ROA
    /// `x-acs-security-token`, Huawei `x-security-token`, TC3 `x-tc-token` when listed in
    /// `signed_header_names`): log
    /// [`canonical_request_redacted`](Self::canonical_request_redacted) instead.
    pub fn canonical_request(&self) -> Option<&str> {
        self.canonical_request.as_ref().map(|t| self.text(t))
    }

    /// The string to sign (the MAC or hash input).
    ///
    /// For X-WSSE this is `Nonce + Created` without the secret, which the real input ends
    /// with. It holds the security token where the scheme signs it in the string itself
    /// (Alibaba RPC `SecurityToken`, Tencent V1 `Token`, ROA): log
    /// [`string_to_sign_redacted`](Self::string_to_sign_redacted) instead.
    pub fn string_to_sign(&self) -> Option<&str> {
        self.string_to_sign.as_ref().map(|t| self.text(t))
    }

    /// [`canonical_request`](Self::canonical_request) for logs: the values of token and
    /// signature headers and parameters read `<redacted>`.
    ///
    /// ```
    /// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, SigningContext, Signer};
    ///
    /// let creds = Credentials::new("id", "secret")?.with_security_token("STS.tok3n")?;
    /// let signer = Acs3Signer::builder(creds).action("A").version("V").build()?;
    /// let req = CanonicalRequest::builder().host("ecs.aliyuncs.com").build()?;
    /// let out = signer.sign(&req, &SigningContext::from_unix(1_700_000_000, "n1")?)?;
    /// assert!(out.canonical_request().unwrap().contains("STS.tok3n"));
    /// let logged = out.canonical_request_redacted().unwrap();
    /// assert!(logged.contains("x-acs-security-token:<redacted>") && !logged.contains("tok3n"));
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    pub fn canonical_request_redacted(&self) -> Option<String> {
        self.canonical_request().map(crate::redact::stage)
    }

    /// [`string_to_sign`](Self::string_to_sign) for logs, redacted as
    /// [`canonical_request_redacted`](Self::canonical_request_redacted).
    pub fn string_to_sign_redacted(&self) -> Option<String> {
        self.string_to_sign().map(crate::redact::stage)
    }

    /// True for headers that carry a credential or a signature (`Authorization`,
    /// `X-WSSE`, security tokens); mark them sensitive when logging or in `http`.
    pub fn is_sensitive(&self, name: &str) -> bool {
        crate::redact::is_sensitive_header(name)
    }
}

impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Pairs<'a>(&'a SigningOutput, &'a [(&'static str, Text)]);
        impl fmt::Debug for Pairs<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut l = f.debug_list();
                for (n, v) in self.1 {
                    if self.0.is_sensitive(n) || crate::redact::is_sensitive_param(n) {
                        l.entry(&(n, crate::redact::HIDDEN));
                    } else {
                        l.entry(&(n, self.0.text(v)));
                    }
                }
                l.finish()
            }
        }
        f.debug_struct("SigningOutput")
            .field("headers", &Pairs(self, &self.headers))
            .field("query_params", &Pairs(self, &self.query_params))
            .field("signature", &crate::redact::HIDDEN)
            .finish_non_exhaustive()
    }
}

/// Assembles a [`SigningOutput`] in one growing buffer.
pub(crate) struct OutputBuilder {
    out: SigningOutput,
}

impl OutputBuilder {
    #[inline]
    pub(crate) fn new(capacity: usize, headers: usize, query_params: usize) -> Self {
        OutputBuilder {
            out: SigningOutput {
                buf: String::with_capacity(capacity),
                headers: Vec::with_capacity(headers),
                query_params: Vec::with_capacity(query_params),
                query_string: Text::Static(""),
                body: None,
                signature: Text::Static(""),
                canonical_request: None,
                string_to_sign: None,
            },
        }
    }

    /// The buffer, to write into.
    #[inline]
    pub(crate) fn buf(&mut self) -> &mut String {
        &mut self.out.buf
    }

    /// The buffer as bytes, to write ASCII into without a UTF-8 check per write; give it
    /// back with [`put_bytes`](Self::put_bytes).
    #[inline]
    pub(crate) fn take_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out.buf).into_bytes()
    }

    /// Takes back the buffer of [`take_bytes`](Self::take_bytes), checked once. Signers
    /// write only ASCII into it, so the empty fallback is never taken.
    #[inline]
    pub(crate) fn put_bytes(&mut self, bytes: Vec<u8>) {
        debug_assert!(bytes.is_ascii());
        self.out.buf = String::from_utf8(bytes).unwrap_or_default();
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.out.buf.len()
    }

    /// The text written since `start`.
    #[inline]
    pub(crate) fn since(&self, start: usize) -> Text {
        Text::Span(start..self.out.buf.len())
    }

    #[inline]
    pub(crate) fn str_of(&self, r: &Range<usize>) -> &str {
        self.out.buf.get(r.clone()).unwrap_or_default()
    }

    /// Adds a header. `extend` with a one-element array, not `push`: in a signer's large
    /// `sign`, `push` stays an out-of-line call per element (`Vec::push_mut`, 5.6 % of a
    /// cached TC3 signature in perf), while `extend` of an exact-size iterator inlines to
    /// a capacity check and a store.
    #[inline]
    pub(crate) fn header(&mut self, name: &'static str, value: Text) {
        self.out.headers.extend([(name, value)]);
    }

    /// Adds a query parameter (`extend`, as [`header`](Self::header) says why).
    #[inline]
    pub(crate) fn query_param(&mut self, name: &'static str, value: Text) {
        self.out.query_params.extend([(name, value)]);
    }

    /// Adds query parameters, in order, in one `extend`: entries built one at a time on the
    /// stack are read back with wider loads than their stores, which stalls (V1).
    #[inline]
    pub(crate) fn query_params(&mut self, params: impl IntoIterator<Item = (&'static str, Text)>) {
        self.out.query_params.extend(params);
    }

    #[inline]
    pub(crate) fn set_query_string(&mut self, t: Text) {
        self.out.query_string = t;
    }

    #[inline]
    pub(crate) fn set_body(&mut self, t: Text) {
        self.out.body = Some(t);
    }

    #[inline]
    pub(crate) fn set_signature(&mut self, t: Text) {
        self.out.signature = t;
    }

    #[inline]
    pub(crate) fn set_canonical_request(&mut self, t: Text) {
        self.out.canonical_request = Some(t);
    }

    #[inline]
    pub(crate) fn set_string_to_sign(&mut self, t: Text) {
        self.out.string_to_sign = Some(t);
    }

    #[inline]
    pub(crate) fn finish(self) -> SigningOutput {
        self.out
    }

    /// The output, if its query string fits in a URI ([`check_uri`]).
    #[inline]
    pub(crate) fn finish_for(
        self,
        req: &CanonicalRequest,
        scheme: &'static str,
    ) -> Result<SigningOutput, Error> {
        check_uri(req, self.out.query_string().len(), scheme)?;
        Ok(self.out)
    }
}

/// Refuses a query string that does not fit in a URI that HTTP clients accept with `req`'s
/// host and path: the `http` crate (hyper, reqwest) refuses a URI over 65,534 bytes, and a
/// signature that cannot be sent is refused by `sign()`, not after it.
pub(crate) fn check_uri(
    req: &CanonicalRequest,
    query_len: usize,
    scheme: &'static str,
) -> Result<(), Error> {
    const MAX_URI: usize = u16::MAX as usize - 1;
    let uri = "https://".len() + req.host().len() + req.path().len() + 1;
    if uri + query_len > MAX_URI {
        return Err(Error::UnsupportedQuery {
            scheme,
            reason: "the signed URI would be longer than 65,534 bytes, which HTTP clients \
                     refuse: send the parameters in the body",
        });
    }
    Ok(())
}
