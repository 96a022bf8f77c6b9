//! Integration with `reqwest` (feature `reqwest`): sign a `reqwest::Request`,
//! which the async and the blocking clients share, in one call.
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

use crate::{CanonicalRequest, Error, Signer, SigningContext, SigningOutput};

impl CanonicalRequest {
    /// The request to sign from a `reqwest::Request`.
    ///
    /// The host is the URL's host with its port when the URL names one; the query is
    /// decoded as in [`CanonicalRequest::from_http`]. A streaming body cannot be signed.
    ///
    /// # Errors
    /// [`Error::MissingHost`] for a URL without host, [`Error::UnsupportedBody`] for a
    /// streaming body, [`Error::HeaderValueNotText`], [`Error::InvalidUri`] and whatever
    /// [`CanonicalRequestBuilder::build`](crate::CanonicalRequestBuilder::build) refuses.
    pub fn from_reqwest(req: &::reqwest::Request) -> Result<Self, Error> {
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
        let body = match req.body() {
            None => &[][..],
            Some(body) => body.as_bytes().ok_or(Error::UnsupportedBody {
                scheme: "reqwest",
                reason: "a streaming body cannot be signed: give the bytes",
            })?,
        };
        b.body(body).build()
    }
}

impl SigningOutput {
    /// Adds this output to `req`, as [`apply_to_http`](Self::apply_to_http) does for an
    /// `http::Request`. On error `req` is unchanged.
    ///
    /// # Errors
    /// Never for output of this crate's signers; [`Error::InvalidHeaderValue`] otherwise.
    pub fn apply_to_reqwest(&self, req: &mut ::reqwest::Request) -> Result<(), Error> {
        let headers = crate::http::header_values(self)?;
        for (name, value) in headers {
            req.headers_mut().insert(name, value);
        }
        match self.query_string() {
            "" => {}
            q => req.url_mut().set_query(Some(q)),
        }
        if let Some(body) = self.body() {
            *req.body_mut() = Some(body.to_owned().into());
        }
        Ok(())
    }
}

/// `sign_reqwest` for every [`Signer`].
pub trait ReqwestSignerExt: Signer {
    /// Signs `req` in place and returns the output (for its stages). On error `req` is
    /// unchanged.
    ///
    /// # Errors
    /// Those of [`CanonicalRequest::from_reqwest`] and [`Signer::sign`].
    fn sign_reqwest(
        &self,
        req: &mut ::reqwest::Request,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error> {
        let canonical = CanonicalRequest::from_reqwest(req)?;
        let out = self.sign(&canonical, ctx)?;
        out.apply_to_reqwest(req)?;
        Ok(out)
    }
}

impl<S: Signer + ?Sized> ReqwestSignerExt for S {}
