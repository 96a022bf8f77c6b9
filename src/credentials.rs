//! Access keys. The secret and the security token never appear in `Debug` output.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// A secret access key (Alibaba `AccessKeySecret`, Tencent `SecretKey`, Huawei `SK` or
/// X-WSSE `AppSecret`). Its `Debug` output is `SecretKey(***)`; it has no `Display`.
///
/// ```
/// let key = cloudsign::SecretKey::new("my-secret");
/// assert_eq!(format!("{key:?}"), "SecretKey(***)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(Arc<str>);

impl SecretKey {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        SecretKey(Arc::from(secret.into()))
    }

    /// The secret itself, for code that must compute a MAC with it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// A temporary (STS) security token. Its `Debug` output is `SecurityToken(***)`.
///
/// ```
/// let token = cloudsign::SecurityToken::new("CAIS...");
/// assert_eq!(format!("{token:?}"), "SecurityToken(***)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SecurityToken(Arc<str>);

impl SecurityToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        SecurityToken(Arc::from(token.into()))
    }

    /// The token itself, to put on the wire.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub(crate) fn shared(&self) -> Arc<str> {
        self.0.clone()
    }
}

impl fmt::Debug for SecurityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecurityToken(***)")
    }
}

/// An access key id, its secret and, for temporary credentials, a security token.
///
/// Cloning is cheap (reference counted). The access key id is public and shown by `Debug`;
/// the secret and the token are not.
///
/// ```
/// use cloudsign::Credentials;
///
/// let creds = Credentials::new("LTAI5tExample", "s3cr3t")?.with_security_token("CAIS-token")?;
/// assert_eq!(
///     format!("{creds:?}"),
///     r#"Credentials { access_key_id: "LTAI5tExample", secret: SecretKey(***), security_token: Some(SecurityToken(***)) }"#
/// );
/// assert!(Credentials::new("", "s3cr3t").is_err());
/// # Ok::<(), cloudsign::Error>(())
/// ```
#[derive(Clone)]
pub struct Credentials {
    access_key_id: Arc<str>,
    secret: SecretKey,
    security_token: Option<SecurityToken>,
}

impl Credentials {
    /// Long-term credentials.
    ///
    /// # Errors
    /// [`Error::EmptyCredential`] if either part is empty, [`Error::InvalidCredential`] if the
    /// access key id is not visible ASCII or holds a character that cannot go into a header
    /// parameter or quoted string (`"`, `\`, `,`, `/`, `;`); it is sent in headers and
    /// query parameters as given.
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Result<Self, Error> {
        let access_key_id = access_key_id.into();
        let secret = secret.into();
        if access_key_id.is_empty() {
            return Err(Error::EmptyCredential {
                field: "access_key_id",
            });
        }
        if !access_key_id
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"\\,/;".contains(&b))
        {
            return Err(Error::InvalidCredential {
                field: "access_key_id",
            });
        }
        if secret.is_empty() {
            return Err(Error::EmptyCredential { field: "secret" });
        }
        Ok(Credentials {
            access_key_id: Arc::from(access_key_id),
            secret: SecretKey::new(secret),
            security_token: None,
        })
    }

    /// Adds a temporary security token (Alibaba STS, Tencent session token, Huawei
    /// security token).
    ///
    /// # Errors
    /// [`Error::EmptyCredential`] if it is empty, [`Error::InvalidCredential`] if it is not
    /// visible ASCII without spaces (it travels in a header or a query parameter, whose
    /// edge spaces a server never sees and whose other bytes servers read differently).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::EmptyCredential {
                field: "security_token",
            });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidCredential {
                field: "security_token",
            });
        }
        self.security_token = Some(SecurityToken::new(token));
        Ok(self)
    }

    /// The access key id (public).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    pub(crate) fn access_key_id_shared(&self) -> &Arc<str> {
        &self.access_key_id
    }

    /// The secret.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The security token, if any.
    pub fn security_token(&self) -> Option<&SecurityToken> {
        self.security_token.as_ref()
    }
}

/// A cloud whose official SDKs read credentials from environment variables, and the
/// variables' names.
///
/// | cloud | access key id | secret | security token (optional) |
/// | --- | --- | --- | --- |
/// | Alibaba | `ALIBABA_CLOUD_ACCESS_KEY_ID` | `ALIBABA_CLOUD_ACCESS_KEY_SECRET` | `ALIBABA_CLOUD_SECURITY_TOKEN` |
/// | Tencent | `TENCENTCLOUD_SECRET_ID` | `TENCENTCLOUD_SECRET_KEY` | `TENCENTCLOUD_SESSION_TOKEN` |
/// | Huawei | `HUAWEICLOUD_SDK_AK` | `HUAWEICLOUD_SDK_SK` | `HUAWEICLOUD_SDK_SECURITY_TOKEN` |
///
/// The Alibaba names are those of `alibabacloud-credentials` (`auth_util.py`), the Huawei
/// ones those of `huaweicloudsdkcore` (`auth/provider.py`), the Tencent id and key those of
/// `tencentcloud-sdk-python-common` (`EnvironmentVariableCredential`); that class reads no
/// token, and `TENCENTCLOUD_SESSION_TOKEN` is the name Tencent's other tools use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cloud {
    /// Alibaba Cloud.
    Alibaba,
    /// Tencent Cloud.
    Tencent,
    /// Huawei Cloud.
    Huawei,
}

impl Cloud {
    /// The names of the access key id, secret and security token variables.
    pub const fn env_vars(self) -> [&'static str; 3] {
        match self {
            Cloud::Alibaba => [
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                "ALIBABA_CLOUD_SECURITY_TOKEN",
            ],
            Cloud::Tencent => [
                "TENCENTCLOUD_SECRET_ID",
                "TENCENTCLOUD_SECRET_KEY",
                "TENCENTCLOUD_SESSION_TOKEN",
            ],
            Cloud::Huawei => [
                "HUAWEICLOUD_SDK_AK",
                "HUAWEICLOUD_SDK_SK",
                "HUAWEICLOUD_SDK_SECURITY_TOKEN",
            ],
        }
    }
}

impl Credentials {
    /// Credentials from the process environment, under `cloud`'s variable names (see
    /// [`Cloud`]). An unset or empty token variable means long-term credentials.
    ///
    /// # Errors
    /// [`Error::MissingEnvVar`] naming the variable (never its value) when the id or secret
    /// is unset, empty or not Unicode; the errors of [`Credentials::new`] and
    /// [`Credentials::with_security_token`] for unusable values.
    pub fn from_env(cloud: Cloud) -> Result<Self, Error> {
        Self::from_lookup(cloud, |name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading the variables through `lookup` (a
    /// configuration map, or a fake environment in tests).
    ///
    /// ```
    /// use cloudsign::{Cloud, Credentials, Error};
    ///
    /// let env = |name: &str| match name {
    ///     "TENCENTCLOUD_SECRET_ID" => Some("AKIDEXAMPLE".to_owned()),
    ///     "TENCENTCLOUD_SECRET_KEY" => Some("secret".to_owned()),
    ///     _ => None,
    /// };
    /// let creds = Credentials::from_lookup(Cloud::Tencent, env)?;
    /// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
    /// assert!(creds.security_token().is_none());
    ///
    /// let err = Credentials::from_lookup(Cloud::Huawei, env).unwrap_err();
    /// assert_eq!(err, Error::MissingEnvVar { name: "HUAWEICLOUD_SDK_AK" });
    /// # Ok::<(), cloudsign::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(
        cloud: Cloud,
        mut lookup: impl FnMut(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let [id_var, secret_var, token_var] = cloud.env_vars();
        let mut get = |name: &'static str| {
            lookup(name)
                .filter(|v| !v.is_empty())
                .ok_or(Error::MissingEnvVar { name })
        };
        let id = get(id_var)?;
        let secret = get(secret_var)?;
        let creds = Credentials::new(id, secret)?;
        match get(token_var) {
            Ok(token) => creds.with_security_token(token),
            Err(_) => Ok(creds),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &&*self.access_key_id)
            .field("secret", &self.secret)
            .field("security_token", &self.security_token)
            .finish()
    }
}
