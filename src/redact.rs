//! What `Debug` and the redacted stage renderings hide: every header and query parameter
//! that carries a signature or a credential, so that nothing printed lets a reader rebuild
//! or replay one.

/// Headers that carry a signature or a credential, in any scheme (lower case).
pub(crate) const SENSITIVE_HEADERS: [&str; 8] = [
    "authorization",
    "proxy-authorization",
    "x-wsse",
    "x-acs-security-token",
    "x-tc-token",
    "x-security-token",
    "cookie",
    "x-acs-bearer-token",
];

/// Query and form parameters that carry a signature or a credential, in any scheme.
pub(crate) const SENSITIVE_PARAMS: [&str; 3] = ["Signature", "SecurityToken", "Token"];

/// What a hidden value is shown as.
pub(crate) const HIDDEN: &str = "<redacted>";

pub(crate) fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

pub(crate) fn is_sensitive_param(name: &str) -> bool {
    SENSITIVE_PARAMS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

/// A stage text (canonical request, string to sign) with every sensitive header line's
/// value and every sensitive parameter's value replaced by [`HIDDEN`]. Parameters are
/// found as `name=value` and, in texts that encode the query again (Alibaba RPC),
/// `name%3Dvalue`; a value ends at `&`, `%26`, a line break or the end.
pub(crate) fn stage(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.split_once(':') {
            Some((name, _)) if is_sensitive_header(name.trim()) => {
                out.push_str(name);
                out.push(':');
                out.push_str(HIDDEN);
            }
            _ => params(&mut out, line),
        }
    }
    out
}

/// `line` with the values of sensitive `name=` / `name%3D` parameters hidden.
fn params(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some((at, len)) = next_param(rest) {
        out.push_str(&rest[..at + len]);
        out.push_str(HIDDEN);
        rest = &rest[at + len..];
        let end = [rest.find('&'), rest.find("%26")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
}

/// Where the first sensitive parameter's value starts in `s`: (offset of its name, length
/// of the name and its `=` or `%3D`). A name counts only at the start or after a separator.
fn next_param(s: &str) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for name in SENSITIVE_PARAMS {
        for eq in ["=", "%3D"] {
            let needle = format!("{name}{eq}");
            let mut from = 0;
            while let Some(found) = s[from..].find(&needle) {
                let at = from + found;
                let before = &s[..at];
                if before.is_empty()
                    || [" ", "&", "?", "%26", "\n"]
                        .iter()
                        .any(|p| before.ends_with(p))
                {
                    if best.is_none_or(|(b, _)| at < b) {
                        best = Some((at, needle.len()));
                    }
                    break;
                }
                from = at + needle.len();
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_header_lines_and_parameters() {
        let text =
            "GET\n/\nA=1&SecurityToken=tok&Signature=sig\nhost:a\nx-acs-security-token:tok\n\nhost";
        assert_eq!(
            stage(text),
            "GET\n/\nA=1&SecurityToken=<redacted>&Signature=<redacted>\nhost:a\nx-acs-security-token:<redacted>\n\nhost"
        );
        assert_eq!(
            stage("GET&%2F&AccessKeyId%3Dak%26SecurityToken%3Dt%252Bk%26SignatureMethod%3DHMAC"),
            "GET&%2F&AccessKeyId%3Dak%26SecurityToken%3D<redacted>%26SignatureMethod%3DHMAC"
        );
        // A name that only ends with a sensitive one is kept.
        assert_eq!(stage("MyToken=x&Token=y"), "MyToken=x&Token=<redacted>");
        assert_eq!(
            stage("GETcvm.example.com/?Action=A&Token=t"),
            "GETcvm.example.com/?Action=A&Token=<redacted>"
        );
    }
}
