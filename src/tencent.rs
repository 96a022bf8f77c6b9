//! Tencent Cloud: API 3.0 signature v3, [`tc3`].

pub mod tc3;

pub use tc3::Tc3Signer;
