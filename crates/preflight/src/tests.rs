//! Every rule with a book that fails it and one that passes.

use crate::{EbookFacts, Facts, Margins, Paper, PrintFacts, RuleId, Severity, Target, check};

/// A 6 x 9 in, 200-page book on white paper that every store takes.
fn good() -> Facts {
    Facts {
        print: Some(PrintFacts {
            trim: (6.0, 9.0),
            pages: 200,
            paper: Some(Paper::White),
            interior_bleed: 0.0,
            cover_bleed: 0.125,
            margins: Margins {
                inside: 0.75,
                outside: 0.625,
                top: 0.55,
                bottom: 0.6,
            },
            margin_pages: [3, 4, 5, 6],
            fonts_embedded: true,
            lowest_image_ppi: Some((320.0, "map.png".into())),
            annotations: 0,
            spine_text: true,
            uses_rgb: false,
            pdfx: Some("PDF/X-1a:2001".into()),
            interior_bytes: 2_000_000,
            cover_bytes: 100_000,
        }),
        ebook: Some(EbookFacts {
            cover_px: Some((1600, 2560)),
            bytes: 500_000,
            largest_image_px: Some((1_000_000, "map.png".into())),
            epubcheck: Some(Vec::new()),
        }),
        isbns: vec![("print".into(), "978-0-306-40615-7".into())],
    }
}

fn ids(target: Target, facts: &Facts) -> Vec<RuleId> {
    check(target, facts).iter().map(|f| f.rule.id).collect()
}

fn errors(target: Target, facts: &Facts) -> Vec<RuleId> {
    check(target, facts)
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.rule.id)
        .collect()
}

fn print(f: &mut Facts) -> &mut PrintFacts {
    f.print.as_mut().unwrap()
}

fn ebook(f: &mut Facts) -> &mut EbookFacts {
    f.ebook.as_mut().unwrap()
}

#[test]
fn a_good_book_passes_every_store() {
    for target in Target::ALL {
        // Kobo advises 3:4; the KDP-shaped cover only warns there.
        let found = ids(target, &good());
        if target == Target::Kobo {
            assert_eq!(found, vec![RuleId::EbookCoverRatio], "{target:?}");
        } else {
            assert!(found.is_empty(), "{target:?}: {found:?}");
        }
    }
}

#[test]
fn trim_size() {
    let mut f = good();
    print(&mut f).trim = (1.0, 1.0);
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::TrimSize]);
    print(&mut f).trim = (8.5, 11.0);
    assert!(errors(Target::Kdp, &f).is_empty());
}

#[test]
fn page_count_per_store_and_paper() {
    let mut f = good();
    print(&mut f).pages = 20;
    print(&mut f).spine_text = false;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::PageCount]);
    assert!(
        errors(Target::IngramSpark, &f).is_empty(),
        "18 is Ingram's least"
    );
    print(&mut f).pages = 16;
    assert_eq!(errors(Target::IngramSpark, &f), vec![RuleId::PageCount]);
    print(&mut f).pages = 800;
    print(&mut f).margins.inside = 0.9;
    assert!(errors(Target::Kdp, &f).is_empty(), "white takes 828");
    print(&mut f).paper = Some(Paper::Cream);
    assert_eq!(
        errors(Target::Kdp, &f),
        vec![RuleId::PageCount],
        "cream takes 776"
    );
    let message = &check(Target::Kdp, &f)[0];
    assert!(message.message.contains("776"), "{}", message.message);
}

#[test]
fn gutter_by_page_count() {
    assert_eq!(super::rules::kdp_gutter(24), 0.375);
    assert_eq!(super::rules::kdp_gutter(151), 0.5);
    assert_eq!(super::rules::kdp_gutter(500), 0.625);
    assert_eq!(super::rules::kdp_gutter(701), 0.875);
    let mut f = good();
    print(&mut f).pages = 400;
    print(&mut f).margins.inside = 0.6;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::Gutter]);
    print(&mut f).margins.inside = 0.625;
    assert!(errors(Target::Kdp, &f).is_empty());
}

#[test]
fn outer_margins_with_and_without_bleed() {
    let mut f = good();
    print(&mut f).margins.bottom = 0.3;
    assert!(errors(Target::Kdp, &f).is_empty(), "0.25 without bleed");
    print(&mut f).interior_bleed = 0.125;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::OuterMargins]);
    let found = &check(Target::Kdp, &f)[0];
    assert!(found.message.contains("bottom") && found.message.contains("page 6"));
}

#[test]
fn ingram_margins_all_round() {
    let mut f = good();
    print(&mut f).margins.top = 0.45;
    assert_eq!(errors(Target::IngramSpark, &f), vec![RuleId::AllMargins]);
    print(&mut f).margins.top = 0.5;
    assert!(errors(Target::IngramSpark, &f).is_empty());
}

#[test]
fn bleed_is_an_eighth_of_an_inch() {
    let mut f = good();
    print(&mut f).interior_bleed = 0.25;
    print(&mut f).margins.outside = 0.6;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::Bleed]);
    print(&mut f).interior_bleed = 0.0;
    print(&mut f).cover_bleed = 0.0;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::Bleed]);
}

#[test]
fn fonts_images_annotations_spine_and_size() {
    let mut f = good();
    print(&mut f).fonts_embedded = false;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::FontsEmbedded]);
    let mut f = good();
    print(&mut f).lowest_image_ppi = Some((150.0, "photo.jpg".into()));
    assert_eq!(
        errors(Target::IngramSpark, &f),
        vec![RuleId::ImageResolution]
    );
    let mut f = good();
    print(&mut f).annotations = 3;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::NoAnnotations]);
    assert!(errors(Target::IngramSpark, &f).is_empty());
    let mut f = good();
    print(&mut f).pages = 60;
    print(&mut f).margins.inside = 0.5;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::SpineText]);
    print(&mut f).spine_text = false;
    assert!(errors(Target::Kdp, &f).is_empty());
    let mut f = good();
    print(&mut f).interior_bytes = 700_000_000;
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::PrintFileSize]);
}

#[test]
fn ingram_wants_pdfx_1a_without_rgb() {
    let mut f = good();
    print(&mut f).pdfx = None;
    assert_eq!(errors(Target::IngramSpark, &f), vec![RuleId::PdfX1a]);
    assert!(errors(Target::Kdp, &f).is_empty(), "KDP takes plain PDF");
    let mut f = good();
    print(&mut f).uses_rgb = true;
    assert_eq!(errors(Target::IngramSpark, &f), vec![RuleId::PdfX1a]);
}

#[test]
fn ebook_cover_presence_size_and_ratio() {
    let mut f = good();
    ebook(&mut f).cover_px = None;
    for target in Target::ALL {
        assert_eq!(errors(target, &f), vec![RuleId::EbookCover], "{target:?}");
    }
    let mut f = good();
    ebook(&mut f).cover_px = Some((600, 960));
    assert_eq!(errors(Target::Kdp, &f), vec![RuleId::EbookCoverSize]);
    assert_eq!(errors(Target::Google, &f), vec![RuleId::EbookCoverSize]);
    assert!(
        errors(Target::IngramSpark, &f).is_empty(),
        "IngramSpark's cover size is for the separate upload"
    );
    assert_eq!(
        ids(Target::Apple, &f),
        vec![RuleId::EbookCoverSize],
        "a warning"
    );
    assert!(errors(Target::Apple, &f).is_empty());
    let mut f = good();
    ebook(&mut f).cover_px = Some((8000, 8000));
    assert_eq!(errors(Target::Google, &f), vec![RuleId::EbookCoverSize]);
    let mut f = good();
    ebook(&mut f).cover_px = Some((1800, 2400));
    assert!(ids(Target::Kobo, &f).is_empty(), "3:4 suits Kobo");
    assert_eq!(ids(Target::Kdp, &f), vec![RuleId::EbookCoverRatio]);
}

#[test]
fn epub_size_pixels_isbn_and_epubcheck() {
    let mut f = good();
    ebook(&mut f).bytes = 150_000_000;
    assert_eq!(errors(Target::BarnesNoble, &f), vec![RuleId::EpubFileSize]);
    assert_eq!(errors(Target::IngramSpark, &f), vec![RuleId::EpubFileSize]);
    assert!(errors(Target::Apple, &f).is_empty());
    let mut f = good();
    ebook(&mut f).largest_image_px = Some((3_500_000, "big.jpg".into()));
    assert_eq!(
        errors(Target::IngramSpark, &f),
        vec![RuleId::EpubImagePixels]
    );
    assert!(
        errors(Target::Apple, &f).is_empty(),
        "Apple takes 4 million"
    );
    let mut f = good();
    f.isbns = vec![("print".into(), "978-0-306-40615-8".into())];
    assert_eq!(errors(Target::Google, &f), vec![RuleId::Isbn]);
    let mut f = good();
    ebook(&mut f).epubcheck = Some(vec!["ERROR(RSC-005): bad".into()]);
    assert_eq!(errors(Target::Apple, &f), vec![RuleId::EpubCheck]);
    ebook(&mut f).epubcheck = None;
    assert_eq!(
        ids(Target::Apple, &f),
        vec![RuleId::EpubCheck],
        "not run: a warning"
    );
    assert!(errors(Target::Apple, &f).is_empty());
}

#[test]
fn isbn_check_digits() {
    assert!(crate::isbn13_valid("978-0-306-40615-7"));
    assert!(crate::isbn13_valid("9780306406157"));
    assert!(!crate::isbn13_valid("978-0-306-40615-8"));
    assert!(
        !crate::isbn13_valid("0-306-40615-2"),
        "ISBN-10 is not ISBN-13"
    );
    assert!(!crate::isbn13_valid("977-0-306-40615-7"));
    assert!(!crate::isbn13_valid("978x306406157"));
}

#[test]
fn every_rule_names_its_source_and_a_store() {
    for rule in crate::RULES {
        assert!(
            !rule.targets.is_empty() && rule.source.len() > 10,
            "{rule:?}"
        );
    }
}
