//! Fuzz target: the zip member reader must never panic, loop or over-allocate on any archive bytes,
//! however damaged; every member is either read to its end (checked) or skipped.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut zip = records::zipstream::ZipStream::new(data);
    let mut buf = Vec::new();
    for i in 0..10_000 {
        match zip.next_member() {
            Ok(Some(_)) => {
                // Read every other member (at most 1 MiB of it), skip the rest.
                if i % 2 == 0 {
                    buf.clear();
                    let _ = zip.member().take(1 << 20).read_to_end(&mut buf);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
});
