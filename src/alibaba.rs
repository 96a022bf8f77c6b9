//! Alibaba Cloud: the V3 header signature [`acs3`], the RPC query signature [`rpc`] and the
//! ROA header signature [`roa`].

pub mod acs3;
pub mod roa;
pub mod rpc;

pub use acs3::Acs3Signer;
pub use roa::RoaSigner;
pub use rpc::RpcSigner;
