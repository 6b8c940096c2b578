//! The browser path itself: Chromium starts under chromedriver, runs a page's script, answers a
//! click, and returns a screenshot of the window's size — so a failing audit test is about the
//! application, not the harness.

use anyhow::ensure;

use crate::harness::{self, WINDOW};

/// The width and height in a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.get(..8)? != b"\x89PNG\r\n\x1a\n" || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    Some((be(png.get(16..20)?), be(png.get(20..24)?)))
}

#[test]
fn chromium_runs_a_page_answers_a_click_and_takes_a_screenshot() {
    let Some(chromedriver) = harness::browser_available("smoke") else {
        return;
    };
    harness::run(&chromedriver, "smoke", async |b| {
        let page = "<!doctype html><title>smoke</title><h1 id=h>waiting</h1>\
            <button id=go onclick=\"document.getElementById('h').textContent='clicked'\">Go</button>";
        b.client
            .goto(&format!("data:text/html,{}", page.replace('#', "%23")))
            .await?;
        ensure!(b.client.title().await? == "smoke");
        ensure!(b.text("#h").await? == "waiting");
        b.find("#go").await?.click().await?;
        let heading = b.text("#h").await?;
        ensure!(
            heading == "clicked",
            "the click did not run the page's script: {heading:?}"
        );
        let png = b.client.screenshot().await?;
        ensure!(
            png_size(&png) == Some(WINDOW),
            "screenshot is {:?}, not the {WINDOW:?} window",
            png_size(&png)
        );
        Ok(())
    });
}
