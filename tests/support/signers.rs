//! One signer of each of the seven schemes, with minimal settings, for tests that run the
//! same check on every scheme.

use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{Tc3Signer, V1Signer};
use cloudsign::{Credentials, Signer};

/// ACS3, RPC, TC3, X-WSSE, ROA, V1, Huawei SDK-HMAC-SHA256, in this order; action `A` and
/// version `V` where the scheme has them, service `cvm` for TC3.
pub fn all(creds: &Credentials) -> Vec<Box<dyn Signer>> {
    let built = || -> Result<Vec<Box<dyn Signer>>, cloudsign::Error> {
        let c = || creds.clone();
        Ok(vec![
            Box::new(Acs3Signer::builder(c()).action("A").version("V").build()?),
            Box::new(RpcSigner::builder(c()).action("A").version("V").build()?),
            Box::new(
                Tc3Signer::builder(c(), "cvm")
                    .action("A")
                    .version("V")
                    .build()?,
            ),
            Box::new(WsseSigner::new(c())),
            Box::new(RoaSigner::builder(c()).action("A").version("V").build()?),
            Box::new(V1Signer::builder(c()).action("A").version("V").build()?),
            Box::new(SdkHmacSha256Signer::builder(c()).build()?),
        ])
    };
    built().expect("the fixed settings are valid")
}
