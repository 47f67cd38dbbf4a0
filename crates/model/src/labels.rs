//! The words Quire prints itself (the contents' heading, the copyright page's lines, the
//! ebook's navigation, the captions' "Figure"), in the book's language: a French novel's
//! contents are its "Table des matières". Languages without a table here get English.

use crate::ChapterKind;

/// The words of one language. Phrases with `{}` take a name, a year or a font there.
#[derive(Debug, PartialEq, Eq)]
pub struct Labels {
    /// The contents' heading and running head ("Contents").
    pub contents: &'static str,
    /// The ebook's table of contents, as a landmark ("Table of Contents").
    pub table_of_contents: &'static str,
    /// The ebook's landmarks list ("Landmarks").
    pub landmarks: &'static str,
    /// The cover, as a landmark ("Cover").
    pub cover: &'static str,
    /// Where the text starts, as a landmark ("Start of Content").
    pub start_of_content: &'static str,
    /// The copyright page, as a label ("Copyright").
    pub copyright: &'static str,
    /// Under the title: "by {}" with the authors.
    pub by: &'static str,
    /// Between the names of a list of people: "A, B and C" (the first is `comma`, the
    /// second `and`, each with its spaces).
    pub comma: &'static str,
    /// Before the last name of a list of people (" and ").
    pub and: &'static str,
    /// Before the translators' names ("Translated by").
    pub translated_by: &'static str,
    /// Before the illustrators' names ("Illustrated by").
    pub illustrated_by: &'static str,
    /// Before the editors' names ("Edited by").
    pub edited_by: &'static str,
    /// "First published {}" with a year.
    pub first_published: &'static str,
    /// "Published by {}" with the publisher.
    pub published_by: &'static str,
    /// "This edition published by {}" with the publisher (a reprint).
    pub this_edition_published_by: &'static str,
    /// "This edition {}" with a year (a reprint without a publisher).
    pub this_edition: &'static str,
    /// The edition a print ISBN is for ("print").
    pub print: &'static str,
    /// The edition an ebook ISBN is for ("ebook").
    pub ebook: &'static str,
    /// "Typeset in {} with Quire." with the font.
    pub typeset_in: &'static str,
    /// A figure's caption label ("Figure 3").
    pub figure: &'static str,
    /// A listing's caption label ("Listing 3-2").
    pub listing: &'static str,
    /// What a chapter with no title of its own is called, by kind, in the order of
    /// [`Labels::KINDS`] ("Chapter", "Dedication" ...).
    pub kinds: [&'static str; 16],
}

impl Labels {
    /// The labels for a BCP 47 language tag (`fr`, `de-CH`, `pt-BR`): its primary
    /// language's, or English's.
    pub fn of(language: &str) -> &'static Labels {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => &FRENCH,
            "de" => &GERMAN,
            "es" => &SPANISH,
            "it" => &ITALIAN,
            "pt" => &PORTUGUESE,
            "nl" => &DUTCH,
            "sv" => &SWEDISH,
            "pl" => &POLISH,
            "ru" => &RUSSIAN,
            // Ancient Greek editions print their front matter in modern Greek.
            "el" | "grc" => &GREEK,
            "he" | "iw" => &HEBREW,
            "ja" => &JAPANESE,
            "zh" if is_traditional_chinese(language) => &TRADITIONAL_CHINESE,
            "zh" => &CHINESE,
            "ko" => &KOREAN,
            "vi" => &VIETNAMESE,
            _ => &ENGLISH,
        }
    }

    /// The kinds [`Labels::kinds`] names, in order.
    pub const KINDS: [ChapterKind; 16] = [
        ChapterKind::Chapter,
        ChapterKind::Dedication,
        ChapterKind::Epigraph,
        ChapterKind::Foreword,
        ChapterKind::Preface,
        ChapterKind::Introduction,
        ChapterKind::Prologue,
        ChapterKind::Epilogue,
        ChapterKind::Afterword,
        ChapterKind::Acknowledgments,
        ChapterKind::Appendix,
        ChapterKind::Bibliography,
        ChapterKind::Glossary,
        ChapterKind::Frontispiece,
        ChapterKind::Part,
        ChapterKind::Index,
    ];

    /// What a chapter of `kind` with no title of its own is called ("Dedication"), for
    /// contents, running heads and navigation.
    pub fn kind(&self, kind: ChapterKind) -> &'static str {
        let kind = if kind == ChapterKind::Other {
            ChapterKind::Chapter
        } else {
            kind
        };
        Self::KINDS
            .iter()
            .position(|k| *k == kind)
            .and_then(|i| self.kinds.get(i))
            .copied()
            .unwrap_or(self.kinds[0])
    }

    /// `phrase` (one of the labels with `{}`) with `value` in it.
    pub fn fill(phrase: &str, value: &str) -> String {
        phrase.replacen("{}", value, 1)
    }
}

/// English (and every language without a table of its own).
const ENGLISH: Labels = Labels {
    contents: "Contents",
    table_of_contents: "Table of Contents",
    landmarks: "Landmarks",
    cover: "Cover",
    start_of_content: "Start of Content",
    copyright: "Copyright",
    by: "by {}",
    comma: ", ",
    and: " and ",
    translated_by: "Translated by",
    illustrated_by: "Illustrated by",
    edited_by: "Edited by",
    first_published: "First published {}",
    published_by: "Published by {}",
    this_edition_published_by: "This edition published by {}",
    this_edition: "This edition {}",
    print: "print",
    ebook: "ebook",
    typeset_in: "Typeset in {} with Quire.",
    figure: "Figure",
    listing: "Listing",
    kinds: [
        "Chapter",
        "Dedication",
        "Epigraph",
        "Foreword",
        "Preface",
        "Introduction",
        "Prologue",
        "Epilogue",
        "Afterword",
        "Acknowledgments",
        "Appendix",
        "Bibliography",
        "Glossary",
        "Frontispiece",
        "Part",
        "Index",
    ],
};

const FRENCH: Labels = Labels {
    contents: "Table des matières",
    table_of_contents: "Table des matières",
    landmarks: "Repères",
    cover: "Couverture",
    start_of_content: "Début du texte",
    copyright: "Copyright",
    by: "par {}",
    comma: ", ",
    and: " et ",
    translated_by: "Traduit par",
    illustrated_by: "Illustré par",
    edited_by: "Édité par",
    first_published: "Première publication en {}",
    published_by: "Publié par {}",
    this_edition_published_by: "Cette édition publiée par {}",
    this_edition: "Cette édition en {}",
    print: "papier",
    ebook: "numérique",
    typeset_in: "Composé en {} avec Quire.",
    figure: "Figure",
    listing: "Listing",
    kinds: [
        "Chapitre",
        "Dédicace",
        "Épigraphe",
        "Avant-propos",
        "Préface",
        "Introduction",
        "Prologue",
        "Épilogue",
        "Postface",
        "Remerciements",
        "Annexe",
        "Bibliographie",
        "Glossaire",
        "Frontispice",
        "Partie",
        "Index",
    ],
};

const GERMAN: Labels = Labels {
    contents: "Inhalt",
    table_of_contents: "Inhaltsverzeichnis",
    landmarks: "Orientierungspunkte",
    cover: "Umschlag",
    start_of_content: "Textbeginn",
    copyright: "Impressum",
    by: "von {}",
    comma: ", ",
    and: " und ",
    translated_by: "Übersetzt von",
    illustrated_by: "Illustriert von",
    edited_by: "Herausgegeben von",
    first_published: "Erstausgabe {}",
    published_by: "Erschienen bei {}",
    this_edition_published_by: "Diese Ausgabe erschien bei {}",
    this_edition: "Diese Ausgabe {}",
    print: "Druckausgabe",
    ebook: "E-Book",
    typeset_in: "Gesetzt aus der {} mit Quire.",
    figure: "Abbildung",
    listing: "Listing",
    kinds: [
        "Kapitel",
        "Widmung",
        "Motto",
        "Geleitwort",
        "Vorwort",
        "Einleitung",
        "Prolog",
        "Epilog",
        "Nachwort",
        "Danksagung",
        "Anhang",
        "Literaturverzeichnis",
        "Glossar",
        "Frontispiz",
        "Teil",
        "Register",
    ],
};

const SPANISH: Labels = Labels {
    contents: "Índice",
    table_of_contents: "Índice",
    landmarks: "Puntos de referencia",
    cover: "Cubierta",
    start_of_content: "Inicio del texto",
    copyright: "Créditos",
    by: "por {}",
    comma: ", ",
    and: " y ",
    translated_by: "Traducción de",
    illustrated_by: "Ilustraciones de",
    edited_by: "Edición de",
    first_published: "Primera edición: {}",
    published_by: "Publicado por {}",
    this_edition_published_by: "Esta edición publicada por {}",
    this_edition: "Esta edición: {}",
    print: "impreso",
    ebook: "libro electrónico",
    typeset_in: "Compuesto en {} con Quire.",
    figure: "Figura",
    listing: "Listado",
    kinds: [
        "Capítulo",
        "Dedicatoria",
        "Epígrafe",
        "Presentación",
        "Prefacio",
        "Introducción",
        "Prólogo",
        "Epílogo",
        "Epílogo del autor",
        "Agradecimientos",
        "Apéndice",
        "Bibliografía",
        "Glosario",
        "Frontispicio",
        "Parte",
        "Índice alfabético",
    ],
};

const ITALIAN: Labels = Labels {
    contents: "Indice",
    table_of_contents: "Indice",
    landmarks: "Punti di riferimento",
    cover: "Copertina",
    start_of_content: "Inizio del testo",
    copyright: "Copyright",
    by: "di {}",
    comma: ", ",
    and: " e ",
    translated_by: "Traduzione di",
    illustrated_by: "Illustrazioni di",
    edited_by: "A cura di",
    first_published: "Prima edizione: {}",
    published_by: "Pubblicato da {}",
    this_edition_published_by: "Questa edizione pubblicata da {}",
    this_edition: "Questa edizione: {}",
    print: "cartaceo",
    ebook: "ebook",
    typeset_in: "Composto in {} con Quire.",
    figure: "Figura",
    listing: "Listato",
    kinds: [
        "Capitolo",
        "Dedica",
        "Epigrafe",
        "Premessa",
        "Prefazione",
        "Introduzione",
        "Prologo",
        "Epilogo",
        "Postfazione",
        "Ringraziamenti",
        "Appendice",
        "Bibliografia",
        "Glossario",
        "Frontespizio",
        "Parte",
        "Indice analitico",
    ],
};

const PORTUGUESE: Labels = Labels {
    contents: "Índice",
    table_of_contents: "Índice",
    landmarks: "Pontos de referência",
    cover: "Capa",
    start_of_content: "Início do texto",
    copyright: "Direitos autorais",
    by: "de {}",
    comma: ", ",
    and: " e ",
    translated_by: "Tradução de",
    illustrated_by: "Ilustrações de",
    edited_by: "Edição de",
    first_published: "Primeira edição: {}",
    published_by: "Publicado por {}",
    this_edition_published_by: "Esta edição publicada por {}",
    this_edition: "Esta edição: {}",
    print: "impresso",
    ebook: "e-book",
    typeset_in: "Composto em {} com Quire.",
    figure: "Figura",
    listing: "Listagem",
    kinds: [
        "Capítulo",
        "Dedicatória",
        "Epígrafe",
        "Apresentação",
        "Prefácio",
        "Introdução",
        "Prólogo",
        "Epílogo",
        "Posfácio",
        "Agradecimentos",
        "Apêndice",
        "Bibliografia",
        "Glossário",
        "Frontispício",
        "Parte",
        "Índice remissivo",
    ],
};

const DUTCH: Labels = Labels {
    contents: "Inhoud",
    table_of_contents: "Inhoudsopgave",
    landmarks: "Oriëntatiepunten",
    cover: "Omslag",
    start_of_content: "Begin van de tekst",
    copyright: "Colofon",
    by: "door {}",
    comma: ", ",
    and: " en ",
    translated_by: "Vertaald door",
    illustrated_by: "Geïllustreerd door",
    edited_by: "Bezorgd door",
    first_published: "Eerste uitgave: {}",
    published_by: "Uitgegeven door {}",
    this_edition_published_by: "Deze uitgave verschenen bij {}",
    this_edition: "Deze uitgave: {}",
    print: "gedrukt",
    ebook: "e-book",
    typeset_in: "Gezet in de {} met Quire.",
    figure: "Figuur",
    listing: "Listing",
    kinds: [
        "Hoofdstuk",
        "Opdracht",
        "Motto",
        "Voorwoord",
        "Woord vooraf",
        "Inleiding",
        "Proloog",
        "Epiloog",
        "Nawoord",
        "Dankwoord",
        "Bijlage",
        "Bibliografie",
        "Woordenlijst",
        "Frontispice",
        "Deel",
        "Register",
    ],
};

const SWEDISH: Labels = Labels {
    contents: "Innehåll",
    table_of_contents: "Innehållsförteckning",
    landmarks: "Landmärken",
    cover: "Omslag",
    start_of_content: "Textens början",
    copyright: "Upphovsrätt",
    by: "av {}",
    comma: ", ",
    and: " och ",
    translated_by: "Översättning:",
    illustrated_by: "Illustrationer:",
    edited_by: "Redaktör:",
    first_published: "Första utgåva: {}",
    published_by: "Utgiven av {}",
    this_edition_published_by: "Denna utgåva utgiven av {}",
    this_edition: "Denna utgåva: {}",
    print: "tryckt",
    ebook: "e-bok",
    typeset_in: "Satt med {} i Quire.",
    figure: "Figur",
    listing: "Kodexempel",
    kinds: [
        "Kapitel",
        "Dedikation",
        "Motto",
        "Förord",
        "Förord",
        "Inledning",
        "Prolog",
        "Epilog",
        "Efterord",
        "Tack",
        "Bilaga",
        "Litteraturförteckning",
        "Ordlista",
        "Frontespis",
        "Del",
        "Register",
    ],
};

const POLISH: Labels = Labels {
    contents: "Spis treści",
    table_of_contents: "Spis treści",
    landmarks: "Punkty orientacyjne",
    cover: "Okładka",
    start_of_content: "Początek tekstu",
    copyright: "Prawa autorskie",
    by: "{}",
    comma: ", ",
    and: " i ",
    translated_by: "Przekład:",
    illustrated_by: "Ilustracje:",
    edited_by: "Redakcja:",
    first_published: "Wydanie pierwsze: {}",
    published_by: "Wydawca: {}",
    this_edition_published_by: "To wydanie: {}",
    this_edition: "To wydanie: {}",
    print: "wydanie drukowane",
    ebook: "e-book",
    typeset_in: "Złożono krojem {} w programie Quire.",
    figure: "Rysunek",
    listing: "Listing",
    kinds: [
        "Rozdział",
        "Dedykacja",
        "Motto",
        "Słowo wstępne",
        "Przedmowa",
        "Wstęp",
        "Prolog",
        "Epilog",
        "Posłowie",
        "Podziękowania",
        "Dodatek",
        "Bibliografia",
        "Słowniczek",
        "Frontyspis",
        "Część",
        "Indeks",
    ],
};

const RUSSIAN: Labels = Labels {
    contents: "Содержание",
    table_of_contents: "Оглавление",
    landmarks: "Ориентиры",
    cover: "Обложка",
    start_of_content: "Начало текста",
    copyright: "Авторские права",
    by: "{}",
    comma: ", ",
    and: " и ",
    translated_by: "Перевод:",
    illustrated_by: "Иллюстрации:",
    edited_by: "Редактор:",
    first_published: "Первое издание: {}",
    published_by: "Издатель: {}",
    this_edition_published_by: "Это издание: {}",
    this_edition: "Это издание: {}",
    print: "печатное издание",
    ebook: "электронное издание",
    typeset_in: "Набрано шрифтом {} в Quire.",
    figure: "Рисунок",
    listing: "Листинг",
    kinds: [
        "Глава",
        "Посвящение",
        "Эпиграф",
        "Вступительное слово",
        "Предисловие",
        "Введение",
        "Пролог",
        "Эпилог",
        "Послесловие",
        "Благодарности",
        "Приложение",
        "Библиография",
        "Глоссарий",
        "Фронтиспис",
        "Часть",
        "Указатель",
    ],
};

const GREEK: Labels = Labels {
    contents: "Περιεχόμενα",
    table_of_contents: "Πίνακας περιεχομένων",
    landmarks: "Ορόσημα",
    cover: "Εξώφυλλο",
    start_of_content: "Αρχή του κειμένου",
    copyright: "Πνευματικά δικαιώματα",
    by: "{}",
    comma: ", ",
    and: " και ",
    translated_by: "Μετάφραση:",
    illustrated_by: "Εικονογράφηση:",
    edited_by: "Επιμέλεια:",
    first_published: "Πρώτη έκδοση: {}",
    published_by: "Εκδότης: {}",
    this_edition_published_by: "Η παρούσα έκδοση: {}",
    this_edition: "Η παρούσα έκδοση: {}",
    print: "έντυπη έκδοση",
    ebook: "ηλεκτρονική έκδοση",
    typeset_in: "Στοιχειοθετήθηκε σε {} με το Quire.",
    figure: "Σχήμα",
    listing: "Κώδικας",
    kinds: [
        "Κεφάλαιο",
        "Αφιέρωση",
        "Μότο",
        "Προλογικό σημείωμα",
        "Πρόλογος",
        "Εισαγωγή",
        "Πρόλογος",
        "Επίλογος",
        "Επίμετρο",
        "Ευχαριστίες",
        "Παράρτημα",
        "Βιβλιογραφία",
        "Γλωσσάριο",
        "Προμετωπίδα",
        "Μέρος",
        "Ευρετήριο",
    ],
};

const HEBREW: Labels = Labels {
    contents: "תוכן העניינים",
    table_of_contents: "תוכן העניינים",
    landmarks: "ציוני דרך",
    cover: "כריכה",
    start_of_content: "תחילת הטקסט",
    copyright: "זכויות יוצרים",
    by: "מאת {}",
    comma: ", ",
    and: " ו",
    translated_by: "תרגום:",
    illustrated_by: "איורים:",
    edited_by: "עריכה:",
    first_published: "יצא לאור לראשונה ב־{}",
    published_by: "יצא לאור בהוצאת {}",
    this_edition_published_by: "מהדורה זו יצאה לאור בהוצאת {}",
    this_edition: "מהדורה זו: {}",
    print: "מהדורה מודפסת",
    ebook: "ספר אלקטרוני",
    typeset_in: "סודר באות {} עם Quire.",
    figure: "איור",
    listing: "קטע קוד",
    kinds: [
        "פרק",
        "הקדשה",
        "מוטו",
        "פתח דבר",
        "הקדמה",
        "מבוא",
        "פרולוג",
        "אפילוג",
        "אחרית דבר",
        "תודות",
        "נספח",
        "ביבליוגרפיה",
        "מילון מונחים",
        "תמונת שער",
        "חלק",
        "מפתח",
    ],
};

const JAPANESE: Labels = Labels {
    contents: "目次",
    table_of_contents: "目次",
    landmarks: "ランドマーク",
    cover: "表紙",
    start_of_content: "本文",
    copyright: "著作権",
    by: "{} 著",
    comma: "、",
    and: "、",
    translated_by: "翻訳：",
    illustrated_by: "イラスト：",
    edited_by: "編集：",
    first_published: "初版 {}年",
    published_by: "発行：{}",
    this_edition_published_by: "本版発行：{}",
    this_edition: "本版 {}年",
    print: "紙版",
    ebook: "電子版",
    typeset_in: "{}とQuireで組版。",
    figure: "図",
    listing: "リスト",
    kinds: [
        "章",
        "献辞",
        "エピグラフ",
        "序文",
        "まえがき",
        "はじめに",
        "プロローグ",
        "エピローグ",
        "あとがき",
        "謝辞",
        "付録",
        "参考文献",
        "用語集",
        "口絵",
        "部",
        "索引",
    ],
};

const CHINESE: Labels = Labels {
    contents: "目录",
    table_of_contents: "目录",
    landmarks: "导航",
    cover: "封面",
    start_of_content: "正文",
    copyright: "版权",
    by: "{} 著",
    comma: "、",
    and: "和",
    translated_by: "译者：",
    illustrated_by: "插图：",
    edited_by: "编者：",
    first_published: "{}年首次出版",
    published_by: "{}出版",
    this_edition_published_by: "本版由{}出版",
    this_edition: "本版 {}年",
    print: "纸质版",
    ebook: "电子版",
    typeset_in: "以{}与Quire排版。",
    figure: "图",
    listing: "代码清单",
    kinds: [
        "章",
        "献词",
        "题记",
        "序",
        "前言",
        "引言",
        "序章",
        "尾声",
        "后记",
        "致谢",
        "附录",
        "参考文献",
        "术语表",
        "卷首插图",
        "部",
        "索引",
    ],
};

/// Traditional Chinese (Taiwan, Hong Kong, Macau, or a tag naming the Hant script).
const TRADITIONAL_CHINESE: Labels = Labels {
    contents: "目錄",
    table_of_contents: "目錄",
    landmarks: "導覽",
    cover: "封面",
    start_of_content: "正文",
    copyright: "版權",
    by: "{} 著",
    comma: "、",
    and: "和",
    translated_by: "譯者：",
    illustrated_by: "插圖：",
    edited_by: "編者：",
    first_published: "{}年首次出版",
    published_by: "{}出版",
    this_edition_published_by: "本版由{}出版",
    this_edition: "本版 {}年",
    print: "紙本",
    ebook: "電子書",
    typeset_in: "以{}與Quire排版。",
    figure: "圖",
    listing: "程式碼清單",
    kinds: [
        "章",
        "獻詞",
        "題記",
        "序",
        "前言",
        "引言",
        "序章",
        "尾聲",
        "後記",
        "致謝",
        "附錄",
        "參考文獻",
        "術語表",
        "卷首插圖",
        "部",
        "索引",
    ],
};

const KOREAN: Labels = Labels {
    contents: "차례",
    table_of_contents: "차례",
    landmarks: "랜드마크",
    cover: "표지",
    start_of_content: "본문",
    copyright: "저작권",
    by: "{} 지음",
    comma: ", ",
    and: ", ",
    translated_by: "옮긴이:",
    illustrated_by: "그림:",
    edited_by: "엮은이:",
    first_published: "{}년 초판 발행",
    published_by: "펴낸곳: {}",
    this_edition_published_by: "이 판의 펴낸곳: {}",
    this_edition: "이 판: {}년",
    print: "종이책",
    ebook: "전자책",
    typeset_in: "{}와 Quire로 조판.",
    figure: "그림",
    listing: "코드",
    kinds: [
        "장",
        "헌사",
        "제사",
        "추천사",
        "서문",
        "들어가며",
        "프롤로그",
        "에필로그",
        "후기",
        "감사의 글",
        "부록",
        "참고 문헌",
        "용어집",
        "권두 그림",
        "부",
        "찾아보기",
    ],
};

const VIETNAMESE: Labels = Labels {
    contents: "Mục lục",
    table_of_contents: "Mục lục",
    landmarks: "Mốc điều hướng",
    cover: "Bìa",
    start_of_content: "Bắt đầu nội dung",
    copyright: "Bản quyền",
    by: "{}",
    comma: ", ",
    and: " và ",
    translated_by: "Người dịch:",
    illustrated_by: "Minh họa:",
    edited_by: "Biên tập:",
    first_published: "Xuất bản lần đầu năm {}",
    published_by: "{} xuất bản",
    this_edition_published_by: "Ấn bản này do {} xuất bản",
    this_edition: "Ấn bản này năm {}",
    print: "bản in",
    ebook: "sách điện tử",
    typeset_in: "Dàn trang bằng {} với Quire.",
    figure: "Hình",
    listing: "Đoạn mã",
    kinds: [
        "Chương",
        "Lời đề tặng",
        "Đề từ",
        "Lời tựa",
        "Lời nói đầu",
        "Giới thiệu",
        "Mở đầu",
        "Kết",
        "Lời bạt",
        "Lời cảm ơn",
        "Phụ lục",
        "Tài liệu tham khảo",
        "Bảng thuật ngữ",
        "Tranh đầu sách",
        "Phần",
        "Chỉ mục",
    ],
};

/// Whether a chapter in the language `tag` (BCP 47) opens with its first words in small
/// capitals: not in scripts without capitals (Hebrew, Arabic, Chinese, Japanese, Korean,
/// the scripts of India, Thai, Georgian) nor in Greek, whose accented letters the book
/// faces have no small capitals for.
pub fn opens_in_small_caps(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    !is_right_to_left(tag)
        && ![
            "el", "grc", "zh", "ja", "ko", "hi", "bn", "ta", "te", "mr", "gu", "kn", "ml", "pa",
            "ne", "si", "th", "lo", "km", "my", "ka", "am", "bo",
        ]
        .contains(&primary.as_str())
}

/// Whether a Chinese tag (BCP 47) asks for traditional characters: the Hant script, or
/// Taiwan, Hong Kong or Macau without a script.
fn is_traditional_chinese(tag: &str) -> bool {
    let subtags: Vec<String> = tag
        .split(['-', '_'])
        .skip(1)
        .map(|s| s.to_ascii_lowercase())
        .collect();
    match subtags.iter().find(|s| is_script_subtag(s)) {
        Some(script) => script == "hant",
        None => subtags
            .iter()
            .any(|s| matches!(s.as_str(), "tw" | "hk" | "mo")),
    }
}

/// Whether a subtag is a script's (four letters: `Latn`, `Hebr`).
fn is_script_subtag(subtag: &str) -> bool {
    subtag.len() == 4 && subtag.chars().all(|c| c.is_ascii_alphabetic())
}

/// Whether text in the language `tag` (BCP 47) is written right to left: Arabic, Hebrew,
/// Persian, Urdu, Yiddish and the other languages written in the Arabic, Hebrew, Syriac or
/// Thaana scripts, or any tag naming one of those scripts (`az-Arab`).
pub fn is_right_to_left(tag: &str) -> bool {
    let mut subtags = tag.split(['-', '_']);
    let primary = subtags.next().unwrap_or_default().to_ascii_lowercase();
    // A script subtag decides (`he-Latn`, a transliteration, reads left to right).
    if let Some(script) = subtags.find(|s| is_script_subtag(s)) {
        return ["arab", "hebr", "syrc", "thaa", "nkoo", "adlm"]
            .contains(&script.to_ascii_lowercase().as_str());
    }
    [
        "ar", "he", "iw", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "syr", "ckb", "arc",
    ]
    .contains(&primary.as_str())
}

#[cfg(test)]
mod tests {
    #[test]
    fn chapters_open_in_small_caps_where_the_script_has_them() {
        for cased in ["en", "fr-CA", "de", "ru", "pl", "vi"] {
            assert!(super::opens_in_small_caps(cased), "{cased}");
        }
        for uncased in ["el", "grc", "ja", "zh-Hant", "he", "ar", "hi", "th"] {
            assert!(!super::opens_in_small_caps(uncased), "{uncased}");
        }
    }

    #[test]
    fn right_to_left_languages() {
        for rtl in ["he", "ar-EG", "fa", "yi", "az-Arab", "HE"] {
            assert!(super::is_right_to_left(rtl), "{rtl}");
        }
        for ltr in [
            "en",
            "fr",
            "az-Latn",
            "el",
            "",
            "hebrew",
            "he-Latn",
            "yi-Latn",
            "ar-Latn-EG",
        ] {
            assert!(!super::is_right_to_left(ltr), "{ltr}");
        }
    }

    use super::*;

    #[test]
    fn a_language_gets_its_words_and_an_unknown_one_english() {
        assert_eq!(Labels::of("fr").contents, "Table des matières");
        assert_eq!(Labels::of("de-CH").contents, "Inhalt");
        assert_eq!(Labels::of("pt_BR").figure, "Figura");
        assert_eq!(Labels::of("en-GB"), &ENGLISH);
        // An edition of Homer or the New Testament in Greek.
        assert_eq!(Labels::of("grc"), &GREEK);
        assert_eq!(Labels::of("tlh"), &ENGLISH);
        // Chinese in traditional characters where the tag asks for them.
        for traditional in ["zh-Hant", "zh-TW", "zh-hant-HK", "zh-MO"] {
            assert_eq!(Labels::of(traditional).contents, "目錄", "{traditional}");
        }
        for simplified in ["zh", "zh-CN", "zh-Hans", "zh-Hans-HK", "zh-SG"] {
            assert_eq!(Labels::of(simplified).contents, "目录", "{simplified}");
        }
        assert_eq!(Labels::of(""), &ENGLISH);
        assert_eq!(
            Labels::fill(Labels::of("fr").by, "Stendhal"),
            "par Stendhal"
        );
        // Every phrase that takes a value has a place for it.
        for language in [
            "en", "fr", "de", "es", "it", "pt", "nl", "sv", "pl", "ru", "el", "he",
        ] {
            let l = Labels::of(language);
            for phrase in [
                l.by,
                l.first_published,
                l.published_by,
                l.this_edition_published_by,
                l.this_edition,
                l.typeset_in,
            ] {
                assert_eq!(phrase.matches("{}").count(), 1, "{language}: {phrase}");
            }
        }
    }
}
