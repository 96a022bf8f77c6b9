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
    /// access key id holds a control character or a character that cannot go into a header
    /// parameter (`"`, `,`, `/`, `;`, whitespace).
    pub fn new(access_key_id: impl Into<String>, secret: impl Into<String>) -> Result<Self, Error> {
        let access_key_id = access_key_id.into();
        let secret = secret.into();
        if access_key_id.is_empty() {
            return Err(Error::EmptyCredential {
                field: "access_key_id",
            });
        }
        if access_key_id
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '"' | ',' | '/' | ';'))
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
    /// [`Error::EmptyCredential`] if it is empty, [`Error::InvalidCredential`] if it holds a
    /// control character (it travels in a header or a query parameter).
    pub fn with_security_token(mut self, token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        if token.is_empty() {
            return Err(Error::EmptyCredential {
                field: "security_token",
            });
        }
        if token.chars().any(char::is_control) {
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

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &&*self.access_key_id)
            .field("secret", &self.secret)
            .field("security_token", &self.security_token)
            .finish()
    }
}
