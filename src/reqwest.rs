//! Integration with `reqwest` (feature `reqwest`; `reqwest-blocking` adds the blocking
//! client's request, `reqwest-middleware` a signing middleware that retries can use).
//!
//! [`ReqwestSignerExt::sign_reqwest`] signs a `reqwest::Request` (and, with
//! `reqwest-blocking`, a `reqwest::blocking::Request`) in place.
//!
//! ```
//! use cloudsign::reqwest::ReqwestSignerExt as _;
//! use cloudsign::{alibaba::Acs3Signer, Credentials, SigningContext};
//!
//! let signer = Acs3Signer::builder(Credentials::new("YourAccessKeyId", "YourAccessKeySecret")?)
//!     .action("DescribeRegions")
//!     .version("2014-05-26")
//!     .build()?;
//! let url = reqwest::Url::parse("https://ecs.cn-hangzhou.aliyuncs.com/?AcceptLanguage=zh-CN").unwrap();
//! let mut req = reqwest::Request::new(reqwest::Method::GET, url);
//! signer.sign_reqwest(&mut req, &SigningContext::now())?;
//! assert!(req.headers()["authorization"].to_str().unwrap().starts_with("ACS3-HMAC-SHA256 "));
//! // Then: client.execute(req).await
//! # Ok::<(), cloudsign::Error>(())
//! ```
//!
//! # What the client adds after signing
//!
//! `Client::execute` adds the client's default headers (those given to
//! `ClientBuilder::default_headers` and `user_agent`, and `accept: */*`) to a request
//! that does not have them, after `sign_reqwest` has run; hyper then adds `host` and
//! `content-length`. Those two and `accept` never break a signature: `host` is the URL's,
//! the length is the body's, and no scheme signs an `accept` it did not see (ROA sets its
//! own). A default header that a scheme signs when present does break it: any `x-acs-*`
//! header for ACS3 and ROA (the server requires every one it receives to be signed).
//! Keep the defaults beside the client and put them on each request before signing,
//! with [`merge_default_headers`] or [`SigningMiddleware::default_headers`]:
//!
//! ```
//! use cloudsign::reqwest::{merge_default_headers, ReqwestSignerExt as _};
//! use cloudsign::{alibaba::RoaSigner, Credentials, SigningContext};
//!
//! let mut defaults = reqwest::header::HeaderMap::new();
//! defaults.insert("x-acs-trace-id", "t-1".parse().unwrap());
//! // let client = reqwest::Client::builder().default_headers(defaults.clone()).build()?;
//!
//! let signer = RoaSigner::builder(Credentials::new("id", "secret")?)
//!     .version("2015-12-15")
//!     .build()?;
//! let url = reqwest::Url::parse("https://cs.cn-hangzhou.aliyuncs.com/clusters").unwrap();
//! let mut req = reqwest::Request::new(reqwest::Method::GET, url);
//! merge_default_headers(&mut req, &defaults);
//! signer.sign_reqwest(&mut req, &SigningContext::from_unix(1_700_000_000, "n-1")?)?;
//! assert_eq!(req.headers()["x-acs-trace-id"], "t-1"); // sent as signed
//! # Ok::<(), cloudsign::Error>(())
//! ```
//!
//! # Retries
//!
//! A retry must be signed afresh: the clouds reject a nonce they have seen and a time
//! outside their window, and signing a signed request fails with
//! [`Error::AlreadySigned`]. Sign a fresh copy of the unsigned request with a new
//! [`SigningContext`] per attempt, or let [`SigningMiddleware`] do it.

use ::http::header::Entry;
use ::http::HeaderMap;
use ::reqwest::Url;

use crate::{
    CanonicalRequest, CanonicalRequestBuilder, Error, Signer, SigningContext, SigningOutput,
};

#[cfg(feature = "reqwest-middleware")]
mod middleware;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub use middleware::SigningMiddleware;

/// A request type of reqwest that cloudsign reads and signs: `reqwest::Request`, and with
/// the feature `reqwest-blocking`, `reqwest::blocking::Request`. Sealed.
pub trait ReqwestRequest: sealed::Parts {}

mod sealed {
    use ::http::HeaderMap;
    use ::reqwest::{Method, Url};

    /// The parts of a reqwest request that signing reads and writes.
    pub trait Parts {
        fn method(&self) -> &Method;
        fn url(&self) -> &Url;
        fn url_mut(&mut self) -> &mut Url;
        fn headers(&self) -> &HeaderMap;
        fn headers_mut(&mut self) -> &mut HeaderMap;
        /// `None` without a body, `Some(None)` for a streaming one.
        fn body_bytes(&self) -> Option<Option<&[u8]>>;
        fn set_body(&mut self, body: String);
    }
}

macro_rules! reqwest_request {
    ($ty:ty) => {
        impl sealed::Parts for $ty {
            fn method(&self) -> &::reqwest::Method {
                <$ty>::method(self)
            }
            fn url(&self) -> &Url {
                <$ty>::url(self)
            }
            fn url_mut(&mut self) -> &mut Url {
                <$ty>::url_mut(self)
            }
            fn headers(&self) -> &HeaderMap {
                <$ty>::headers(self)
            }
            fn headers_mut(&mut self) -> &mut HeaderMap {
                <$ty>::headers_mut(self)
            }
            fn body_bytes(&self) -> Option<Option<&[u8]>> {
                <$ty>::body(self).map(|body| body.as_bytes())
            }
            fn set_body(&mut self, body: String) {
                *<$ty>::body_mut(self) = Some(body.into());
            }
        }
        impl ReqwestRequest for $ty {}
    };
}

reqwest_request!(::reqwest::Request);
#[cfg(feature = "reqwest-blocking")]
reqwest_request!(::reqwest::blocking::Request);

impl CanonicalRequest {
    /// The request to sign from a `reqwest::Request` (or, with `reqwest-blocking`, a
    /// `reqwest::blocking::Request`).
    ///
    /// The host is the URL's host with its port when the URL names one; the query is
    /// decoded as in [`CanonicalRequest::from_http`]. A streaming body cannot be signed.
    ///
    /// # Errors
    /// [`Error::MissingHost`] for a URL without host, [`Error::UnsupportedBody`] for a
    /// streaming body, [`Error::HeaderValueNotText`], [`Error::InvalidUri`] and whatever
    /// [`CanonicalRequestBuilder::build`] refuses.
    pub fn from_reqwest<R: ReqwestRequest>(req: &R) -> Result<Self, Error> {
        builder(req)?.build()
    }
}

/// Method, host, path, query, headers and body of a reqwest request.
fn builder<R: ReqwestRequest>(req: &R) -> Result<CanonicalRequestBuilder, Error> {
    let url = req.url();
    let host = url.host_str().ok_or(Error::MissingHost)?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let mut b = CanonicalRequest::builder()
        .method(req.method().as_str())
        .host(host)
        .path(url.path())
        .queries(crate::http::decode_query(url.query().unwrap_or(""))?);
    for (name, value) in req.headers() {
        let value =
            std::str::from_utf8(value.as_bytes()).map_err(|_| Error::HeaderValueNotText {
                name: name.as_str().to_owned(),
            })?;
        b = b.header(name.as_str(), value);
    }
    let body = req
        .body_bytes()
        .unwrap_or(Some(&[]))
        .ok_or(Error::UnsupportedBody {
            scheme: "reqwest",
            reason: "a streaming body cannot be signed: give the bytes",
        })?;
    Ok(b.body(body))
}

/// The API operation (and version) of one request, in place of the signer's: what
/// [`CanonicalRequestBuilder::action`] and [`api_version`](CanonicalRequestBuilder::api_version)
/// set, for [`ReqwestSignerExt::sign_reqwest_as`] and, as a request extension, for
/// `SigningMiddleware` (`RequestBuilder::with_extension(Operation::new(..))`).
///
/// ```
/// use cloudsign::reqwest::{Operation, ReqwestSignerExt as _};
/// use cloudsign::{alibaba::Acs3Signer, Credentials, SigningContext};
///
/// // One signer for the service; each request names its operation.
/// let ecs = Acs3Signer::builder(Credentials::new("id", "secret")?)
///     .action("DescribeRegions")
///     .version("2014-05-26")
///     .build()?;
/// let url = reqwest::Url::parse("https://ecs.cn-hangzhou.aliyuncs.com/?RegionId=cn-hangzhou").unwrap();
/// let mut req = reqwest::Request::new(reqwest::Method::GET, url);
/// ecs.sign_reqwest_as(&mut req, &Operation::new("DescribeInstances"), &SigningContext::now())?;
/// assert_eq!(req.headers()["x-acs-action"], "DescribeInstances");
/// assert_eq!(req.headers()["x-acs-version"], "2014-05-26");
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    action: String,
    version: Option<String>,
}

impl Operation {
    /// The operation `action`, at the signer's version.
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            version: None,
        }
    }

    /// The API version as well.
    #[must_use]
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The operation's name.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// Its version, when it names one.
    pub fn api_version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    fn apply(&self, b: CanonicalRequestBuilder) -> CanonicalRequestBuilder {
        let b = b.action(self.action.as_str());
        match &self.version {
            Some(v) => b.api_version(v.as_str()),
            None => b,
        }
    }
}

impl SigningOutput {
    /// Adds this output to `req`, as [`apply_to_http`](Self::apply_to_http) does for an
    /// `http::Request`. On error `req` is unchanged.
    ///
    /// # Errors
    /// Never for output of this crate's signers; [`Error::InvalidHeaderValue`] otherwise.
    pub fn apply_to_reqwest<R: ReqwestRequest>(&self, req: &mut R) -> Result<(), Error> {
        let headers = crate::http::header_values(self)?;
        for (name, value) in headers {
            req.headers_mut().insert(name, value);
        }
        match self.query_string() {
            "" => {}
            q => req.url_mut().set_query(Some(q)),
        }
        if let Some(body) = self.body() {
            req.set_body(body.to_owned());
        }
        Ok(())
    }
}

/// Adds each of a client's `defaults` that `req` does not have, as `Client::execute`
/// does, so that they are signed as they are sent. A name with several default values
/// adds only its first, as reqwest does.
///
/// ```
/// let mut defaults = reqwest::header::HeaderMap::new();
/// defaults.insert("x-acs-trace-id", "from-client".parse().unwrap());
/// defaults.insert("user-agent", "app/1".parse().unwrap());
/// let url = reqwest::Url::parse("https://ecs.aliyuncs.com/").unwrap();
/// let mut req = reqwest::Request::new(reqwest::Method::GET, url);
/// req.headers_mut().insert("user-agent", "request/2".parse().unwrap());
/// cloudsign::reqwest::merge_default_headers(&mut req, &defaults);
/// assert_eq!(req.headers()["x-acs-trace-id"], "from-client");
/// assert_eq!(req.headers()["user-agent"], "request/2"); // the request's own wins
/// ```
pub fn merge_default_headers<R: ReqwestRequest>(req: &mut R, defaults: &HeaderMap) {
    let headers = req.headers_mut();
    for (name, value) in defaults {
        if let Entry::Vacant(slot) = headers.entry(name) {
            slot.insert(value.clone());
        }
    }
}

/// `sign_reqwest` for every [`Signer`].
pub trait ReqwestSignerExt: Signer {
    /// Signs `req` (a `reqwest::Request`, or with `reqwest-blocking` a
    /// `reqwest::blocking::Request`) in place and returns the output (for its stages).
    /// On error `req` is unchanged.
    ///
    /// The client's default headers are added after this runs: see
    /// [the module docs](self#what-the-client-adds-after-signing).
    ///
    /// # Errors
    /// Those of [`CanonicalRequest::from_reqwest`] and [`Signer::sign`];
    /// [`Error::AlreadySigned`] for a request signed before.
    fn sign_reqwest<R: ReqwestRequest>(
        &self,
        req: &mut R,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error> {
        sign(self, builder(req)?, req, ctx)
    }

    /// As [`sign_reqwest`](Self::sign_reqwest), for the API operation `op` in place of
    /// the signer's (the signer and its precomputed state are shared, not rebuilt).
    ///
    /// # Errors
    /// Those of [`sign_reqwest`](Self::sign_reqwest); [`Error::InvalidSetting`] for an
    /// action or version that is empty or not header text;
    /// [`Error::UnsupportedApiSetting`] for a scheme without operations (Huawei).
    fn sign_reqwest_as<R: ReqwestRequest>(
        &self,
        req: &mut R,
        op: &Operation,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error> {
        sign(self, op.apply(builder(req)?), req, ctx)
    }
}

fn sign<S: Signer + ?Sized, R: ReqwestRequest>(
    signer: &S,
    canonical: CanonicalRequestBuilder,
    req: &mut R,
    ctx: &SigningContext,
) -> Result<SigningOutput, Error> {
    let out = signer.sign(&canonical.build()?, ctx)?;
    out.apply_to_reqwest(req)?;
    Ok(out)
}

impl<S: Signer + ?Sized> ReqwestSignerExt for S {}
