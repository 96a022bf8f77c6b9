//! Signs one request for each scheme with the clouds' documentation credentials and prints
//! what would be sent. Nothing goes over the network.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use cloudsign::alibaba::{Acs3Signer, RpcSigner};
use cloudsign::huawei::WsseSigner;
use cloudsign::tencent::Tc3Signer;
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
    if let Some(body) = req.body().filter(|b| !b.is_empty()) {
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
