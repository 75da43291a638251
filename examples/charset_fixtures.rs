//! Writes the legacy-charset feed fixtures under `tests/fixtures/charsets/` with
//! `encoding_rs` encoders: one RSS feed per encoding, declaring no charset (no HTTP
//! header, no `encoding` in the XML declaration), plus one declared sample.
//! Run `cargo run --example charset_fixtures` after changing a text; commit the bytes.

use std::path::Path;

use encoding_rs::Encoding;

/// (file stem, encoding label, watched name, article text).
const SAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "gbk",
        "gbk",
        "李尚福",
        "国防部长李尚福周六在香格里拉对话会上发表讲话，表示中国愿意与各国加强防务合作，\
         维护地区和平与稳定。新华社记者报道，会议期间多国代表就南海局势交换了意见，\
         并同意继续保持沟通。",
    ),
    (
        "big5",
        "big5",
        "李尚福",
        "國防部長李尚福週六在香格里拉對話會上發表講話，表示中國願意與各國加強防務合作，\
         維護地區和平與穩定。中央社記者報導，會議期間多國代表就南海局勢交換了意見，\
         並同意繼續保持溝通。",
    ),
    (
        "shift_jis",
        "shift_jis",
        "浜田靖一",
        "防衛大臣の浜田靖一氏は土曜日、シンガポールで開かれたアジア安全保障会議で演説し、\
         地域の平和と安定のために各国との協力を強化する考えを示した。会議では南シナ海の\
         情勢についても意見が交わされ、各国は対話を続けることで一致した。",
    ),
    (
        "euc-kr",
        "euc-kr",
        "이종섭",
        "이종섭 국방부 장관은 토요일 싱가포르에서 열린 아시아안보회의에서 연설하며 지역의 \
         평화와 안정을 위해 각국과의 협력을 강화하겠다고 밝혔다. 회의에서는 남중국해 \
         정세에 대해서도 의견이 교환되었으며 각국은 대화를 이어가기로 했다.",
    ),
    (
        "koi8-r",
        "koi8-r",
        "Шойгу",
        "Министр обороны Сергей Шойгу заявил в субботу, что Россия готова укреплять \
         сотрудничество в области обороны с другими странами. По словам министра, \
         переговоры прошли в конструктивной атмосфере, стороны договорились продолжить диалог.",
    ),
    (
        "windows-1251",
        "windows-1251",
        "Резніков",
        "Міністр оборони Олексій Резніков заявив у суботу, що Україна готова посилювати \
         співпрацю з партнерами. За словами міністра, переговори пройшли в конструктивній \
         атмосфері, а сторони домовилися продовжити діалог найближчим часом.",
    ),
    (
        "windows-1252",
        "windows-1252",
        "Müller",
        "Der Außenminister Müller sagte am Samstag in München, die Gespräche über die \
         Zusammenarbeit seien fortgesetzt worden. Die französische Ministerin äußerte sich \
         ähnlich und sprach von großen Fortschritten.",
    ),
];

fn feed(name: &str, text: &str, declaration: &str) -> String {
    format!(
        "<?xml version=\"1.0\"{declaration}?>\n<rss version=\"2.0\"><channel><title>{name}</title>\
         <link>https://example.org/</link><description>charset sample</description>\n\
         <item><title>{name}</title><guid>{name}-1</guid><link>https://example.org/{name}/1</link>\
         <description>{text}</description></item>\n</channel></rss>\n"
    )
}

fn write(dir: &Path, file: &str, encoding: &'static Encoding, xml: &str) {
    let (bytes, _, unmappable) = encoding.encode(xml);
    assert!(
        !unmappable,
        "{file}: text not representable in {}",
        encoding.name()
    );
    std::fs::write(dir.join(file), &bytes).expect("write fixture");
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/charsets");
    std::fs::create_dir_all(&dir).expect("fixture dir");
    let mut index = String::from("# file\tencoding\twatched name\n");
    for (stem, label, name, text) in SAMPLES {
        let encoding = Encoding::for_label(label.as_bytes()).expect("known label");
        write(
            &dir,
            &format!("{stem}.xml"),
            encoding,
            &feed(stem, text, ""),
        );
        index.push_str(&format!("{stem}.xml\t{label}\t{name}\n"));
    }
    // Declared charsets win: KOI8-R bytes labelled windows-1251 are read as windows-1251.
    let (_, _, name, text) = SAMPLES[4];
    let koi8 = encoding_rs::KOI8_R;
    let declared = feed("declared", text, " encoding=\"windows-1251\"");
    write(&dir, "koi8-r-declared-1251.xml", koi8, &declared);
    index.push_str(&format!(
        "koi8-r-declared-1251.xml\tkoi8-r (declared windows-1251)\t{name}\n"
    ));
    std::fs::write(dir.join("INDEX.tsv"), index).expect("index");
}
