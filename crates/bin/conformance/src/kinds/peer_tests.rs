//! Checks the peers' own test data files that have a case structure (Arlo's BRAVO fixtures, r2b2's ASN,
//! Minerva and BRLA test data).

use serde_json::Value;

use crate::Report;

pub fn arlo_bravo_curated(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "arlo bravo curated")
}

pub fn r2b2_asn(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "r2b2 asn")
}

pub fn r2b2_minerva_arlo(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "r2b2 minerva arlo tests")
}

pub fn r2b2_brla(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "r2b2 brla")
}
