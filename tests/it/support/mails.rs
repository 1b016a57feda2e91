//! Mails written for tests that need many or particular ones.

use lefi_intake::domain::luhn_check_digit;

/// A valid public-body organisation number, different for each `n`.
pub fn org_number(n: u32) -> String {
    let body: Vec<u8> = format!("21200{:04}", n % 10_000).bytes().map(|b| b - b'0').collect();
    let check = luhn_check_digit(&body);
    let digits: String = body.iter().map(|d| char::from(b'0' + d)).collect();
    format!("{}-{}{}", &digits[..6], &digits[6..], check)
}

pub struct Mail<'a> {
    pub from: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub message_id: &'a str,
    pub date: &'a str,
    pub extra_headers: &'a str,
}

impl Mail<'_> {
    pub fn raw(&self) -> Vec<u8> {
        format!(
            "From: {from}\r\nTo: registeruttag@forsakringskassan.se\r\nSubject: {subject}\r\nDate: {date}\r\n\
             Message-ID: <{id}>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
            from = self.from,
            subject = self.subject,
            date = self.date,
            id = self.message_id,
            extra = self.extra_headers,
            body = self.body.replace('\n', "\r\n"),
        )
        .into_bytes()
    }
}

/// A complete termination by "Kommun <n>".
pub fn termination(n: u32, effective: &str, message_id: &str) -> Vec<u8> {
    Mail {
        from: &format!("registrator@kommun{n}.se"),
        subject: "Uppsägning av LEFI Prenumeration",
        body: &format!(
            "Hej,\n\nTestby{n} kommun säger härmed upp LEFI Prenumeration från och med {effective}.\n\n\
             Organisationsnummer: {}\n\nMed vänlig hälsning\nRegistrator",
            org_number(n)
        ),
        message_id,
        date: "Mon, 16 Nov 2026 10:00:00 +0100",
        extra_headers: "",
    }
    .raw()
}

/// What mail number `i` is: 7 in 10 complete terminations, then one each of
/// incomplete, out-of-office and question.
pub fn drill_mail(i: u32) -> Vec<u8> {
    let id = format!("drill-{i}@kommun{i}.se");
    match i % 10 {
        7 => Mail {
            from: &format!("lena@kommun{i}.se"),
            subject: "Uppsägning",
            body: "Vi säger upp LEFI Prenumeration.",
            message_id: &id,
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "",
        }
        .raw(),
        8 => Mail {
            from: &format!("per@kommun{i}.se"),
            subject: "Automatiskt svar: Uppsägning",
            body: "Jag är ledig.",
            message_id: &id,
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "Auto-Submitted: auto-replied\r\n",
        }
        .raw(),
        9 => Mail {
            from: &format!("bo@kommun{i}.se"),
            subject: "Fråga",
            body: "Hur säger vi upp LEFI Prenumeration?",
            message_id: &id,
            date: "Mon, 16 Nov 2026 10:00:00 +0100",
            extra_headers: "",
        }
        .raw(),
        _ => termination(i, "2027-01-01", &id),
    }
}
