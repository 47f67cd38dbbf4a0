//! The OCF container: a ZIP with `mimetype` first and stored, then `META-INF/container.xml`
//! and the package, in a fixed order with fixed timestamps, so the same book always gives
//! the same bytes.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

use crate::EpubError;
use crate::date::parse_date;

/// The package folder inside the container.
pub(crate) const PACKAGE_DIR: &str = "OEBPS";

/// `META-INF/container.xml`, pointing at the package document.
const CONTAINER_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<container version=\"1.0\" xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\">\n\
<rootfiles>\n\
<rootfile full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>\n\
</rootfiles>\n\
</container>\n";

/// One file of the package.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Path relative to the package folder.
    pub(crate) path: String,
    /// Contents.
    pub(crate) data: Vec<u8>,
    /// Deflate it (text, fonts) or store it (images, already compressed).
    pub(crate) deflate: bool,
}

/// The ZIP timestamp: the date of `modified` (`YYYY-MM-DDThh:mm:ssZ`), clamped to what
/// ZIP can express; 1980-01-01 otherwise.
fn zip_time(modified: &str) -> DateTime {
    let time = |r: std::ops::Range<usize>| modified.get(r).and_then(|s| s.parse::<u8>().ok());
    parse_date(modified)
        .and_then(|(y, m, d)| {
            let y = u16::try_from(y).ok()?;
            if !(1980..=2107).contains(&y) {
                return None;
            }
            let (hh, mm, ss) = (time(11..13)?, time(14..16)?, time(17..19)?);
            DateTime::from_date_and_time(
                y,
                u8::try_from(m).ok()?,
                u8::try_from(d).ok()?,
                hh,
                mm,
                ss,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Writes the container.
pub(crate) fn write_container(entries: &[Entry], modified: &str) -> Result<Vec<u8>, EpubError> {
    let size: usize = entries.iter().map(|e| e.data.len()).sum();
    let mut zip = ZipWriter::new(Cursor::new(Vec::with_capacity(size / 2 + 4096)));
    let base = SimpleFileOptions::default()
        .system(System::Unix)
        .unix_permissions(0o644)
        .last_modified_time(zip_time(modified));
    let stored = base.compression_method(CompressionMethod::Stored);
    let deflated = base
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6));

    let mut add = |path: &str, data: &[u8], deflate: bool| -> Result<(), EpubError> {
        zip.start_file(path, if deflate { deflated } else { stored })
            .map_err(|e| EpubError::Archive(e.to_string()))?;
        zip.write_all(data)
            .map_err(|e| EpubError::Archive(e.to_string()))
    };
    add("mimetype", b"application/epub+zip", false)?;
    add("META-INF/container.xml", CONTAINER_XML.as_bytes(), true)?;
    for entry in entries {
        add(
            &format!("{PACKAGE_DIR}/{}", entry.path),
            &entry.data,
            entry.deflate,
        )?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| EpubError::Archive(e.to_string()))?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimetype_is_first_and_stored() {
        let bytes = write_container(
            &[Entry {
                path: "a.txt".into(),
                data: b"hello hello hello".to_vec(),
                deflate: true,
            }],
            "2026-01-01T00:00:00Z",
        )
        .unwrap();
        // local file header, then method 0 (stored) at offset 8, name at 30
        assert_eq!(&bytes[0..4], b"PK\x03\x04");
        assert_eq!(&bytes[8..10], &[0, 0]);
        assert_eq!(&bytes[26..28], &[8, 0]); // name length
        assert_eq!(&bytes[28..30], &[0, 0]); // no extra field
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..58], b"application/epub+zip");
    }

    #[test]
    fn zip_times() {
        assert_eq!(
            zip_time("2026-03-04T05:06:08Z").to_string(),
            "2026-03-04 05:06:08"
        );
        assert_eq!(zip_time("1813-01-01T00:00:00Z"), DateTime::default());
        assert_eq!(zip_time("nonsense"), DateTime::default());
    }
}
