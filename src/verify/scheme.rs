//! The seven schemes a verifier can meet, and how a received request shows which it is.

use std::fmt;

use time::Duration;

use super::{Received, VerifyError};

/// A cloud: whose error codes and HTTP statuses a refusal uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cloud {
    /// Alibaba Cloud (POP gateway).
    Alibaba,
    /// Tencent Cloud (API 3.0).
    Tencent,
    /// Huawei Cloud (API Gateway; SMS for X-WSSE).
    Huawei,
}

/// A signature scheme, as a verifier recognizes it.
///
/// ```
/// use cloudsign::verify::{Cloud, Received, Scheme};
/// let got = Received::new("POST", "cvm.tencentcloudapi.com", "/")
///     .header("Authorization", "TC3-HMAC-SHA256 Credential=AKID/2023-11-14/cvm/tc3_request, SignedHeaders=host, Signature=00");
/// assert_eq!(Scheme::recognize(&got), Some(Scheme::Tc3));
/// assert_eq!(Scheme::Tc3.cloud(), Cloud::Tencent);
/// assert_eq!(Scheme::Tc3.default_window(), time::Duration::minutes(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Alibaba ACS3-HMAC-SHA256 (`Authorization: ACS3-HMAC-SHA256 ...`).
    Acs3,
    /// Alibaba RPC (`Signature`, `SignatureMethod=HMAC-SHA1`, `AccessKeyId` parameters).
    AlibabaRpc,
    /// Alibaba ROA (`Authorization: acs <id>:<signature>`).
    AlibabaRoa,
    /// Tencent TC3-HMAC-SHA256 (`Authorization: TC3-HMAC-SHA256 ...`).
    Tc3,
    /// Tencent signature V1 (`Signature`, `SecretId`, `Nonce` parameters).
    TencentV1,
    /// Huawei SDK-HMAC-SHA256 (`Authorization: SDK-HMAC-SHA256 ...`).
    HuaweiSdkHmacSha256,
    /// Huawei X-WSSE (`Authorization: WSSE ...` with an `X-WSSE` header).
    HuaweiWsse,
}

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 7] = [
        Scheme::Acs3,
        Scheme::AlibabaRpc,
        Scheme::AlibabaRoa,
        Scheme::Tc3,
        Scheme::TencentV1,
        Scheme::HuaweiSdkHmacSha256,
        Scheme::HuaweiWsse,
    ];

    /// A short name: `ACS3-HMAC-SHA256`, `Alibaba RPC`, `Alibaba ROA`, `TC3-HMAC-SHA256`,
    /// `Tencent V1`, `SDK-HMAC-SHA256`, `X-WSSE`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Acs3 => "ACS3-HMAC-SHA256",
            Scheme::AlibabaRpc => "Alibaba RPC",
            Scheme::AlibabaRoa => "Alibaba ROA",
            Scheme::Tc3 => "TC3-HMAC-SHA256",
            Scheme::TencentV1 => "Tencent V1",
            Scheme::HuaweiSdkHmacSha256 => "SDK-HMAC-SHA256",
            Scheme::HuaweiWsse => "X-WSSE",
        }
    }

    /// The cloud whose answers a refusal uses.
    pub fn cloud(self) -> Cloud {
        match self {
            Scheme::Acs3 | Scheme::AlibabaRpc | Scheme::AlibabaRoa => Cloud::Alibaba,
            Scheme::Tc3 | Scheme::TencentV1 => Cloud::Tencent,
            Scheme::HuaweiSdkHmacSha256 | Scheme::HuaweiWsse => Cloud::Huawei,
        }
    }

    /// The documented window, either way: Alibaba 15 minutes, Tencent 5, Huawei AK/SK 15;
    /// X-WSSE 5 (SMS documents 24 hours, too wide to be a default).
    pub fn default_window(self) -> Duration {
        match self {
            Scheme::Tc3 | Scheme::TencentV1 | Scheme::HuaweiWsse => Duration::minutes(5),
            _ => Duration::minutes(15),
        }
    }

    /// The scheme `req` is signed with, from the form of its `Authorization` header or
    /// its parameters (query, or a form-encoded body); `None` if it carries none.
    pub fn recognize(req: &Received) -> Option<Scheme> {
        let auth = req.one_header("authorization").ok().flatten().unwrap_or("");
        let starts = |prefix: &str| auth.starts_with(prefix);
        if starts("ACS3-HMAC-SHA256 ") {
            Some(Scheme::Acs3)
        } else if starts("acs ") {
            Some(Scheme::AlibabaRoa)
        } else if starts("TC3-HMAC-SHA256 ") {
            Some(Scheme::Tc3)
        } else if starts("SDK-HMAC-SHA256 ") {
            Some(Scheme::HuaweiSdkHmacSha256)
        } else if starts("WSSE ") {
            Some(Scheme::HuaweiWsse)
        } else {
            // An `X-WSSE` header alone is X-WSSE (missing its `Authorization`) unless the
            // parameters carry a signature: a header signs nothing of those schemes.
            let wsse = || {
                req.one_header("x-wsse")
                    .ok()
                    .flatten()
                    .map(|_| Scheme::HuaweiWsse)
            };
            recognize_parameters(req).or_else(wsse)
        }
    }
}

/// RPC and V1 sign parameters: `AccessKeyId` is Alibaba's, `SecretId` Tencent's.
fn recognize_parameters(req: &Received) -> Option<Scheme> {
    let names = |s: &str| {
        let names: Vec<&str> = s
            .split('&')
            .map(|p| p.split_once('=').map_or(p, |(n, _)| n))
            .collect();
        let has = |n: &str| names.contains(&n);
        match (has("Signature"), has("AccessKeyId"), has("SecretId")) {
            (true, true, _) => Some(Scheme::AlibabaRpc),
            (true, _, true) => Some(Scheme::TencentV1),
            _ => None,
        }
    };
    names(req.raw_query()).or_else(|| {
        let form = req
            .one_header("content-type")
            .ok()
            .flatten()
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
        match form {
            true => std::str::from_utf8(req.body_bytes()).ok().and_then(names),
            false => None,
        }
    })
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The two errors every verifier builds most, for its scheme.
impl Scheme {
    /// `what` is present but unreadable: `reason`.
    pub(crate) const fn malformed(self, what: &'static str, reason: &'static str) -> VerifyError {
        VerifyError::Malformed {
            scheme: self,
            what,
            reason,
        }
    }

    /// `what` is absent.
    pub(crate) const fn missing(self, what: &'static str) -> VerifyError {
        VerifyError::Missing { scheme: self, what }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_x_wsse_header_alone_is_x_wsse_unless_parameters_are_signed() {
        let rpc = "/?AccessKeyId=id&Signature=s";
        let got = Received::new("GET", "h", rpc).header("X-WSSE", "");
        assert_eq!(Scheme::recognize(&got), Some(Scheme::AlibabaRpc));
        let got = Received::new("GET", "h", "/?a=1").header("X-WSSE", "");
        assert_eq!(Scheme::recognize(&got), Some(Scheme::HuaweiWsse));
        let got = Received::new("GET", "h", rpc).header("Authorization", "WSSE realm=\"SDP\"");
        assert_eq!(Scheme::recognize(&got), Some(Scheme::HuaweiWsse));
    }
}
