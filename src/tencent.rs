//! Tencent Cloud: API 3.0 signature v3 [`tc3`] and the legacy signature V1 [`v1`].

pub mod tc3;
pub mod v1;

pub use tc3::Tc3Signer;
pub use v1::V1Signer;
