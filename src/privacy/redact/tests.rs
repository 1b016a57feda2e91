use proptest::prelude::*;

use super::*;
use crate::analyse::analyse;
use crate::domain::luhn_check_digit;

/// A valid personal identity number for a day of 1950–1999.
fn personnummer(year: u32, month: u32, day: u32, serial: u32) -> String {
    let body = format!("{:02}{month:02}{day:02}{serial:03}", year % 100);
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{}-{}{}", &body[..6], &body[6..], luhn_check_digit(&digits))
}

#[derive(Debug)]
struct Person {
    first: String,
    last: String,
    local: String,
    phone: String,
    number: String,
}

fn person() -> impl Strategy<Value = Person> {
    (
        prop::sample::select(&["Anna", "Karin", "Lars", "Mikael", "Åsa", "Örjan", "Elin"][..]),
        prop::sample::select(&["Andersson", "Lindqvist", "Öberg", "Nyström", "Holm", "Sjöberg"][..]),
        50u32..99,
        1u32..13,
        1u32..29,
        100u32..999,
        1_000_000u32..9_999_999,
    )
        .prop_map(|(first, last, y, m, d, serial, phone)| Person {
            first: first.to_string(),
            last: last.to_string(),
            local: format!("{}.{}", first.to_lowercase(), last.to_lowercase()),
            phone: format!("070-{}", phone),
            number: personnummer(y, m, d, serial),
        })
}

/// A termination written by `p`, whose personal data stands in the headers,
/// the text and the signature, in the encoding `encoding`.
fn mail(p: &Person, encoding: usize) -> Vec<u8> {
    let text = format!(
        "Hej,\n\nÄrendet gäller uppsägning av LEFI Prenumeration.\n\nOrganisationsnummer: 212000-3005\n\
         Organisationsnamn: Uppsala kommun\nUppsägningen gäller från: 2027-01-01\n\n\
         Kontaktperson: {first} {last}, tfn {phone}, e-post {local}@uppsala.se (personnummer {number} för \
         behörigheten).\n\nMed vänlig hälsning\n\n{first} {last}\nRegistrator\nUppsala kommun\n{phone}\n",
        first = p.first,
        last = p.last,
        phone = p.phone,
        local = p.local,
        number = p.number
    );
    let head = format!(
        "Authentication-Results: mx.forsakringskassan.se; dkim=pass header.d=uppsala.se; dmarc=pass header.from=uppsala.se\r\n\
         Received: from mx.uppsala.se by mx.forsakringskassan.se; Mon, 16 Nov 2026 10:00:00 +0100\r\n\
         From: {first} {last} <{local}@uppsala.se>\r\nTo: registeruttag@forsakringskassan.se\r\n\
         Subject: =?utf-8?q?Upps=C3=A4gning_LEFI?=\r\nDate: Mon, 16 Nov 2026 10:00:00 +0100\r\nMessage-ID: <x1@uppsala.se>\r\n\
         MIME-Version: 1.0\r\n",
        first = encoded_word(&p.first),
        last = encoded_word(&p.last),
        local = p.local
    );
    let body = match encoding {
        0 => format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{}", text.replace('\n', "\r\n")),
        1 => format!(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            base64_of(text.as_bytes())
        ),
        _ => format!(
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}",
            quoted_printable(format!("<html><body><p>{}</p></body></html>", text.replace('\n', "<br>\n")).as_bytes())
        ),
    };
    format!("{head}{body}\r\n").into_bytes()
}

/// Everything the mail says, decoded: the header block as written, the
/// sender's name and address, the subject and the text.
fn everything(raw: &[u8]) -> String {
    let parsed = crate::mail::parse(raw).expect("a mail");
    let text = String::from_utf8_lossy(raw);
    let headers = text.split("\r\n\r\n").next().unwrap_or("");
    let from = parsed
        .from
        .as_ref()
        .map(|f| format!("{} {}", f.name.clone().unwrap_or_default(), f.address))
        .unwrap_or_default();
    format!("{headers}\n{from}\n{}\n{}", parsed.subject, parsed.full_text())
}

proptest! {
    /// Nothing of the person survives, in any encoding; the mail reads as before.
    #[test]
    fn no_personal_data_survives_and_the_reading_stays(p in person(), encoding in 0usize..3) {
        let original = mail(&p, encoding);
        let mut redactor = Redactor::new();
        let redacted = redactor.mail(&original).expect("redacted");
        let shown = everything(&redacted);
        for personal in [&p.first, &p.last, &p.local, &p.phone, &p.number] {
            prop_assert!(!shown.contains(personal.as_str()), "{} survived:\n{}", personal, shown);
        }
        // The privacy module's own detector, and an independent one.
        prop_assert_eq!(crate::privacy::mask_personal_numbers(shown.clone()), shown.clone());
        let personnummer = Regex::new(r"\b(?:19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[-+]?[0-9]{4}\b").unwrap();
        prop_assert!(!personnummer.is_match(&shown), "{}", shown);
        let addresses = Regex::new(r"(?i)[\p{L}\p{N}._%+\-]+@[a-z0-9.\-]+").unwrap();
        for a in addresses.find_iter(&shown) {
            let a = a.as_str().to_lowercase();
            prop_assert!(a.starts_with("adress-") || a == "registeruttag@forsakringskassan.se", "{}", a);
        }
        let (before, after) = (analyse(&original, None, &[]), analyse(&redacted, None, &[]));
        prop_assert_eq!(before.decision.verdict, after.decision.verdict);
        let facts = |a: &crate::analyse::Analysis| a.extraction.as_ref().map(|e| (e.org_number(), e.org_name().map(str::to_string), e.effective_date()));
        prop_assert_eq!(facts(&before), facts(&after));
    }
}

#[test]
fn one_person_keeps_one_placeholder_across_mails() {
    let p = Person {
        first: "Anna".into(),
        last: "Lindqvist".into(),
        local: "anna.lindqvist".into(),
        phone: "070-1234567".into(),
        number: personnummer(72, 3, 14, 123),
    };
    let mut redactor = Redactor::new();
    let first = everything(&redactor.mail(&mail(&p, 0)).unwrap());
    let second = everything(&redactor.mail(&mail(&p, 2)).unwrap());
    assert!(first.contains("adress-1@uppsala.se") && second.contains("adress-1@uppsala.se"));
    assert!(first.contains("Namn1 Namn2") && second.contains("Namn1 Namn2"), "{first}");
    assert!(first.contains("[personnummer 1]") && first.contains("[telefon 1]"), "{first}");
    assert!(first.contains("212000-3005") && first.contains("Uppsala kommun"), "organisations stay: {first}");
}
