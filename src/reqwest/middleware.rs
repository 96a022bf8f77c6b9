//! A `reqwest-middleware` middleware that signs every attempt of a request afresh.

use std::fmt;
use std::sync::Arc;

use ::http::{Extensions, HeaderMap};
use ::reqwest::{Request, Response};
use ::reqwest_middleware::{Middleware, Next};

use super::{merge_default_headers, Operation, ReqwestSignerExt as _};
use crate::{Signer, SigningContext};

/// Signs each request that passes through it, with a new [`SigningContext`] (time and
/// nonce) each time (feature `reqwest-middleware`).
///
/// Put it after `reqwest_retry::RetryTransientMiddleware` (and any other middleware that
/// sends a request more than once) so that every attempt is signed on its own: the clouds
/// reject a nonce they have seen and a time outside their window. Before a retrying
/// middleware, every attempt would repeat the first attempt's signature.
///
/// A request with an [`Operation`] extension
/// (`RequestBuilder::with_extension(Operation::new("DescribeInstances"))`) is signed for
/// that operation, so one client serves a whole service.
///
/// A request that is already signed is refused with
/// [`Error::AlreadySigned`](crate::Error::AlreadySigned), wrapped in
/// `reqwest_middleware::Error::Middleware`, and is not sent; so is a request that the
/// signer refuses.
///
/// ```no_run
/// use cloudsign::reqwest::{Operation, SigningMiddleware};
/// use cloudsign::{tencent::Tc3Signer, Cloud, Credentials};
/// use reqwest_retry::{policies::ExponentialBackoff, RetryTransientMiddleware};
///
/// # async fn call() -> Result<(), Box<dyn std::error::Error>> {
/// let signer = Tc3Signer::builder(Credentials::from_env(Cloud::Tencent)?, "cvm")
///     .action("DescribeRegions")
///     .version("2017-03-12")
///     .build()?;
/// let retry = ExponentialBackoff::builder().build_with_max_retries(3);
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(RetryTransientMiddleware::new_with_policy(retry))
///     .with(SigningMiddleware::new(signer)) // after the retries: signs each attempt
///     .build();
/// let regions = client
///     .post("https://cvm.tencentcloudapi.com/")
///     .header("content-type", "application/json")
///     .body("{}")
///     .send()
///     .await?;
/// let zones = client // the same client and signer, another operation
///     .post("https://cvm.tencentcloudapi.com/")
///     .header("content-type", "application/json")
///     .body("{}")
///     .with_extension(Operation::new("DescribeZones"))
///     .send()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SigningMiddleware {
    signer: Arc<dyn Signer>,
    default_headers: HeaderMap,
    context: Arc<dyn Fn() -> SigningContext + Send + Sync>,
}

impl SigningMiddleware {
    /// Signs with `signer`, at [`SigningContext::now`] for each attempt.
    ///
    /// ```
    /// use cloudsign::{huawei::WsseSigner, reqwest::SigningMiddleware, Credentials};
    ///
    /// let middleware = SigningMiddleware::new(WsseSigner::new(Credentials::new("app", "key")?));
    /// assert!(format!("{middleware:?}").contains("WsseSigner"));
    /// # let _ = rustls::crypto::ring::default_provider().install_default();
    /// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
    ///     .with(middleware)
    ///     .build();
    /// # let _ = client;
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    pub fn new(signer: impl Signer + 'static) -> Self {
        Self::from_arc(Arc::new(signer))
    }

    /// Signs with a shared signer, at [`SigningContext::now`] for each attempt.
    pub fn from_arc(signer: Arc<dyn Signer>) -> Self {
        Self {
            signer,
            default_headers: HeaderMap::new(),
            context: Arc::new(SigningContext::now),
        }
    }

    /// The client's default headers (those given to `ClientBuilder::default_headers`):
    /// each is put on a request that lacks it before signing, so that it is signed as it
    /// is sent (see [`merge_default_headers`](super::merge_default_headers)).
    #[must_use]
    pub fn default_headers(mut self, headers: HeaderMap) -> Self {
        self.default_headers = headers;
        self
    }

    /// Where each attempt's time and nonce come from, in place of
    /// [`SigningContext::now`] (for reproducible tests).
    #[must_use]
    pub fn context(mut self, context: impl Fn() -> SigningContext + Send + Sync + 'static) -> Self {
        self.context = Arc::new(context);
        self
    }
}

impl fmt::Debug for SigningMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningMiddleware")
            .field("signer", &self.signer)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Middleware for SigningMiddleware {
    async fn handle(
        &self,
        mut req: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        merge_default_headers(&mut req, &self.default_headers);
        let ctx = (self.context)();
        match extensions.get::<Operation>() {
            Some(op) => self.signer.sign_reqwest_as(&mut req, op, &ctx),
            None => self.signer.sign_reqwest(&mut req, &ctx),
        }
        .map_err(reqwest_middleware::Error::middleware)?;
        next.run(req, extensions).await
    }
}
