//! Calls Tencent Cloud's `DescribeRegions` (CVM, TC3-HMAC-SHA256) with reqwest.
//!
//! Without `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY` in the environment it prints
//! the signed request it would send (with placeholder keys). With them it sends it over
//! HTTPS and prints the response.
//!
//! ```sh
//! cargo run --example reqwest --features reqwest
//! TENCENTCLOUD_SECRET_ID=... TENCENTCLOUD_SECRET_KEY=... cargo run --example reqwest --features reqwest
//! ```

use cloudsign::reqwest::ReqwestSignerExt as _;
use cloudsign::tencent::Tc3Signer;
use cloudsign::{Cloud, Credentials, Error, SigningContext};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (creds, live) = match Credentials::from_env(Cloud::Tencent) {
        Ok(c) => (c, true),
        Err(Error::MissingEnvVar { name }) => {
            println!("{name} is not set: printing the request instead of sending it.\n");
            (Credentials::new("AKIDEXAMPLE", "example-secret")?, false)
        }
        Err(e) => return Err(e.into()),
    };
    let signer = Tc3Signer::builder(creds, "cvm")
        .action("DescribeRegions")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .build()?;
    let url = reqwest::Url::parse("https://cvm.tencentcloudapi.com/")?;
    let mut req = reqwest::Request::new(reqwest::Method::POST, url);
    req.headers_mut()
        .insert("content-type", "application/json".parse()?);
    *req.body_mut() = Some("{}".into());
    signer.sign_reqwest(&mut req, &SigningContext::now())?;

    println!("{} {}", req.method(), req.url());
    for (name, value) in req.headers() {
        let shown = if value.is_sensitive() {
            "<sensitive>"
        } else {
            value.to_str()?
        };
        println!("{name}: {shown}");
    }
    if live {
        // TLS through rustls with the ring provider (dev-dependencies of this example).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder().build()?;
        let resp = client.execute(req).await?;
        println!("\n{}\n{}", resp.status(), resp.text().await?);
    }
    Ok(())
}
