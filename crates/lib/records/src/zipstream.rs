//! Reading the members of a zip archive in order, from their local headers, without its central
//! directory — so a Hart export of a million one-card XML files streams in bounded memory — and
//! with one inflater and one input buffer for every member.
//!
//! The zip crate's streaming reader allocates a decompressor, buffers and the member's metadata
//! for each member; for a Hart export that cost more than inflating the cards themselves. Here a
//! member is stored (method 0) or deflated (method 8); its data is checked against the CRC-32 and
//! size in its header (or in the data descriptor that follows it, when the header leaves them
//! out: deflate streams end by themselves, so those members can still be streamed). Zip64 sizes
//! are read from the extra field. Encrypted members and other methods are refused with a reason.
//! Reading never trusts a length it cannot check: names and extra fields are at most 64 KiB, and
//! member data is read through a fixed buffer.

use std::io::{self, Read};

use flate2::{Decompress, FlushDecompress, Status};

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL: u32 = 0x0605_4b50;
const ZIP64_END_OF_CENTRAL: u32 = 0x0606_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;

/// How much of the archive is read at a time.
const BUFFER: usize = 1 << 16;

/// One member's header, as the archive gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberHeader {
    /// The member's name (a directory's ends with '/'); not UTF-8 is replaced.
    pub name: String,
    pub method: u16,
    pub is_dir: bool,
}

/// Where reading the current member's data is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Data {
    /// Between members.
    None,
    Stored {
        left: u64,
    },
    Deflated {
        /// Compressed bytes left, when the header gives the size.
        left: Option<u64>,
    },
    /// A method this reader does not handle, whose compressed size is known (so it can be
    /// skipped).
    Unreadable {
        left: u64,
    },
    /// The data has been read to its end (and checked).
    Done,
}

/// The members of one zip archive, read in order from `R`.
pub struct ZipStream<R> {
    input: R,
    buf: Vec<u8>,
    lo: usize,
    hi: usize,
    eof: bool,
    inflater: Decompress,
    data: Data,
    /// The current member's expected CRC-32 and size (from its header; from its data
    /// descriptor when `descriptor` is set), and what its data gave so far.
    crc: u32,
    size: u64,
    descriptor: bool,
    zip64: bool,
    hasher: crc32fast::Hasher,
    produced: u64,
    name: String,
    scratch: Vec<u8>,
    members: u64,
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| <[u8; 2]>::try_from(b).ok())
        .map_or(0, u16::from_le_bytes)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes)
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| <[u8; 8]>::try_from(b).ok())
        .map_or(0, u64::from_le_bytes)
}

impl<R: Read> ZipStream<R> {
    pub fn new(input: R) -> ZipStream<R> {
        ZipStream {
            input,
            buf: vec![0; BUFFER],
            lo: 0,
            hi: 0,
            eof: false,
            inflater: Decompress::new(false),
            data: Data::None,
            crc: 0,
            size: 0,
            descriptor: false,
            zip64: false,
            hasher: crc32fast::Hasher::new(),
            produced: 0,
            name: String::new(),
            scratch: Vec::new(),
            members: 0,
        }
    }

    /// Makes input available in `buf[lo..hi]`; false at the end of the archive.
    fn fill(&mut self) -> io::Result<bool> {
        if self.lo < self.hi {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        self.lo = 0;
        self.hi = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.hi = n.min(self.buf.len());
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads exactly `n` bytes into `scratch` (replacing it); false when the archive ends first.
    fn take(&mut self, n: usize) -> io::Result<bool> {
        self.scratch.clear();
        while self.scratch.len() < n {
            if !self.fill()? {
                return Ok(false);
            }
            let want = (n - self.scratch.len()).min(self.hi - self.lo);
            self.scratch
                .extend_from_slice(self.buf.get(self.lo..self.lo + want).unwrap_or(&[]));
            self.lo += want;
        }
        Ok(true)
    }

    /// Skips `n` bytes of the archive.
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            if !self.fill()? {
                return Err(self.cut_short());
            }
            let step = n.min((self.hi - self.lo) as u64) as usize;
            self.lo += step;
            n -= step as u64;
        }
        Ok(())
    }

    fn cut_short(&self) -> io::Error {
        invalid(format!(
            "the archive ends inside member {:?}; it was cut short",
            self.name
        ))
    }

    /// The next member's header, after skipping what is left of the current one; `None` after
    /// the last member.
    pub fn next_member(&mut self) -> io::Result<Option<MemberHeader>> {
        self.finish_member()?;
        if !self.take(4)? {
            return Err(invalid(
                "the archive ends without its central directory; it was cut short",
            ));
        }
        let mut signature = u32_at(&self.scratch, 0);
        if self.members == 0 && signature == DATA_DESCRIPTOR {
            // A single-segment archive may begin with the spanning marker "PK\x07\x08".
            if !self.take(4)? {
                return Err(invalid("the archive ends after its first bytes"));
            }
            signature = u32_at(&self.scratch, 0);
        }
        match signature {
            LOCAL_HEADER => {}
            CENTRAL_HEADER | END_OF_CENTRAL | ZIP64_END_OF_CENTRAL => return Ok(None),
            _ => {
                return Err(invalid(format!(
                    "after {} members, the bytes are not a member's header; the archive is damaged",
                    self.members
                )));
            }
        }
        if !self.take(26)? {
            return Err(invalid("the archive ends inside a member's header"));
        }
        let header = std::mem::take(&mut self.scratch);
        let flags = u16_at(&header, 2);
        let method = u16_at(&header, 4);
        let crc = u32_at(&header, 10);
        let mut compressed = u64::from(u32_at(&header, 14));
        let mut size = u64::from(u32_at(&header, 18));
        let name_len = usize::from(u16_at(&header, 22));
        let extra_len = usize::from(u16_at(&header, 24));
        self.scratch = header;
        if !self.take(name_len)? {
            return Err(invalid("the archive ends inside a member's name"));
        }
        self.name = String::from_utf8_lossy(&self.scratch).into_owned();
        if !self.take(extra_len)? {
            return Err(invalid("the archive ends inside a member's header"));
        }
        // Zip64: the sizes that do not fit in 32 bits are in extra field 0x0001, uncompressed
        // first.
        self.zip64 = false;
        let mut at = 0;
        while at + 4 <= self.scratch.len() {
            let id = u16_at(&self.scratch, at);
            let end = at + 4 + usize::from(u16_at(&self.scratch, at + 2));
            if end > self.scratch.len() {
                break;
            }
            if id == 0x0001 {
                self.zip64 = true;
                let mut field = at + 4;
                if size == u64::from(u32::MAX) && field + 8 <= end {
                    size = u64_at(&self.scratch, field);
                    field += 8;
                }
                if compressed == u64::from(u32::MAX) && field + 8 <= end {
                    compressed = u64_at(&self.scratch, field);
                }
            }
            at = end;
        }
        self.members += 1;
        self.descriptor = flags & 0x0008 != 0;
        self.crc = crc;
        self.size = size;
        self.hasher = crc32fast::Hasher::new();
        self.produced = 0;
        let is_dir = self.name.ends_with('/');
        if flags & 0x0001 != 0 {
            return Err(invalid(format!(
                "member {:?} is encrypted; give the files without a password",
                self.name
            )));
        }
        self.data = match method {
            0 if self.descriptor && compressed == 0 => {
                return Err(invalid(format!(
                    "member {:?} is stored with its size after its data, which cannot be read in order; re-create the zip",
                    self.name
                )));
            }
            0 => Data::Stored { left: compressed },
            8 => {
                self.inflater.reset(false);
                Data::Deflated {
                    left: (!self.descriptor || compressed != 0).then_some(compressed),
                }
            }
            _ if self.descriptor && compressed == 0 => {
                return Err(invalid(format!(
                    "member {:?} is compressed with method {method}, which ballotproof does not read (only stored and deflated); re-create the zip",
                    self.name
                )));
            }
            _ => Data::Unreadable { left: compressed },
        };
        Ok(Some(MemberHeader {
            name: self.name.clone(),
            method,
            is_dir,
        }))
    }

    /// Skips the rest of the current member's data (inflating it only when its end is not
    /// otherwise known), then its data descriptor.
    fn finish_member(&mut self) -> io::Result<()> {
        match self.data {
            Data::None | Data::Done => {}
            Data::Stored { left } | Data::Unreadable { left } => self.skip(left)?,
            Data::Deflated { left: Some(left) } => self.skip(left)?,
            Data::Deflated { left: None } => {
                let mut sink = [0u8; 4096];
                while self.read_member(&mut sink)? > 0 {}
            }
        }
        if self.data != Data::Done && self.data != Data::None && self.descriptor {
            self.read_descriptor()?;
        }
        self.data = Data::None;
        Ok(())
    }

    /// Reads the data descriptor after a member's data: optional signature, CRC-32, sizes.
    fn read_descriptor(&mut self) -> io::Result<()> {
        if !self.take(4)? {
            return Err(self.cut_short());
        }
        let mut first = u32_at(&self.scratch, 0);
        if first == DATA_DESCRIPTOR {
            if !self.take(4)? {
                return Err(self.cut_short());
            }
            first = u32_at(&self.scratch, 0);
        }
        self.crc = first;
        let sizes = if self.zip64 { 16 } else { 8 };
        if !self.take(sizes)? {
            return Err(self.cut_short());
        }
        self.size = if self.zip64 {
            u64_at(&self.scratch, 8)
        } else {
            u64::from(u32_at(&self.scratch, 4))
        };
        Ok(())
    }

    /// The current member's data, decompressed, as a reader.
    pub fn member(&mut self) -> Member<'_, R> {
        Member(self)
    }

    /// Checks what a member's data gave against its CRC-32 and size.
    fn check(&mut self) -> io::Result<()> {
        if self.descriptor {
            self.read_descriptor()?;
        }
        let crc = std::mem::take(&mut self.hasher).finalize();
        if crc != self.crc || self.produced != self.size {
            return Err(invalid(format!(
                "member {:?} is damaged (its data does not match its checksum); re-create the zip",
                self.name
            )));
        }
        Ok(())
    }

    fn read_member(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        match self.data {
            Data::None | Data::Done => Ok(0),
            Data::Unreadable { .. } => Err(invalid(format!(
                "member {:?} is compressed with a method ballotproof does not read (only stored and deflated); re-create the zip",
                self.name
            ))),
            Data::Stored { left } => {
                if left == 0 {
                    self.data = Data::Done;
                    self.check()?;
                    return Ok(0);
                }
                if !self.fill()? {
                    return Err(self.cut_short());
                }
                let n = (self.hi - self.lo).min(out.len()).min(left as usize);
                let (Some(src), Some(dst)) = (self.buf.get(self.lo..self.lo + n), out.get_mut(..n))
                else {
                    return Ok(0);
                };
                dst.copy_from_slice(src);
                self.hasher.update(src);
                self.lo += n;
                self.produced += n as u64;
                self.data = Data::Stored {
                    left: left - n as u64,
                };
                Ok(n)
            }
            Data::Deflated { mut left } => loop {
                let available = if self.fill()? { self.hi - self.lo } else { 0 };
                let limit = match left {
                    Some(l) => available.min(usize::try_from(l).unwrap_or(usize::MAX)),
                    None => available,
                };
                let input = self.buf.get(self.lo..self.lo + limit).unwrap_or(&[]);
                let (before_in, before_out) = (self.inflater.total_in(), self.inflater.total_out());
                let status = self
                    .inflater
                    .decompress(input, out, FlushDecompress::None)
                    .map_err(|e| {
                        invalid(format!(
                            "member {:?} is damaged ({e}); re-create the zip",
                            self.name
                        ))
                    })?;
                let consumed = (self.inflater.total_in() - before_in) as usize;
                let produced = (self.inflater.total_out() - before_out) as usize;
                self.lo += consumed;
                left = left.map(|l| l.saturating_sub(consumed as u64));
                self.data = Data::Deflated { left };
                if let Some(written) = out.get(..produced) {
                    self.hasher.update(written);
                }
                self.produced += produced as u64;
                if status == Status::StreamEnd {
                    if let Some(rest) = left {
                        self.skip(rest)?;
                    }
                    self.data = Data::Done;
                    self.check()?;
                    return Ok(produced);
                }
                if produced > 0 {
                    return Ok(produced);
                }
                if consumed == 0 {
                    // No progress: the data ended (or its size did) before the deflate stream.
                    return Err(if self.eof {
                        self.cut_short()
                    } else {
                        invalid(format!(
                            "member {:?} is damaged (its compressed data ends too early); re-create the zip",
                            self.name
                        ))
                    });
                }
            },
        }
    }
}

/// The data of the current member of a [`ZipStream`].
pub struct Member<'a, R>(&'a mut ZipStream<R>);

impl<R: Read> Read for Member<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.read_member(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn archive(members: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, deflate) in members {
            let method = if *deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(*name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn read_all(bytes: &[u8]) -> io::Result<Vec<(String, Vec<u8>)>> {
        let mut z = ZipStream::new(bytes);
        let mut out = Vec::new();
        while let Some(h) = z.next_member()? {
            let mut data = Vec::new();
            z.member().read_to_end(&mut data)?;
            out.push((h.name, data));
        }
        Ok(out)
    }

    #[test]
    fn stored_and_deflated_members_read_in_order() {
        let big: Vec<u8> = (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let bytes = archive(&[
            ("a.txt", b"hello", false),
            ("b/c.xml", &big, true),
            ("d", b"", true),
        ]);
        let got = read_all(&bytes).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ("a.txt".to_string(), b"hello".to_vec()));
        assert_eq!(got[1].1, big);
        assert_eq!(got[2].1, b"");
        // Members left unread are skipped.
        let mut z = ZipStream::new(bytes.as_slice());
        let mut names = Vec::new();
        while let Some(h) = z.next_member().unwrap() {
            names.push(h.name);
        }
        assert_eq!(names, ["a.txt", "b/c.xml", "d"]);
    }

    #[test]
    fn damage_and_truncation_are_errors() {
        let bytes = archive(&[
            ("a.txt", b"hello hello hello", false),
            ("b.txt", b"world world", true),
        ]);
        // A changed data byte fails the checksum.
        let mut damaged = bytes.clone();
        let at = damaged.windows(5).position(|w| w == b"hello").unwrap();
        damaged[at] = b'j';
        let err = read_all(&damaged).unwrap_err().to_string();
        assert!(err.contains("\"a.txt\" is damaged"), "{err}");
        // Cut anywhere before the central directory (which streaming does not read).
        let central = bytes
            .windows(4)
            .position(|w| w == CENTRAL_HEADER.to_le_bytes())
            .unwrap();
        for cut in 0..central {
            assert!(read_all(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }

    /// Members whose sizes come after their data (as streaming zip writers produce) still read.
    #[test]
    fn data_descriptors() {
        let data = b"the quick brown fox jumps over the lazy dog, again and again and again";
        let mut deflated = Vec::new();
        let mut enc =
            flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap();
        let crc = crc32fast::hash(data);
        let mut zip = Vec::new();
        for with_signature in [true, false] {
            let name = if with_signature { "x.txt" } else { "y.txt" };
            zip.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
            zip.extend_from_slice(&[20, 0, 8, 0, 8, 0, 0, 0, 0, 0]);
            zip.extend_from_slice(&[0; 12]);
            zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
            zip.extend_from_slice(&[0, 0]);
            zip.extend_from_slice(name.as_bytes());
            zip.extend_from_slice(&deflated);
            if with_signature {
                zip.extend_from_slice(&DATA_DESCRIPTOR.to_le_bytes());
            }
            zip.extend_from_slice(&crc.to_le_bytes());
            zip.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
            zip.extend_from_slice(&(data.len() as u32).to_le_bytes());
        }
        zip.extend_from_slice(&END_OF_CENTRAL.to_le_bytes());
        let got = read_all(&zip).unwrap();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(|(_, d)| d == data));
        // Skipping such a member without reading it still finds the next one.
        let mut z = ZipStream::new(zip.as_slice());
        assert_eq!(z.next_member().unwrap().unwrap().name, "x.txt");
        assert_eq!(z.next_member().unwrap().unwrap().name, "y.txt");
        assert_eq!(z.next_member().unwrap(), None);
    }

    /// A reader that hands out at most `step` bytes per read.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.bytes.len());
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// What comes out does not depend on how the archive arrives or how much is asked for at a
    /// time (a regression test: the compressed size left was once not updated between reads
    /// that produced nothing, so a member could run into the next one's header).
    #[test]
    fn reads_do_not_depend_on_buffer_sizes() {
        let spec = crate::generate::Spec {
            cards: 300,
            contests: 6,
            ..crate::generate::Spec::default()
        };
        let zip = crate::generate::write_hart_zip(&spec, true, Cursor::new(Vec::new()))
            .unwrap()
            .into_inner();
        let expected = read_all(&zip).unwrap();
        assert_eq!(expected.len(), 300);
        for step in [1, 7, 4096] {
            for out_size in [1, 3, 64, 5000] {
                let mut z = ZipStream::new(Trickle { bytes: &zip, step });
                let mut got = Vec::new();
                while let Some(h) = z.next_member().unwrap() {
                    let mut data = Vec::new();
                    let mut chunk = vec![0u8; out_size];
                    loop {
                        let n = z.member().read(&mut chunk).unwrap();
                        if n == 0 {
                            break;
                        }
                        data.extend_from_slice(&chunk[..n]);
                    }
                    got.push((h.name, data));
                }
                assert!(got == expected, "step {step}, reads of {out_size}");
            }
        }
    }
}
