//! Huawei Cloud: the Message & SMS UsernameToken header, [`wsse`].

pub mod wsse;

pub use wsse::WsseSigner;
