//! The neutral request every signer consumes.

use crate::encoding::{form_decode, is_sha256_hex, sha256_hex, Hex64, EMPTY_SHA256_HEX};
use std::fmt;
use std::sync::Arc;

use crate::text::check_setting;
use crate::Error;

/// What of the body a signer sees.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payload {
    /// The exact bytes that will be sent (empty for no body).
    Bytes(Vec<u8>),
    /// The lowercase-hex SHA-256 of the body, computed elsewhere (e.g. while streaming).
    Sha256Hex(String),
    /// The body is not signed (Tencent `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`). Schemes that
    /// cannot leave the body unsigned refuse it.
    Unsigned,
}

impl Payload {
    /// The lowercase-hex SHA-256 of the body, or `None` for [`Payload::Unsigned`].
    pub fn sha256_hex(&self) -> Option<Hex64> {
        let mut slot = None;
        self.sha256_hex_in(&mut slot).and_then(Hex64::from_hex)
    }

    /// The same digits as [`sha256_hex`](Self::sha256_hex), as text: an empty body's are a
    /// constant and a given hash is taken as it is; only a body's own hash is computed,
    /// into `slot`. A reference, not a moved `Hex64`: signers keep the 65-byte
    /// `Option<Hex64>` out of their stack frames, where it was copied in unaligned
    /// pieces that stall on store forwarding.
    #[inline]
    pub(crate) fn sha256_hex_in<'a>(&'a self, slot: &'a mut Option<Hex64>) -> Option<&'a str> {
        match self {
            Payload::Bytes(b) if b.is_empty() => Some(EMPTY_SHA256_HEX),
            Payload::Bytes(b) => Some(slot.insert(sha256_hex(b)).as_str()),
            // The builder, the only way into a request, refuses anything but 64 lowercase
            // hex digits: not checked again on every signature. (`sha256_hex` checks.)
            Payload::Sha256Hex(h) => Some(h.as_str()),
            Payload::Unsigned => None,
        }
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Payload::Sha256Hex(h) => f.debug_tuple("Sha256Hex").field(h).finish(),
            Payload::Unsigned => f.write_str("Unsigned"),
        }
    }
}

/// An HTTP request as the signers see it: method, host, the path exactly as it will be sent,
/// ordered query parameters (decoded; each signer encodes them as its scheme requires),
/// ordered headers (names case-insensitive, repeats allowed) and the payload.
///
/// Build one with [`CanonicalRequest::builder`]; `build()` validates everything, so a
/// `CanonicalRequest` is always well-formed.
///
/// ```
/// use cloudsign::CanonicalRequest;
///
/// let req = CanonicalRequest::builder()
///     .method("POST")
///     .host("cvm.tencentcloudapi.com")
///     .header("Content-Type", "application/json")
///     .body(r#"{"Limit":1}"#)
///     .build()?;
/// assert_eq!(req.path(), "/");
/// assert_eq!(req.header("content-type"), Some("application/json"));
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    method: String,
    host: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    payload: Payload,
    action: Option<Arc<str>>,
    api_version: Option<Arc<str>>,
}

/// Every field but the body, whose length is shown instead; the values of headers and
/// parameters that carry a signature or a credential (`Authorization`, `X-WSSE`, token
/// headers, `Signature`, `SecurityToken`, `Token`) read `<redacted>`, since a request read
/// on a server carries them.
impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Pairs<'a>(&'a [(String, String)], fn(&str) -> bool);
        impl fmt::Debug for Pairs<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut l = f.debug_list();
                for (n, v) in self.0 {
                    match (self.1)(n) {
                        true => l.entry(&(n, crate::redact::HIDDEN)),
                        false => l.entry(&(n, v)),
                    };
                }
                l.finish()
            }
        }
        let payload = match &self.payload {
            Payload::Bytes(b) => format!("{} bytes", b.len()),
            Payload::Sha256Hex(h) => format!("SHA-256 {h}"),
            Payload::Unsigned => "unsigned".to_owned(),
        };
        f.debug_struct("CanonicalRequest")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("path", &self.path)
            .field(
                "query",
                &Pairs(&self.query, crate::redact::is_sensitive_param),
            )
            .field(
                "headers",
                &Pairs(&self.headers, crate::redact::is_sensitive_header),
            )
            .field("payload", &format_args!("{payload}"))
            .field("action", &self.action)
            .field("api_version", &self.api_version)
            .finish()
    }
}

impl CanonicalRequest {
    /// A builder with method `GET`, path `/`, no query, no headers and an empty body.
    pub fn builder() -> CanonicalRequestBuilder {
        CanonicalRequestBuilder::default()
    }

    /// The method, as given (`GET`, `POST`, ...).
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The host, with the port if one was given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The path, exactly as it will be sent (already percent-encoded).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, decoded, in order.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The headers, in order, names as given. A `Host` header is never listed here: the
    /// host is [`host()`](Self::host).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The API operation of this request, if it names one (see
    /// [`CanonicalRequestBuilder::action`]).
    pub fn action(&self) -> Option<&str> {
        self.action.as_deref()
    }

    /// The API version of this request, if it names one (see
    /// [`CanonicalRequestBuilder::api_version`]).
    pub fn api_version(&self) -> Option<&str> {
        self.api_version.as_deref()
    }

    pub(crate) fn action_shared(&self) -> Option<&Arc<str>> {
        self.action.as_ref()
    }

    pub(crate) fn api_version_shared(&self) -> Option<&Arc<str>> {
        self.api_version.as_ref()
    }

    /// The payload.
    pub fn payload(&self) -> &Payload {
        &self.payload
    }

    /// The body bytes, if the payload is [`Payload::Bytes`].
    pub fn body(&self) -> Option<&[u8]> {
        match &self.payload {
            Payload::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// True when the payload is known to be empty.
    /// The query as borrowed pairs, for sorting without copying.
    pub(crate) fn query_pairs(&self) -> Vec<(&str, &str)> {
        self.query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    pub(crate) fn has_empty_body(&self) -> bool {
        matches!(&self.payload, Payload::Bytes(b) if b.is_empty())
    }
}

/// Builds a [`CanonicalRequest`]; every check is deferred to [`build`](Self::build).
#[derive(Clone, Debug)]
pub struct CanonicalRequestBuilder {
    method: String,
    host: Option<String>,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    payload: Payload,
    action: Option<String>,
    api_version: Option<String>,
}

impl Default for CanonicalRequestBuilder {
    fn default() -> Self {
        CanonicalRequestBuilder {
            method: "GET".to_owned(),
            host: None,
            path: "/".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            payload: Payload::Bytes(Vec::new()),
            action: None,
            api_version: None,
        }
    }
}

impl CanonicalRequestBuilder {
    /// The method (default `GET`).
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// The host, optionally with `:port` (required).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// The path exactly as it will be sent, percent-encoded where needed (default `/`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Appends one query parameter (decoded text; the signer encodes it).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Appends query parameters.
    pub fn queries<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.query
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Appends one header. Repeated names are kept; names are compared case-insensitively.
    /// The value's edge spaces and tabs are dropped at [`build`](Self::build), as every
    /// HTTP/1.1 parser drops them: what is signed is what a server reads.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends headers.
    pub fn headers<I, K, V>(mut self, pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.headers
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The API operation of this request (`x-acs-action`, `Action`, `X-TC-Action`), in
    /// place of the signer's: one signer, built once per service, signs every operation of
    /// it, and shares its precomputed state (the TC3 key cache among it).
    ///
    /// Alibaba and Tencent signers honour it; the Huawei signers, whose schemes have no
    /// operation name, refuse a request that sets it with [`Error::UnsupportedApiSetting`].
    /// [`build`](Self::build) checks it as the signers' builders check theirs.
    ///
    /// ```
    /// use cloudsign::{alibaba::Acs3Signer, CanonicalRequest, Credentials, Signer, SigningContext};
    ///
    /// let ecs = Acs3Signer::builder(Credentials::new("id", "secret")?)
    ///     .action("DescribeRegions")
    ///     .version("2014-05-26")
    ///     .build()?;
    /// let req = CanonicalRequest::builder()
    ///     .host("ecs.cn-hangzhou.aliyuncs.com")
    ///     .action("DescribeInstances")
    ///     .query("RegionId", "cn-hangzhou")
    ///     .build()?;
    /// let out = ecs.sign(&req, &SigningContext::now())?;
    /// assert_eq!(out.header("x-acs-action"), Some("DescribeInstances"));
    /// assert_eq!(out.header("x-acs-version"), Some("2014-05-26"));
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    pub fn action(mut self, action: impl Into<String>) -> Self {
        self.action = Some(action.into());
        self
    }

    /// The API version of this request (`x-acs-version`, `Version`, `X-TC-Version`), in
    /// place of the signer's; as [`action`](Self::action).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The body bytes, exactly as they will be sent.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.payload = Payload::Bytes(body.into());
        self
    }

    /// The body's SHA-256 as 64 lowercase hex digits, when the body itself is not at hand.
    pub fn payload_sha256_hex(mut self, hex: impl Into<String>) -> Self {
        let hex = hex.into();
        self.payload = Payload::Sha256Hex(hex);
        self
    }

    /// Leaves the body unsigned, for schemes that allow it.
    pub fn unsigned_payload(mut self) -> Self {
        self.payload = Payload::Unsigned;
        self
    }

    /// Validates and builds.
    ///
    /// # Errors
    /// [`Error::InvalidMethod`], [`Error::MissingHost`], [`Error::InvalidHost`],
    /// [`Error::InvalidPath`], [`Error::InvalidHeaderName`], [`Error::InvalidHeaderValue`],
    /// [`Error::HostMismatch`] (a `Host` header that differs from the host),
    /// [`Error::DuplicateHeader`] (a second `Host` header) or [`Error::InvalidPayloadHash`].
    pub fn build(self) -> Result<CanonicalRequest, Error> {
        if self.method.is_empty() || !self.method.bytes().all(is_tchar) {
            return Err(Error::InvalidMethod {
                method: self.method,
            });
        }
        let mut host = self.host.ok_or(Error::MissingHost)?;
        validate_host(&host)?;
        validate_path(&self.path)?;
        let mut headers = Vec::with_capacity(self.headers.len());
        let mut host_header = false;
        for (name, value) in self.headers {
            if name.is_empty() || !name.bytes().all(is_tchar) {
                return Err(Error::InvalidHeaderName { name });
            }
            if !is_valid_header_value(&value) {
                return Err(Error::InvalidHeaderValue { name });
            }
            // What a server reads: HTTP/1.1 parsers drop a value's edge spaces and tabs.
            let value = match value.trim_matches([' ', '\t']) {
                trimmed if trimmed.len() == value.len() => value,
                trimmed => trimmed.to_owned(),
            };
            if name.eq_ignore_ascii_case("host") {
                // A server refuses a second one (RFC 9112 §3.2), or reads either.
                if std::mem::replace(&mut host_header, true) {
                    return Err(Error::DuplicateHeader {
                        scheme: "HTTP",
                        name,
                    });
                }
                if !value.eq_ignore_ascii_case(&host) {
                    return Err(Error::HostMismatch {
                        host,
                        header: without_userinfo(&value),
                    });
                }
                // The header is what is sent, so its spelling is the one signed.
                host = value;
                continue;
            }
            headers.push((name, value));
        }
        // The payload set last is the one checked (a bad hash replaced by a body is fine).
        if matches!(&self.payload, Payload::Sha256Hex(h) if !is_sha256_hex(h)) {
            return Err(Error::InvalidPayloadHash);
        }
        let api = |field, value: Option<String>| -> Result<Option<Arc<str>>, Error> {
            value
                .map(|v| check_setting(field, &v).map(|()| Arc::from(v)))
                .transpose()
        };
        Ok(CanonicalRequest {
            method: self.method,
            host,
            path: self.path,
            query: self.query,
            headers,
            payload: self.payload,
            action: api("action", self.action)?,
            api_version: api("api_version", self.api_version)?,
        })
    }
}

/// The decoded parameters of an `application/x-www-form-urlencoded` `POST` body (empty for
/// no body), for schemes that sign them.
#[inline]
pub(crate) fn form_params(
    req: &CanonicalRequest,
    scheme: &'static str,
) -> Result<Vec<(String, String)>, Error> {
    // Inlined, the common case (no body) returns its empty list in registers rather than
    // through memory that the caller reads back at once (a store-forwarding stall).
    if matches!(req.payload(), Payload::Bytes(b) if b.is_empty()) {
        return Ok(Vec::new());
    }
    decode_form(req, scheme)
}

fn decode_form(
    req: &CanonicalRequest,
    scheme: &'static str,
) -> Result<Vec<(String, String)>, Error> {
    let body = match req.payload() {
        Payload::Bytes(b) if b.is_empty() => return Ok(Vec::new()),
        Payload::Bytes(b) => b,
        _ => {
            return Err(Error::UnsupportedBody {
                scheme,
                reason: "the form body's parameters are signed: give the body bytes",
            })
        }
    };
    if req.method() != "POST" {
        return Err(Error::UnsupportedBody {
            scheme,
            reason: "only a POST request carries a form body",
        });
    }
    // Which of two the server reads is not defined (verifiers refuse the request).
    let mut types = req
        .headers()
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if types.nth(1).is_some() {
        return Err(Error::UnsupportedBody {
            scheme,
            reason: "a form body's Content-Type came twice",
        });
    }
    let is_form = req.header("content-type").is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if !is_form {
        return Err(Error::UnsupportedBody {
            scheme,
            reason: "a body must be application/x-www-form-urlencoded (and say so in Content-Type)",
        });
    }
    let text = std::str::from_utf8(body).map_err(|_| Error::UnsupportedBody {
        scheme,
        reason: "the form body is not UTF-8",
    })?;
    if let Err(reason) = strict_form(text) {
        return Err(Error::UnsupportedBody { scheme, reason });
    }
    let mut params = Vec::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (form_decode(k), form_decode(v)) else {
            return Err(Error::UnsupportedBody {
                scheme,
                reason: "a form parameter does not decode to UTF-8",
            });
        };
        params.push((k, v));
    }
    Ok(params)
}

/// A form body as clients encode it, which the verifiers read one way only: visible ASCII
/// (a space is `+`, other bytes `%XX`), `%` before two hex digits, `=` in every piece.
/// Parsers read the other forms differently (a piece without `=` is dropped by some, an
/// empty value for others), so the signature could be of another request.
fn strict_form(text: &str) -> Result<(), &'static str> {
    let b = text.as_bytes();
    if !b.iter().all(|c| (0x21..0x7f).contains(c)) {
        return Err("a form body byte is not visible ASCII: percent-encode it (a space is +)");
    }
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    let bad_escape = |(i, c): (usize, &u8)| *c == b'%' && !(hex(i + 1) && hex(i + 2));
    if b.iter().enumerate().any(bad_escape) {
        return Err("a form body '%' is not followed by two hex digits");
    }
    if text.split('&').any(|p| !p.is_empty() && !p.contains('=')) {
        return Err("a form body parameter has no '=' (write name= for an empty value)");
    }
    Ok(())
}

/// RFC 9110 §5.6.2 `tchar`.
pub(crate) fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A value that reaches a server as it was signed: visible ASCII with inner spaces or tabs
/// only. HTTP/1.1 parsers drop a value's edge whitespace, and many servers read bytes
/// beyond ASCII as ISO-8859-1, so those are refused where the signer writes the value.
pub(crate) fn is_wire_text(v: &str) -> bool {
    !v.is_empty()
        && v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        && v.trim_matches([' ', '\t']) == v
}

/// No control characters except HTAB (RFC 9110 §5.5: CR, LF and NUL are never allowed; the
/// other controls are rejected as the `http` crate does).
pub(crate) fn is_valid_header_value(v: &str) -> bool {
    v.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// `host[:port]` as it goes on the wire, byte for byte: a DNS name or IPv4 address
/// (letters, digits, `-`, `.`, `_`, `~`) or a bracketed IPv6 address, and a port of 1-5
/// digits up to 65535. Everything else (user info, percent-encoding, an empty port) is
/// refused, since clients and servers do not all read it the same way.
fn validate_host(host: &str) -> Result<(), Error> {
    match host_problem(host) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidHost {
            host: without_userinfo(host),
            reason,
        }),
    }
}

fn host_problem(host: &str) -> Option<&'static str> {
    if host.is_empty() {
        return Some("empty");
    }
    if host.contains('@') {
        return Some("user info (`user:password@`) is never signed or sent: leave it out");
    }
    let (name, port) = match host.strip_prefix('[') {
        Some(v6) => {
            let Some((addr, rest)) = v6.split_once(']') else {
                return Some("an IPv6 literal is [address]");
            };
            if addr.is_empty()
                || !addr
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b":.".contains(&b))
            {
                return Some("an IPv6 literal holds hex digits, ':' and '.' only");
            }
            match rest {
                "" => ("v6", None),
                _ => match rest.strip_prefix(':') {
                    Some(port) => ("v6", Some(port)),
                    None => return Some("after an IPv6 literal comes :port or nothing"),
                },
            }
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let name_ok = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    if name.is_empty() || !name.bytes().all(name_ok) {
        return Some(
            "a host name holds letters, digits, '-', '.', '_' and '~' only (IDNA for others)",
        );
    }
    match port {
        Some(p) if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) => {
            Some("the port is 1 to 5 digits")
        }
        Some(p) if p.parse::<u32>().map_or(true, |n| n > 65535) => {
            Some("the port is at most 65535")
        }
        _ => None,
    }
}

/// `host` as an error may show it: never the user info (it can hold a password).
pub(crate) fn without_userinfo(host: &str) -> String {
    match host.rsplit_once('@') {
        Some((_, rest)) => format!("<user info removed>@{rest}"),
        None => host.to_owned(),
    }
}

/// RFC 3986 `pchar` and `/`: what every client sends and every server reads unchanged.
fn is_path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b)
}

fn percent_escapes_complete(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

fn validate_path(path: &str) -> Result<(), Error> {
    let reason = if !path.starts_with('/') {
        Some("must start with '/'")
    } else if !path.bytes().all(is_path_char) {
        Some("must be RFC 3986 path characters (letters, digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / and %XX); percent-encode the rest")
    } else if !percent_escapes_complete(path) {
        Some("a '%' must start a %XX escape")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidPath {
            path: path.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let r = CanonicalRequest::builder()
            .host("a.example")
            .build()
            .unwrap();
        assert_eq!(
            (r.method(), r.path(), r.body()),
            ("GET", "/", Some(&b""[..]))
        );
        assert!(r.has_empty_body());
    }

    #[test]
    fn a_second_host_header_is_refused() {
        let e = CanonicalRequest::builder()
            .host("a.example")
            .header("Host", "A.example")
            .header("host", "a.example")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::DuplicateHeader { .. }), "{e}");
    }

    #[test]
    fn form_bodies_are_read_one_way_only() {
        let form = |body: &str, types: usize| {
            let mut b = CanonicalRequest::builder().method("POST").host("a.example");
            for _ in 0..types {
                b = b.header("Content-Type", "application/x-www-form-urlencoded");
            }
            form_params(&b.body(body).build().unwrap(), "RPC")
        };
        let ok = form("a=1&b+c=%E4%B8%AD&&e=", 1).unwrap();
        assert_eq!(ok.len(), 3);
        for bad in ["a", "a=1&b", "a=b c", "a=\u{e9}", "a=%2", "a=%zz"] {
            let e = form(bad, 1).unwrap_err();
            assert!(matches!(e, Error::UnsupportedBody { .. }), "{bad}: {e}");
        }
        assert!(form("a=1", 2).is_err());
    }

    #[test]
    fn host_header_is_folded_into_host() {
        let r = CanonicalRequest::builder()
            .host("a.example")
            .header("Host", "A.example")
            .build()
            .unwrap();
        assert!(r.headers().is_empty());
        let e = CanonicalRequest::builder()
            .host("a.example")
            .header("host", "b.example")
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::HostMismatch { .. }));
    }

    #[test]
    fn payload_hash_is_checked() {
        let e = CanonicalRequest::builder()
            .host("a")
            .payload_sha256_hex("ABC")
            .build()
            .unwrap_err();
        assert_eq!(e, Error::InvalidPayloadHash);
        let h = sha256_hex(b"x");
        let r = CanonicalRequest::builder()
            .host("a")
            .payload_sha256_hex(h.as_str())
            .build()
            .unwrap();
        assert_eq!(r.payload().sha256_hex(), Some(h));
        // Only the payload set last counts.
        let r = CanonicalRequest::builder()
            .host("a")
            .payload_sha256_hex("ABC")
            .body(b"x".to_vec())
            .build()
            .unwrap();
        assert_eq!(r.body(), Some(&b"x"[..]));
        let e = CanonicalRequest::builder()
            .host("a")
            .body(b"x".to_vec())
            .payload_sha256_hex("ABC")
            .build()
            .unwrap_err();
        assert_eq!(e, Error::InvalidPayloadHash);
    }
}
