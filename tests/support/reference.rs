//! Holds a signer's fast path to its reference implementation
//! ([`Signer::sign_reference`]): same stages byte for byte, or the same error.
//!
//! Used by the golden vectors, the conformance corpus (`support/conformance.rs`), the wire
//! property (`support/wire.rs`) and the fuzz targets, so every request any of them builds
//! goes through both implementations.

use cloudsign::{CanonicalRequest, Signer, SigningContext, Stages};

/// `Err` names the scheme, the case and the first stage where the two implementations
/// differ, with both texts; or says the signer has no reference implementation.
pub fn hold(
    signer: &dyn Signer,
    req: &CanonicalRequest,
    ctx: &SigningContext,
    case: &str,
) -> Result<(), String> {
    let scheme = signer.algorithm();
    let Some(reference) = signer.sign_reference(req, ctx) else {
        return Err(format!(
            "{scheme}: case {case}: no reference implementation"
        ));
    };
    match (signer.sign(req, ctx), reference) {
        (Ok(out), Ok(reference)) => {
            let fast = Stages::of(&out);
            match fast.first_difference(&reference) {
                None => Ok(()),
                Some(stage) => Err(format!(
                    "{scheme}: case {case}: stage {stage} differs\n--- fast ---\n{}\n--- reference ---\n{}",
                    text(&fast, stage),
                    text(&reference, stage),
                )),
            }
        }
        (Err(fast), Err(reference)) if fast.to_string() == reference.to_string() => Ok(()),
        (fast, reference) => Err(format!(
            "{scheme}: case {case}: fast {:?} but reference {:?}",
            fast.map(|_| "signs").map_err(|e| e.to_string()),
            reference.map(|_| "signs").map_err(|e| e.to_string()),
        )),
    }
}

/// One stage as text, for a failure message (test credentials only: nothing is hidden).
fn text(s: &Stages, stage: &str) -> String {
    let pairs = |p: &[(String, String)]| {
        p.iter()
            .map(|(n, v)| format!("{n}: {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match stage {
        "canonical_request" => format!("{:?}", s.canonical_request),
        "string_to_sign" => format!("{:?}", s.string_to_sign),
        "signature" => s.signature.clone(),
        "headers" => pairs(&s.headers),
        "query_params" => pairs(&s.query_params),
        "query_string" => s.query_string.clone(),
        _ => format!("{:?}", s.body),
    }
}
