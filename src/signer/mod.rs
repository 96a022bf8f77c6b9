//! The [`Signer`] trait, its input [`SigningContext`] and its result [`SigningOutput`].

use std::fmt;
use std::sync::Arc;

use crate::{CanonicalRequest, Error};

mod context;
mod output;
pub(crate) mod plain;
mod stages;

pub use context::SigningContext;
pub use output::SigningOutput;
pub(crate) use output::{check_uri, OutputBuilder, Text};
pub use stages::Stages;

/// Signs a [`CanonicalRequest`]: one implementation per scheme.
///
/// The trait is object-safe and every signer is `Send + Sync`, so a service can keep a
/// `Box<dyn Signer>` or `Arc<dyn Signer>` per cloud and share it between threads.
///
/// ```
/// use cloudsign::{alibaba::Acs3Signer, huawei::WsseSigner, Credentials, Signer};
///
/// let creds = Credentials::new("id", "secret")?;
/// let signers: Vec<Box<dyn Signer>> = vec![
///     Box::new(Acs3Signer::builder(creds.clone()).action("DescribeRegions").version("2014-05-26").build()?),
///     Box::new(WsseSigner::new(creds)),
/// ];
/// assert_eq!(signers[0].algorithm(), "ACS3-HMAC-SHA256");
/// # Ok::<(), cloudsign::Error>(())
/// ```
///
/// Shared and boxed signers are signers too, so code generic over `S: Signer` takes an
/// `Arc<dyn Signer>`, a `Box<dyn Signer>` or a reference as well as a concrete signer.
///
/// ```
/// use std::sync::Arc;
/// use cloudsign::{huawei::WsseSigner, CanonicalRequest, Credentials, Signer, SigningContext};
///
/// fn x_wsse(signer: impl Signer, req: &CanonicalRequest) -> Result<String, cloudsign::Error> {
///     let ctx = SigningContext::from_unix(1_700_000_000, "abc123")?;
///     Ok(signer.sign(req, &ctx)?.header("X-WSSE").unwrap_or_default().to_owned())
/// }
///
/// let req = CanonicalRequest::builder().host("example.com").build()?;
/// let shared: Arc<dyn Signer> = Arc::new(WsseSigner::new(Credentials::new("id", "secret")?));
/// let by_ref = x_wsse(&*shared, &req)?;
/// assert!(by_ref.starts_with(r#"UsernameToken Username="id",PasswordDigest=""#));
/// assert_eq!(x_wsse(Arc::clone(&shared), &req)?, by_ref);
/// let boxed: Box<dyn Signer> = Box::new(WsseSigner::new(Credentials::new("id", "secret")?));
/// assert_eq!(x_wsse(boxed, &req)?, by_ref);
/// # Ok::<(), cloudsign::Error>(())
/// ```
pub trait Signer: fmt::Debug + Send + Sync {
    /// The scheme's name as it appears on the wire, e.g. `TC3-HMAC-SHA256`.
    fn algorithm(&self) -> &'static str;

    /// Signs `request` at the time and with the nonce of `ctx`.
    ///
    /// Returns what to add to the request; nothing is changed on error.
    ///
    /// # Errors
    /// A typed [`Error`] when the scheme cannot sign this request (method, body, query,
    /// time or nonce it cannot represent).
    fn sign(
        &self,
        request: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Result<SigningOutput, Error>;

    /// The scheme's reference implementation: plain code shaped like the cloud's document,
    /// one named value per stage, against which [`sign`](Self::sign) is tested on every
    /// golden vector, conformance case and generated request. It gives the same
    /// [`Stages`] as `sign` (or the same error), only slower.
    ///
    /// `None` for a signer without one; every signer of this crate has one.
    fn sign_reference(
        &self,
        request: &CanonicalRequest,
        ctx: &SigningContext,
    ) -> Option<Result<Stages, Error>> {
        let _ = (request, ctx);
        None
    }
}

// `&S`, `Box<S>` and `Arc<S>` sign as `S` does.
macro_rules! forward_signer {
    ($($ty:ty),*) => {$(
        impl<S: Signer + ?Sized> Signer for $ty {
            fn algorithm(&self) -> &'static str {
                (**self).algorithm()
            }

            fn sign(
                &self,
                request: &CanonicalRequest,
                ctx: &SigningContext,
            ) -> Result<SigningOutput, Error> {
                (**self).sign(request, ctx)
            }

            fn sign_reference(
                &self,
                request: &CanonicalRequest,
                ctx: &SigningContext,
            ) -> Option<Result<Stages, Error>> {
                (**self).sign_reference(request, ctx)
            }
        }
    )*};
}

forward_signer!(&S, Box<S>, Arc<S>);

// Compile-time proof that the trait is object-safe and its objects can cross threads.
const _: fn(&dyn Signer) = |_| {};
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync + ?Sized>() {}
    assert_send_sync::<dyn Signer>();
    assert_send_sync::<Box<dyn Signer>>();
};
