//! Signs one request for each scheme with the clouds' documentation credentials and prints
//! what would be sent. Nothing goes over the network.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{v1, Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext, SigningOutput};
use time::macros::datetime;

fn show(title: &str, req: &CanonicalRequest, out: &SigningOutput) {
    println!("== {title}");
    let query = out.query_string();
    let sep = if query.is_empty() { "" } else { "?" };
    println!(
        "{} https://{}{}{sep}{query}",
        req.method(),
        req.host(),
        req.path()
    );
    for (name, value) in req.headers() {
        println!("{name}: {value}");
    }
    for (name, value) in out.headers() {
        println!("{name}: {value}");
    }
    if let Some(body) = out.body() {
        println!("\n{body}");
    } else if let Some(body) = req.body().filter(|b| !b.is_empty()) {
        println!("\n{}", String::from_utf8_lossy(body));
    }
    println!();
}

fn main() -> Result<(), cloudsign::Error> {
    // Alibaba Cloud ACS3-HMAC-SHA256 (V3 document's example).
    let signer = Acs3Signer::builder(Credentials::new("YourAccessKeyId", "YourAccessKeySecret")?)
        .action("RunInstances")
        .version("2014-05-26")
        .build()?;
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("ecs.cn-shanghai.aliyuncs.com")
        .query(
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        )
        .query("RegionId", "cn-shanghai")
        .build()?;
    let ctx = SigningContext::new(
        datetime!(2023-10-26 10:22:32 UTC),
        "3156853299f313e23d1673dc12e1703d",
    );
    show("Alibaba ACS3-HMAC-SHA256", &req, &signer.sign(&req, &ctx)?);

    // Alibaba Cloud RPC HMAC-SHA1 (ECS DescribeRegions document example).
    let signer = RpcSigner::builder(Credentials::new("testid", "testsecret")?)
        .action("DescribeRegions")
        .version("2014-05-26")
        .format("XML")
        .build()?;
    let req = CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .build()?;
    let ctx = SigningContext::new(
        datetime!(2016-02-23 12:46:24 UTC),
        "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    );
    show("Alibaba RPC HMAC-SHA1", &req, &signer.sign(&req, &ctx)?);

    // Alibaba Cloud ROA HMAC-SHA1 (Container Service; no published example with a secret).
    let signer = RoaSigner::builder(Credentials::new("LTAI5tExample", "example-secret")?)
        .action("DescribeClustersV1")
        .version("2015-12-15")
        .build()?;
    let req = CanonicalRequest::builder()
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/api/v1/clusters")
        .query("page_size", "10")
        .build()?;
    let ctx = SigningContext::new(datetime!(2024-06-01 08:00:00 UTC), "8f3b1c2e6d");
    show("Alibaba ROA HMAC-SHA1", &req, &signer.sign(&req, &ctx)?);

    // Tencent Cloud TC3-HMAC-SHA256 (API 3.0 signature document example).
    let creds = Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )?;
    let signer = Tc3Signer::builder(creds, "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .build()?;
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json; charset=utf-8")
        .body(r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#)
        .build()?;
    let ctx = SigningContext::from_unix(1_551_113_065, "")?;
    show("Tencent TC3-HMAC-SHA256", &req, &signer.sign(&req, &ctx)?);

    // Tencent Cloud signature V1 (API 3.0 signature V1 document example, HmacSHA256 here).
    let creds = Credentials::new(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    )?;
    let signer = V1Signer::builder(creds)
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .signature_method(v1::SignatureMethod::HmacSha256)
        .build()?;
    let req = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("InstanceIds.0", "ins-09dx96dg")
        .query("Limit", "20")
        .query("Offset", "0")
        .build()?;
    let ctx = SigningContext::from_unix(1_465_185_768, "11886")?;
    show("Tencent signature V1", &req, &signer.sign(&req, &ctx)?);

    // Huawei Cloud SDK-HMAC-SHA256 (API signing guide example).
    let signer = SdkHmacSha256Signer::builder(Credentials::new(
        "QTWAOYTTINDUT2QVKYUC",
        "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
    )?)
    .build()?;
    let req = CanonicalRequest::builder()
        .host("service.region.example.com")
        .path("/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs")
        .query("limit", "2")
        .query("marker", "13551d6b-755d-4757-b956-536f674975c0")
        .header("Content-Type", "application/json")
        .build()?;
    let ctx = SigningContext::new(datetime!(2019-11-15 03:36:55 UTC), "");
    show("Huawei SDK-HMAC-SHA256", &req, &signer.sign(&req, &ctx)?);

    // Huawei Cloud Message & SMS X-WSSE (document's AppKey, nonce and time; the AppSecret is
    // not published, so this one is made up).
    let signer = WsseSigner::new(Credentials::new(
        "ARBRz4bAXoFgEH7o4Ew308eXc1RA",
        "example-app-secret",
    )?);
    let req = CanonicalRequest::builder()
        .method("POST")
        .host("smsapi.cn-north-4.myhuaweicloud.com")
        .path("/sms/batchSendSms/v1")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("from=10690000&to=%2B8615123456789&templateId=abcdefghabcdefghabcdefghabcdefgh&templateParas=%5B%22520520%22%5D")
        .build()?;
    let ctx = SigningContext::new(
        datetime!(2018-05-26 00:35:30 UTC),
        "ac1c911c4792492687f8f6b2264a491e",
    );
    show("Huawei X-WSSE", &req, &signer.sign(&req, &ctx)?);

    // In production: the clock and a fresh random nonce.
    let _ = SigningContext::now();
    Ok(())
}
