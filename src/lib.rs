#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod alibaba;
mod api;
mod bytes;
mod credentials;
pub mod encoding;
mod error;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod huawei;
mod mac;
mod redact;
pub mod replay;
mod request;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
mod signer;
pub mod tencent;
mod text;
mod timefmt;
pub mod verify;

pub use credentials::{Cloud, Credentials, SecretKey, SecurityToken};
pub use error::Error;
pub use request::{CanonicalRequest, CanonicalRequestBuilder, Payload};
pub use signer::{Signer, SigningContext, SigningOutput, Stages};
