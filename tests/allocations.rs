//! Heap allocations per `sign()`, counted with a counting global allocator
//! (`allocation-counter`). Issue targets: at most 6 for TC3, ACS3 and X-WSSE, at most 12
//! for RPC with 12 parameters; the same for ROA and Huawei SDK-HMAC-SHA256 (6); Tencent V1
//! (a `GET`) at 2: its buffer and its query parameters. Run with `--nocapture` to see the counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests assert by panicking

use cloudsign::alibaba::{Acs3Signer, RoaSigner, RpcSigner};
use cloudsign::huawei::{SdkHmacSha256Signer, WsseSigner};
use cloudsign::tencent::{Tc3Signer, V1Signer};
use cloudsign::{CanonicalRequest, Credentials, Signer, SigningContext};

fn count(signer: &dyn Signer, req: &CanonicalRequest) -> u64 {
    let ctx = SigningContext::from_unix(1_700_000_000, "3156853299f313e23d1673dc12e1703d").unwrap();
    signer.sign(req, &ctx).unwrap(); // warm the TC3 key cache, like a long-running service
    let info = allocation_counter::measure(|| {
        let out = signer.sign(req, &ctx).unwrap();
        std::hint::black_box(&out);
    });
    info.count_total
}

#[test]
fn allocations_per_signature() {
    let creds = Credentials::new("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "secret").unwrap();
    let tc3 = Tc3Signer::builder(creds.clone(), "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .build()
        .unwrap();
    let tc3_uncached = Tc3Signer::builder(creds.clone(), "cvm")
        .action("DescribeInstances")
        .version("2017-03-12")
        .cache_signing_key(false)
        .build()
        .unwrap();
    let post = CanonicalRequest::builder()
        .method("POST")
        .host("cvm.tencentcloudapi.com")
        .header("Content-Type", "application/json")
        .body(vec![b'x'; 1024])
        .build()
        .unwrap();
    let acs3 = Acs3Signer::builder(creds.clone())
        .action("RunInstances")
        .version("2014-05-26")
        .build()
        .unwrap();
    let acs3_req = CanonicalRequest::builder()
        .method("POST")
        .host("ecs.cn-shanghai.aliyuncs.com")
        .query(
            "ImageId",
            "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
        )
        .query("RegionId", "cn-shanghai")
        .header("Content-Type", "application/json")
        .body(vec![b'x'; 1024])
        .build()
        .unwrap();
    let rpc = RpcSigner::builder(creds.clone())
        .action("DescribeInstances")
        .version("2014-05-26")
        .build()
        .unwrap();
    let rpc_req = CanonicalRequest::builder()
        .host("ecs.aliyuncs.com")
        .query("RegionId", "cn-hangzhou")
        .query("InstanceIds", r#"["i-bp67acfmxazb4p****"]"#)
        .query("PageSize", "50")
        .query("Tag.1.Key", "environment name")
        .build()
        .unwrap();
    let roa = RoaSigner::builder(creds.clone())
        .action("DescribeClustersV1")
        .version("2015-12-15")
        .build()
        .unwrap();
    let roa_req = CanonicalRequest::builder()
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/api/v1/clusters")
        .query("page_size", "10")
        .query("name", "my cluster")
        .build()
        .unwrap();
    let v1 = V1Signer::builder(creds.clone())
        .action("DescribeInstances")
        .version("2017-03-12")
        .region("ap-guangzhou")
        .build()
        .unwrap();
    let v1_req = CanonicalRequest::builder()
        .host("cvm.tencentcloudapi.com")
        .query("InstanceIds.0", "ins-09dx96dg")
        .query("Limit", "20")
        .build()
        .unwrap();
    let huawei = SdkHmacSha256Signer::builder(creds.clone())
        .project_id("77b6a44cba5143ab91d13ab9a8ff44fd")
        .build()
        .unwrap();
    let huawei_req = CanonicalRequest::builder()
        .method("POST")
        .host("vpc.cn-north-4.myhuaweicloud.com")
        .path("/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs")
        .query("limit", "2")
        .header("Content-Type", "application/json")
        .body(vec![b'x'; 1024])
        .build()
        .unwrap();
    let sts = creds.clone().with_security_token("STS.token").unwrap();
    let roa_sts = RoaSigner::builder(sts.clone())
        .action("DescribeClustersV1")
        .version("2015-12-15")
        .content_md5(true)
        .build()
        .unwrap();
    let roa_post = CanonicalRequest::builder()
        .method("POST")
        .host("cs.cn-hangzhou.aliyuncs.com")
        .path("/clusters")
        .header("Content-Type", "application/json")
        .header("x-acs-meta", "m")
        .body(vec![b'x'; 1024])
        .build()
        .unwrap();
    let huawei_sts = SdkHmacSha256Signer::builder(sts)
        .domain_id("d1")
        .build()
        .unwrap();
    let wsse = WsseSigner::new(creds);

    let counts = [
        ("tc3 (cached key)", count(&tc3, &post), 6),
        ("tc3 (uncached)", count(&tc3_uncached, &post), 6),
        ("acs3", count(&acs3, &acs3_req), 6),
        ("rpc (12 parameters)", count(&rpc, &rpc_req), 12),
        ("wsse", count(&wsse, &post), 6),
        ("roa", count(&roa, &roa_req), 6),
        ("tencent v1 (10 parameters)", count(&v1, &v1_req), 2),
        ("huawei sdk-hmac-sha256", count(&huawei, &huawei_req), 6),
        (
            "roa (token, Content-MD5, x-acs-* header)",
            count(&roa_sts, &roa_post),
            6,
        ),
        (
            "huawei sdk-hmac-sha256 (token, domain id)",
            count(&huawei_sts, &huawei_req),
            6,
        ),
    ];
    for (name, n, max) in counts {
        println!("{name}: {n} allocations per sign() (target <= {max})");
    }
    for (name, n, max) in counts {
        assert!(n <= max, "{name}: {n} allocations, target {max}");
        assert!(n >= 1, "{name}: the counter saw nothing; is it installed?");
    }
}
