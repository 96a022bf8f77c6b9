//! Alibaba Cloud: the V3 header signature [`acs3`] and the RPC query signature [`rpc`].

pub mod acs3;
pub mod rpc;

pub use acs3::Acs3Signer;
pub use rpc::RpcSigner;
