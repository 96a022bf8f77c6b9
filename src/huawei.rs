//! Huawei Cloud: the AK/SK signature [`sdk_hmac_sha256`] (API Gateway and every service
//! SDK) and the Message & SMS UsernameToken header [`wsse`].

pub mod sdk_hmac_sha256;
pub mod wsse;

pub use sdk_hmac_sha256::SdkHmacSha256Signer;
pub use wsse::WsseSigner;
