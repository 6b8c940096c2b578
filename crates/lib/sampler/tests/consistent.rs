//! Tests for `sampler::consistent`.

use sampler::consistent::{first_fraction, next_fraction, sha256_hex, sha256_uniform, trim};
use serde_json::Value;

use crate::vector;

const ARLO_FILE: &str = "sampler_arlo_draw_sample.json";

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_string()
}

/// Every entry of the `primitives` section of sampler_arlo_draw_sample.json (values computed by
/// consistent_sampler.py itself).
#[test]
fn primitives_match_consistent_sampler() {
    let doc = vector(ARLO_FILE);
    let primitives = doc["primitives"].as_array().unwrap();
    assert!(primitives.len() >= 19);
    for (i, p) in primitives.iter().enumerate() {
        let expected = s(p, "output");
        let input = &p["input"];
        let got = match p["fn"].as_str().unwrap() {
            "sha256_hex" => sha256_hex(input.as_str().unwrap()),
            "sha256_uniform" => sha256_uniform(input.as_str().unwrap()),
            "first_fraction" => first_fraction(&s(input, "id_string"), &s(input, "seed")),
            "next_fraction" => next_fraction(input.as_str().unwrap()).unwrap(),
            "trim" => {
                let digits = input["digits"].as_u64().unwrap() as usize;
                trim(&s(input, "x"), digits).unwrap().to_string()
            }
            other => panic!("{ARLO_FILE} primitives[{i}]: unknown fn {other}"),
        };
        assert_eq!(got, expected, "{ARLO_FILE} primitives[{i}] {p}");
    }
}

/// consistent_sampler.py docstring examples (first_fraction L291, next_fraction L317,
/// next_ticket L367).
#[test]
fn docstring_examples() {
    assert_eq!(
        first_fraction("AB-130", "01382438112797316654"),
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    );
    assert_eq!(
        next_fraction("0.25471").unwrap(),
        "0.642853261655004694691182528114375607701032283189922170593838029306715548381901"
    );
    assert_eq!(
        next_fraction(
            "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
        )
        .unwrap(),
        "0.8232357229934205790595761924514048157652891124687533667363938813600770093316"
    );
}
