"""Resumes with personal data planted at known character spans: what the redactor is measured on.

    python bench/redaction_quality.py            # recall and precision per type on this corpus

`planted_resume(body, seed)` puts a header (name, contact line with e-mail, phone, URL, sometimes a
street address), sometimes a third-person summary (pronouns, the first name again), a personal
details block (date of birth, age, gender, marital status, nationality, religion, photo caption),
references and a signature around a resume body, and records every planted span and its type. It
also plants words that must survive (`keep`): skills and places that are names too ("Java, Julia,
Jenkins", "Relocated to Austin, Texas"), dates, money and versions that look like phone numbers,
dotted skills that look like sites (ASP.NET, Node.js). Tricky cases: given names that are skills,
places or words (Grant, Austin, Kenya, Ruby), names in no list the redactor has (`UNLISTED_*`),
international phone formats, obfuscated e-mails ("jane at example dot com"), URLs without scheme,
LinkedIn/GitHub handles. Bodies without personal data (synthetic pool texts with their header
cut off, `synthetic_bodies`) make every other redacted span a false positive.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

GIVEN = ("Jane Emily Greg Lakisha Jamal Priya Wei Fatima Mateo Olga Chidi Yuki Sofia Omar Anders "
         "Grant Austin Kenya Ruby Julia Madison Paris Jade Dallas Charlotte Will Mark").split()
SURNAMES = ("Okafor Smith Nguyen Patel Garcia Kowalski Haddad Jenkins Swift Price Young King Hall "
            "Washington Baker Tanaka Mensah Rossi Fischer Hughes").split()
# Names in none of the redactor's lists: what a lexicon-only finder would miss.
UNLISTED_GIVEN = "Oluwadamilare Xiaoling Thandeka Bongani Nneka Siddharth Aigerim Teodora".split()
UNLISTED_SURNAMES = "Nkosi Adebayo-Cole Quispe Zhumabayeva Vukovic Oyelaran".split()
DOMAINS = ("example.com", "mail.example.org", "example.co.uk", "inbox.example.net")
KEEP_LINES = ("Skills: Java, Julia, Jenkins, Ruby, Swift, Rust, Grant writing, ASP.NET, Node.js",
              "Relocated to Austin, Texas in 2015 and to Paris in 2019.",
              "Managed a $1,250,000 budget from 2003 - 2007 and 01/2015 - 03/2018.",
              "Upgraded clusters to Python 3.11.4 and Kubernetes 1.29.2; MS Excel expert.",
              "Volunteer, Madison Community Center (2012 - 2014)")


@dataclass(frozen=True)
class PlantedResume:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # planted personal data: (start, end, type)
    keep: tuple[tuple[int, int], ...]  # planted look-alikes that must survive


class _Builder:
    """Appends text and remembers where each planted value landed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[int, int, str]] = []
        self.keep: list[tuple[int, int]] = []

    def add(self, text: str, kind: str | None = None, keep: bool = False) -> None:
        if kind:
            self.spans.append((self.length, self.length + len(text), kind))
        if keep:
            self.keep.append((self.length, self.length + len(text)))
        self.parts.append(text)
        self.length += len(text)

    def build(self) -> PlantedResume:
        return PlantedResume("".join(self.parts), tuple(self.spans), tuple(self.keep))


def person(rng: random.Random) -> tuple[str, str]:
    unlisted = rng.random() < 0.15
    given = rng.choice(UNLISTED_GIVEN if unlisted else GIVEN)
    surname = rng.choice(UNLISTED_SURNAMES if unlisted and rng.random() < 0.5 else SURNAMES)
    return given, surname


def name_text(rng: random.Random, given: str, surname: str) -> str:
    return rng.choice((f"{given} {surname}", f"{given} {surname}".upper(), f"{given} J. {surname}",
                       f"{given} {surname}"))


def email(rng: random.Random, given: str, surname: str) -> str:
    user, domain = f"{given}.{surname}".lower(), rng.choice(DOMAINS)
    spelled = domain.replace(".", " dot ")
    return rng.choice((f"{user}@{domain}", f"{given[0].lower()}{surname.lower()}{rng.randint(1, 99)}@{domain}",
                       f"{given.lower()} at {spelled}", f"{user} [at] {domain.replace('.', ' [dot] ')}",
                       f"{given.lower()}(at){domain.replace('.', '(dot)')}"))


def phone(rng: random.Random) -> str:
    d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    return rng.choice((f"+1 ({d(3)}) {d(3)}-{d(4)}", f"({d(3)}) {d(3)}-{d(4)}", f"{d(3)}.{d(3)}.{d(4)}",
                       f"+44 20 {d(4)} {d(4)}", f"+44 7{d(3)} {d(6)}", f"+91 98{d(3)} {d(5)}",
                       f"+49 (0)30 {d(7)}", f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}", f"0{d(4)} {d(6)}",
                       f"+234 80{d(1)} {d(3)} {d(4)}", f"+81 90-{d(4)}-{d(4)}"))


def profile(rng: random.Random, given: str, surname: str) -> tuple[str, str]:
    """(label before, the URL or handle): the label is not personal data, the value is."""
    handle = f"{given}{surname}".lower().replace("-", "")
    return rng.choice((("", f"https://www.linkedin.com/in/{given.lower()}-{surname.lower()}-{rng.randint(10, 999)}"),
                       ("", f"linkedin.com/in/{handle}"), ("", f"www.{handle}.dev"),
                       ("GitHub: ", handle), ("", f"github.com/{handle}"), ("Twitter: ", f"@{handle}"),
                       ("", f"{handle}.me")))


def street(rng: random.Random) -> str:
    number = rng.randint(2, 9999)
    return rng.choice((f"{number} Maple Avenue, Springfield, IL 62704", f"{number} Oak Street, Apt 4B",
                       f"{number} Suwanee Pointe Drive", "Hauptstraße 12, 10115 Berlin",
                       f"Flat 3, {number} Kings Road, London SW3 4NX", f"{number} rue de la Paix"))


def _header(b: _Builder, rng: random.Random, given: str, surname: str) -> None:
    b.add(name_text(rng, given, surname), "NAME")
    b.add("\n" + rng.choice(("Senior Data Analyst", "Grant Writer", "Registered Nurse", "Java Developer")) + "\n")
    parts = [(rng.choice(("", "Email: ")), email(rng, given, surname), "EMAIL"),
             (rng.choice(("", "Phone: ", "Mobile: ", "Tel. ")), phone(rng), "PHONE"),
             (*profile(rng, given, surname), "URL")]
    if rng.random() < 0.3:
        parts.append(("", street(rng), "ADDRESS"))
    rng.shuffle(parts)
    for i, (label, value, kind) in enumerate(parts):
        b.add((" | " if i else "") + label)
        b.add(value, kind)
    b.add("\n\n")


def _summary(b: _Builder, rng: random.Random, given: str) -> None:
    he, his = rng.choice((("She", "her"), ("He", "his")))
    b.add("Summary\n")
    b.add(given, "NAME")
    b.add(" is a results-driven professional. ")
    b.add(he, "PRONOUN")
    b.add(" led a team of 6 and presented ")
    b.add(his, "PRONOUN")
    b.add(" work to the board.\n\n")


def _details(b: _Builder, rng: random.Random) -> None:
    b.add("\nPersonal Details\n")
    items = [("Date of Birth: ", rng.choice(("23rd of May, 1993", "17/02/1971", "February 17th 1971",
                                              "20 Sep -1978", "1985-04-12")), "DOB"),
             ("Age: ", str(rng.randint(21, 64)), "AGE"),
             (rng.choice(("Sex: ", "Gender: ")), rng.choice(("Female", "Male", "F")), "GENDER"),
             ("Marital Status: ", rng.choice(("Single", "Married", "Divorced")), "MARITAL"),
             (rng.choice(("Nationality: ", "Citizenship: ")),
              rng.choice(("Indian", "Nigerian", "Kenyan", "British")), "NATIONALITY"),
             ("Religion: ", rng.choice(("Hindu", "Christian", "Muslim", "Buddhist")), "RELIGION"),
             ("", rng.choice(("Photo: attached", "[Photo]", "Photograph: see page 1")), "PHOTO")]
    for label, value, kind in rng.sample(items, k=rng.randint(3, len(items))):
        b.add(label)
        b.add(value, kind)
        b.add("\n")


def _references(b: _Builder, rng: random.Random) -> None:
    b.add("\nReferences\n")
    for _ in range(rng.randint(1, 2)):
        given, surname = person(rng)
        b.add(f"{given} {surname}", "NAME")
        b.add(", Director at Northwind Analytics, ")
        b.add(phone(rng), "PHONE")
        b.add(", ")
        b.add(email(rng, given, surname), "EMAIL")
        b.add("\n")


def planted_resume(body: str, seed: int) -> PlantedResume:
    """`body` (a resume without personal data) with personal data and look-alikes planted around it."""
    rng = random.Random(f"planted:{seed}")
    given, surname = person(rng)
    b = _Builder()
    _header(b, rng, given, surname)
    if rng.random() < 0.5:
        _summary(b, rng, given)
    b.add(body.strip() + "\n")
    for line in rng.sample(KEEP_LINES, k=2):
        b.add(line, keep=True)
        b.add("\n")
    if rng.random() < 0.5:
        _details(b, rng)
    if rng.random() < 0.4:
        _references(b, rng)
    if rng.random() < 0.3:
        b.add("\nKind regards,\n")
        b.add(f"{given} {surname}", "NAME")
        b.add("\n")
    return b.build()


def synthetic_bodies(n: int, seed: int = 0) -> list[str]:
    """Synthetic pool resumes without their header (name, title, contact line): no personal data."""
    from recruit_core.data.synth import generate_resume
    from recruit_core.data.taxonomy import load_builtin

    taxonomy = load_builtin()
    return [generate_resume(taxonomy, seed, i).text.split("\n", 3)[3] for i in range(n)]


def planted_corpus(n: int, seed: int = 0, bodies: list[str] | None = None) -> list[PlantedResume]:
    bodies = bodies or synthetic_bodies(n, seed)
    return [planted_resume(bodies[i % len(bodies)], seed * 1_000_003 + i) for i in range(n)]
