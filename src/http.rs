//! Integration with the `http` crate (feature `http`).
//!
//! - [`CanonicalRequest::from_http`] and [`CanonicalRequest::from_http_parts`] read an
//!   `http::Request` (method, authority or `Host` header, path, query, headers, body).
//! - [`SigningOutput::apply_to_http`] adds what a signer returned: its headers (those that
//!   carry a signature or credential marked [sensitive](::http::HeaderValue::set_sensitive)),
//!   its query string, and for Tencent V1 `POST` its form body.
//! - [`HttpSignerExt::sign_http`] does both in one call, for any [`Signer`].
//!
//! ```
//! use cloudsign::http::HttpSignerExt as _;
//! use cloudsign::{tencent::Tc3Signer, Credentials, SigningContext};
//!
//! let signer = Tc3Signer::builder(Credentials::new("AKIDEXAMPLE", "secret")?, "cvm")
//!     .action("DescribeRegions")
//!     .version("2017-03-12")
//!     .build()?;
//! let mut req = http::Request::post("https://cvm.tencentcloudapi.com/")
//!     .header("content-type", "application/json")
//!     .body(b"{}".to_vec())
//!     .unwrap();
//! signer.sign_http(&mut req, &SigningContext::from_unix(1_700_000_000, "")?)?;
//! assert!(req.headers()["authorization"].is_sensitive());
//! assert_eq!(req.headers()["x-tc-action"], "DescribeRegions");
//! # Ok::<(), cloudsign::Error>(())
//! ```

use ::http::header::{HeaderName, HeaderValue};
use ::http::request::Parts;
use ::http::{HeaderMap, Request, Uri};

use crate::encoding::form_decode;
use crate::{
    CanonicalRequest, CanonicalRequestBuilder, Error, Signer, SigningContext, SigningOutput,
};

impl CanonicalRequest {
    /// The request to sign from an `http::Request` whose body is in memory.
    ///
    /// The host is the URI's authority (`host[:port]`, without user info) or, for a URI
    /// without one (origin form, as a server receives it), the `Host` header. The query is
    /// decoded as `application/x-www-form-urlencoded` (`+` is a space; write a plus sign as
    /// `%2B`).
    ///
    /// # Errors
    /// [`Error::MissingHost`] with neither authority nor `Host` header,
    /// [`Error::HeaderValueNotText`] for a header value that is not UTF-8,
    /// [`Error::InvalidUri`] for a query that does not decode to UTF-8, and whatever
    /// [`CanonicalRequestBuilder::build`] refuses.
    ///
    /// ```
    /// let req = http::Request::get("https://ecs.aliyuncs.com/?RegionId=cn-hangzhou&Name=a+b")
    ///     .body(Vec::new())
    ///     .unwrap();
    /// let c = cloudsign::CanonicalRequest::from_http(&req)?;
    /// assert_eq!(c.host(), "ecs.aliyuncs.com");
    /// assert_eq!(c.query()[1], ("Name".to_owned(), "a b".to_owned()));
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    pub fn from_http<B: AsRef<[u8]>>(req: &Request<B>) -> Result<Self, Error> {
        builder(req.method().as_str(), req.uri(), req.headers())?
            .body(req.body().as_ref())
            .build()
    }

    /// The request to sign from `http::request::Parts` and the body bytes, as
    /// [`from_http`](Self::from_http).
    ///
    /// # Errors
    /// As [`from_http`](Self::from_http).
    pub fn from_http_parts(parts: &Parts, body: &[u8]) -> Result<Self, Error> {
        builder(parts.method.as_str(), &parts.uri, &parts.headers)?
            .body(body)
            .build()
    }
}

/// Method, host, path, query and headers of an HTTP request (not the body).
pub(crate) fn builder(
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<CanonicalRequestBuilder, Error> {
    let host = match uri.authority() {
        // The authority as it is sent (`Host` is written from it), without user info; not
        // rebuilt from `host()` and `port()`, which drop a port they cannot parse.
        Some(a) => {
            let a = a.as_str();
            a.rsplit_once('@').map_or(a, |(_, host)| host).to_owned()
        }
        None => headers
            .get(::http::header::HOST)
            .ok_or(Error::MissingHost)?
            .to_str()
            .map_err(|_| Error::HeaderValueNotText {
                name: "host".to_owned(),
            })?
            .trim()
            .to_owned(),
    };
    let mut b = CanonicalRequest::builder()
        .method(method)
        .host(host)
        .path(uri.path())
        .queries(decode_query(uri.query().unwrap_or(""))?);
    for (name, value) in headers {
        let value =
            std::str::from_utf8(value.as_bytes()).map_err(|_| Error::HeaderValueNotText {
                name: name.as_str().to_owned(),
            })?;
        b = b.header(name.as_str(), value);
    }
    Ok(b)
}

/// `a=1&b=x+y` into decoded pairs.
pub(crate) fn decode_query(query: &str) -> Result<Vec<(String, String)>, Error> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (form_decode(k), form_decode(v)) {
                (Some(k), Some(v)) => Ok((k, v)),
                _ => Err(Error::InvalidUri {
                    reason: "a query parameter does not decode to UTF-8",
                }),
            }
        })
        .collect()
}

/// The headers of `out` as `http` values, sensitive where they carry a secret.
pub(crate) fn header_values(out: &SigningOutput) -> Result<Vec<(HeaderName, HeaderValue)>, Error> {
    out.headers()
        .map(|(name, value)| {
            let n =
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::InvalidHeaderName {
                    name: name.to_owned(),
                })?;
            let mut v = HeaderValue::from_str(value).map_err(|_| Error::InvalidHeaderValue {
                name: name.to_owned(),
            })?;
            v.set_sensitive(out.is_sensitive(name));
            Ok((n, v))
        })
        .collect()
}

/// `uri` with its query replaced by `query`.
fn with_query(uri: &Uri, query: &str) -> Result<Uri, Error> {
    let mut parts = uri.clone().into_parts();
    let path_and_query = format!("{}?{query}", uri.path());
    parts.path_and_query = Some(path_and_query.parse().map_err(|_| Error::InvalidUri {
        reason: "the signed query string does not fit in a URI",
    })?);
    Uri::from_parts(parts).map_err(|_| Error::InvalidUri {
        reason: "the signed query string does not fit in a URI",
    })
}

impl SigningOutput {
    /// Adds this output to `req`: every header (replacing one of the same name), the query
    /// string when the signer wrote one (replacing the URI's query), and the body when the
    /// signer wrote one (Tencent V1 `POST`). Checks everything first: on error `req` is
    /// unchanged.
    ///
    /// # Errors
    /// [`Error::InvalidUri`] if the query does not fit in the URI (it always does for
    /// output of this crate's signers).
    pub fn apply_to_http<B: From<String>>(&self, req: &mut Request<B>) -> Result<(), Error> {
        let headers = header_values(self)?;
        let uri = match self.query_string() {
            "" => None,
            q => Some(with_query(req.uri(), q)?),
        };
        for (name, value) in headers {
            req.headers_mut().insert(name, value);
        }
        if let Some(uri) = uri {
            *req.uri_mut() = uri;
        }
        if let Some(body) = self.body() {
            *req.body_mut() = B::from(body.to_owned());
        }
        Ok(())
    }
}

/// `sign_http` for every [`Signer`].
pub trait HttpSignerExt: Signer {
    /// Signs `req` in place and returns the output (for its stages). On error `req` is
    /// unchanged.
    ///
    /// # Errors
    /// Those of [`CanonicalRequest::from_http`], [`Signer::sign`] and
    /// [`SigningOutput::apply_to_http`].
    fn sign_http<B>(
        &self,
        req: &mut Request<B>,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error>
    where
        B: AsRef<[u8]> + From<String>,
    {
        let canonical = CanonicalRequest::from_http(req)?;
        let out = self.sign(&canonical, ctx)?;
        out.apply_to_http(req)?;
        Ok(out)
    }
}

impl<S: Signer + ?Sized> HttpSignerExt for S {}
