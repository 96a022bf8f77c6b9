//! One signer per service: a request that names its action or version signs exactly as a
//! signer built with them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{Tc3Signer, V1Signer};
use cloudsign::{
    CanonicalRequest, CanonicalRequestBuilder, Credentials, Error, Signer, SigningContext,
};

fn creds() -> Credentials {
    Credentials::new("AKID", "secret").unwrap()
}

/// Each scheme with an action and a version, built with the given ones.
fn signers(action: &str, version: &str) -> Vec<Box<dyn Signer>> {
    vec![
        Box::new(
            Acs3Signer::builder(creds())
                .action(action)
                .version(version)
                .build()
                .unwrap(),
        ),
        Box::new(
            RpcSigner::builder(creds())
                .action(action)
                .version(version)
                .build()
                .unwrap(),
        ),
        Box::new(
            RoaSigner::builder(creds())
                .action(action)
                .version(version)
                .build()
                .unwrap(),
        ),
        Box::new(
            Tc3Signer::builder(creds(), "cvm")
                .action(action)
                .version(version)
                .build()
                .unwrap(),
        ),
        Box::new(
            V1Signer::builder(creds())
                .action(action)
                .version(version)
                .build()
                .unwrap(),
        ),
    ]
}

fn request() -> CanonicalRequestBuilder {
    CanonicalRequest::builder()
        .method("GET")
        .host("api.example.com")
        .path("/")
        .query("RegionId", "cn-hangzhou")
}

fn everything(out: &cloudsign::SigningOutput) -> String {
    format!(
        "{:?}|{:?}|{}|{}|{:?}|{:?}",
        out.headers().collect::<Vec<_>>(),
        out.query_params().collect::<Vec<_>>(),
        out.query_string(),
        out.signature(),
        out.canonical_request(),
        out.string_to_sign()
    )
}

#[test]
fn a_request_action_and_version_sign_as_a_signer_built_with_them() {
    let ctx = SigningContext::from_unix(1_700_000_000, "abc123").unwrap();
    let general = signers("DescribeRegions", "2014-05-26");
    let specific = signers("DescribeInstances", "2017-03-12");
    let mixed = signers("DescribeInstances", "2014-05-26");
    for ((g, s), m) in general.iter().zip(&specific).zip(&mixed) {
        let named = request()
            .action("DescribeInstances")
            .api_version("2017-03-12")
            .build()
            .unwrap();
        let want = s.sign(&request().build().unwrap(), &ctx).unwrap();
        let got = g.sign(&named, &ctx).unwrap();
        assert_eq!(everything(&got), everything(&want), "{}", g.algorithm());
        assert!(
            everything(&got).contains("DescribeInstances"),
            "{}",
            g.algorithm()
        );
        // Without the request's names, the signer's own apply: the outputs differ.
        let plain = g.sign(&request().build().unwrap(), &ctx).unwrap();
        assert_ne!(everything(&plain), everything(&want), "{}", g.algorithm());
        // The action alone keeps the signer's version.
        let only_action = request().action("DescribeInstances").build().unwrap();
        let want = m.sign(&request().build().unwrap(), &ctx).unwrap();
        let got = g.sign(&only_action, &ctx).unwrap();
        assert_eq!(everything(&got), everything(&want), "{}", g.algorithm());
    }
}

#[test]
fn a_request_names_only_valid_settings() {
    for (action, version) in [("", "v"), ("A", ""), ("Bad\r\nAction", "v"), (" A", "v")] {
        let e = request()
            .action(action)
            .api_version(version)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::InvalidSetting { .. }), "{e}");
    }
}

#[test]
fn huawei_schemes_have_no_action_and_say_so() {
    let ctx = SigningContext::from_unix(1_700_000_000, "abc123").unwrap();
    let huawei: Vec<Box<dyn Signer>> = vec![
        Box::new(SdkHmacSha256Signer::builder(creds()).build().unwrap()),
        Box::new(WsseSigner::new(creds())),
    ];
    for signer in &huawei {
        for req in [
            request().action("A").build().unwrap(),
            request().api_version("1").build().unwrap(),
        ] {
            let e = signer.sign(&req, &ctx).unwrap_err();
            assert!(matches!(e, Error::UnsupportedApiSetting { .. }), "{e}");
        }
        assert!(signer.sign(&request().build().unwrap(), &ctx).is_ok());
    }
}
