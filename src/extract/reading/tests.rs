use super::*;
use crate::extract::intent;

fn roles(subject: &str, body: &str) -> Vec<(Role, String)> {
    let text = Text::new(subject, body, TextOrigin::Body);
    let found = intent::find(&text);
    read(&text, &found, Some("Sundsvalls kommun"), &[], &|_| false)
        .sentences
        .into_iter()
        .map(|s| (s.role, s.evidence.text))
        .collect()
}

fn unexplained(subject: &str, body: &str) -> Vec<String> {
    roles(subject, body).into_iter().filter(|(r, _)| *r == Role::Unexplained).map(|(_, t)| t).collect()
}

const SEED: &str = "Hej,\n\nÄrendet gäller uppsägning av LEFI Prenumeration.\n\nOrganisationsnummer: 212000-4185\n\
Organisationsnamn: Sundsvalls kommun\nUppsägningen gäller från: 2027-01-01\n\nMed vänlig hälsning\n\nAnna Lindqvist\n\
Registrator\nKommunstyrelsekontoret, Sundsvalls kommun\nTelefon: 060-19 12 34\nanna.lindqvist@sundsvall.se\n";

#[test]
fn the_seeds_own_mail_has_a_role_for_every_sentence() {
    let read = roles("Uppsägning av LEFI Prenumeration", SEED);
    assert!(read.iter().all(|(r, _)| *r != Role::Unexplained), "{read:#?}");
    let role = |t: &str| read.iter().find(|(_, s)| s.starts_with(t)).map(|(r, _)| *r);
    assert_eq!(role("Hej"), Some(Role::Greeting));
    assert_eq!(role("Organisationsnummer"), Some(Role::Fact));
    assert_eq!(role("Med vänlig"), Some(Role::SignOff));
    assert_eq!(role("Kommunstyrelsekontoret"), Some(Role::Signature));
}

#[test]
fn a_sentence_that_could_change_the_meaning_is_unexplained() {
    for added in [
        "Socialförvaltningen ska däremot ha kvar sin prenumeration.",
        "Vi behöver dock fortsätta få uppgifter om pågående ärenden fram till den 30 juni 2027.",
        "PS. Om budgeten godkänns i december drar vi tillbaka uppsägningen.",
        "Jag har också en fråga: faktureras vi för hela första kvartalet?",
    ] {
        let body = SEED.replace("Med vänlig hälsning", &format!("{added}\n\nMed vänlig hälsning"));
        assert_eq!(unexplained("Uppsägning av LEFI Prenumeration", &body).len(), 1, "{added}");
    }
}

#[test]
fn courtesy_and_motives_are_roles_unless_they_say_more() {
    for courtesy in [
        "Tack på förhand!",
        "Vänligen bekräfta mottagandet av detta mejl.",
        "Om ni har frågor är ni välkomna att kontakta mig.",
        "Vi har inte längre behov av tjänsten.",
        "Please confirm receipt of this email.",
    ] {
        let body = SEED.replace("Med vänlig hälsning", &format!("{courtesy}\n\nMed vänlig hälsning"));
        assert!(unexplained("Uppsägning", &body).is_empty(), "{courtesy}: {:?}", unexplained("Uppsägning", &body));
    }
    let saying_more = SEED.replace(
        "Med vänlig hälsning",
        "Tack för samarbetet, men Socialförvaltningen behåller tjänsten.\n\nMed vänlig hälsning",
    );
    assert_eq!(unexplained("Uppsägning", &saying_more).len(), 1);
}

#[test]
fn a_statement_for_a_unit_is_partial() {
    let text = Text::new(
        "Uppsägning",
        "Ärendet gäller uppsägning av LEFI Prenumeration för Arbetsmarknadsförvaltningen i Sundsvalls kommun.",
        TextOrigin::Body,
    );
    let found = intent::find(&text);
    assert!(read(&text, &found, Some("Sundsvalls kommun"), &[], &|_| false).partial().is_some());
    let whole = Text::new(
        "Uppsägning",
        "This concerns the termination of LEFI Prenumeration for Region Kronoberg.",
        TextOrigin::Body,
    );
    let found = intent::find(&whole);
    assert!(
        read(&whole, &found, Some("Region Kronoberg"), &[], &|_| false).partial().is_none(),
        "the organisation itself"
    );
}
