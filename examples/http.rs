//! Signs an `http::Request` in place with each of two schemes and prints it. Nothing goes
//! over the network.
//!
//! ```sh
//! cargo run --example http --features http
//! ```

use cloudsign::alibaba::Acs3Signer;
use cloudsign::http::HttpSignerExt as _;
use cloudsign::huawei::SdkHmacSha256Signer;
use cloudsign::{CanonicalRequest, Credentials, SigningContext};

fn show<B: AsRef<[u8]>>(title: &str, req: &http::Request<B>) {
    println!("== {title}\n{} {}", req.method(), req.uri());
    for (name, value) in req.headers() {
        let shown = if value.is_sensitive() {
            "<sensitive>"
        } else {
            value.to_str().unwrap_or("<binary>")
        };
        println!("{name}: {shown}");
    }
    println!("\n{}\n", String::from_utf8_lossy(req.body().as_ref()));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Alibaba Cloud ACS3: the query is re-encoded exactly as signed.
    let signer = Acs3Signer::builder(Credentials::new("YourAccessKeyId", "YourAccessKeySecret")?)
        .action("DescribeInstances")
        .version("2014-05-26")
        .build()?;
    let mut req = http::Request::post(
        "https://ecs.cn-hangzhou.aliyuncs.com/?RegionId=cn-hangzhou&InstanceName=web%20server",
    )
    .header("content-type", "application/json")
    .body(r#"{"PageSize":10}"#.to_owned())?;
    let out = signer.sign_http(&mut req, &SigningContext::now())?;
    show("Alibaba ACS3-HMAC-SHA256", &req);
    println!(
        "canonical request:\n{}\n",
        out.canonical_request().unwrap_or("")
    );

    // Huawei SDK-HMAC-SHA256, from Parts and body bytes, applied separately.
    let signer = SdkHmacSha256Signer::builder(Credentials::new("YourAK", "YourSK")?)
        .project_id("0123456789abcdef0123456789abcdef")
        .build()?;
    let mut req = http::Request::get(
        "https://vpc.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef0123456789abcdef/vpcs?limit=10",
    )
    .body(Vec::new())?;
    let (parts, body) = req.into_parts();
    let canonical = CanonicalRequest::from_http_parts(&parts, &body)?;
    req = http::Request::from_parts(parts, body);
    let out = cloudsign::Signer::sign(&signer, &canonical, &SigningContext::now())?;
    out.apply_to_http(&mut req)?;
    show("Huawei SDK-HMAC-SHA256", &req);
    Ok(())
}
