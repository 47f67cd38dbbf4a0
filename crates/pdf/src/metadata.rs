//! Document information, XMP metadata and the file identifier.

use pdf_writer::{Date, Finish, Name, Pdf, Ref, TextStr};
use quire_typeset::frame::Document;
use xmp_writer::{DateTime, LangId, XmpWriter};

use crate::{PdfOptions, Refs};

/// A UTC date and time, given by the caller (from `SOURCE_DATE_EPOCH`), never read from a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Year.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day, 1-31.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
}

impl Timestamp {
    /// From seconds since 1970-01-01 UTC (the `SOURCE_DATE_EPOCH` convention).
    pub fn from_unix(seconds: i64) -> Timestamp {
        let (y, m, d, hh, mm, ss) = quire_model::civil_from_unix(seconds);
        // All but the year are in range by construction.
        Timestamp {
            year: y.clamp(0, 9999) as u16,
            month: m as u8,
            day: d as u8,
            hour: hh as u8,
            minute: mm as u8,
            second: ss as u8,
        }
    }
}

/// Writes the Info dictionary and the XMP stream; returns their references.
pub(crate) fn write(
    pdf: &mut Pdf,
    refs: &mut Refs,
    doc: &Document,
    options: &PdfOptions,
) -> (Ref, Ref) {
    let info_ref = refs.next();
    let xmp_ref = refs.next();
    let info = &doc.info;
    let producer = concat!("Quire ", env!("CARGO_PKG_VERSION"));
    {
        let mut dict = pdf.document_info(info_ref);
        dict.title(TextStr(&info.title));
        if !info.author.is_empty() {
            dict.author(TextStr(&info.author));
        }
        if let Some(subject) = &info.subject {
            dict.subject(TextStr(subject));
        }
        if !info.keywords.is_empty() {
            dict.keywords(TextStr(&info.keywords.join(", ")));
        }
        dict.creator(TextStr("Quire"));
        dict.producer(TextStr(producer));
        // PDF/X requires both dates; without a timestamp, the epoch (never the clock).
        let timestamp = options
            .timestamp
            .or_else(|| options.pdfx.map(|_| crate::Timestamp::from_unix(0)));
        if let Some(pdfx) = options.pdfx {
            dict.pair(Name(b"GTS_PDFXVersion"), TextStr("PDF/X-1:2001"));
            dict.pair(Name(b"GTS_PDFXConformance"), TextStr(pdfx.name()));
            dict.trapped(pdf_writer::types::TrappingStatus::NotTrapped);
        }
        if let Some(t) = timestamp {
            let date = Date::new(t.year)
                .month(t.month)
                .day(t.day)
                .hour(t.hour)
                .minute(t.minute)
                .second(t.second)
                .utc_offset_hour(0)
                .utc_offset_minute(0);
            dict.creation_date(date);
            dict.modified_date(date);
        }
        dict.finish();
    }
    let mut xmp = XmpWriter::new();
    xmp.title([(None, info.title.as_str())]);
    if !info.author.is_empty() {
        xmp.creator([info.author.as_str()]);
    }
    if !info.language.is_empty() {
        xmp.language([LangId(&info.language)]);
    }
    if let Some(subject) = &info.subject {
        xmp.description([(None, subject.as_str())]);
    }
    if !info.keywords.is_empty() {
        xmp.pdf_keywords(&info.keywords.join(", "));
    }
    if !info.identifier.is_empty() {
        xmp.identifier(info.identifier.as_str());
    }
    xmp.producer(producer);
    xmp.creator_tool("Quire");
    xmp.format("application/pdf");
    if let Some(t) = options.timestamp {
        let date = DateTime {
            year: t.year,
            month: Some(t.month),
            day: Some(t.day),
            hour: Some(t.hour),
            minute: Some(t.minute),
            second: Some(t.second),
            timezone: Some(xmp_writer::Timezone::Utc),
        };
        xmp.create_date(date);
        xmp.modify_date(date);
        xmp.metadata_date(date);
    }
    let xml = xmp.finish(None);
    pdf.metadata(xmp_ref, xml.as_bytes());
    (info_ref, xmp_ref)
}

/// A stable file identifier (PDF/X asks for one; every PDF gets it): FNV-1a hashes of the title, the identifier and every page's
/// [`content_hash`], in page order.
pub(crate) fn file_id(doc: &Document, page_hashes: &[u64]) -> (Vec<u8>, Vec<u8>) {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x8422_2325_cbf2_9ce4;
    let mut feed = |bytes: &[u8]| {
        for &byte in bytes {
            a ^= u64::from(byte);
            a = a.wrapping_mul(0x0100_0000_01b3);
            b ^= u64::from(byte.rotate_left(3));
            b = b.wrapping_mul(0x0000_0100_0000_01b3 ^ 0x5bd1_e995);
        }
    };
    feed(doc.info.title.as_bytes());
    feed(doc.info.identifier.as_bytes());
    for hash in page_hashes {
        feed(&hash.to_le_bytes());
    }
    let mut id = a.to_be_bytes().to_vec();
    id.extend(b.to_be_bytes());
    (id.clone(), id)
}

/// A 64-bit hash of a page's content stream for [`file_id`]: FNV-1a over its 8-byte words
/// (and the bytes left over), eight times fewer steps than byte by byte.
pub(crate) fn content_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        hash ^= u64::from_le_bytes(eight);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
    }
    for &byte in words.remainder() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_hash_sees_every_byte() {
        let page = b"BT /F0 11 Tf 1 0 0 1 72 700 Tm [(Hello)] TJ ET 0 0 1 rg".to_vec();
        let base = content_hash(&page);
        assert_eq!(base, content_hash(&page.clone()));
        for i in 0..page.len() {
            let mut changed = page.clone();
            changed[i] ^= 1;
            assert_ne!(content_hash(&changed), base, "byte {i}");
        }
        assert_ne!(content_hash(&page[..page.len() - 1]), base);
    }

    #[test]
    fn unix_epoch_to_civil() {
        let t = Timestamp::from_unix(1_700_000_000);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2023, 11, 14, 22, 13, 20)
        );
        let t = Timestamp::from_unix(0);
        assert_eq!((t.year, t.month, t.day), (1970, 1, 1));
    }
}
