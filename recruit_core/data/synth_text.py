"""Word lists and small text helpers for the synthetic talent pool (names, places, headings, contacts)."""
from __future__ import annotations

import random

FIRST_NAMES = (
    "Aisha Alejandro Amara Anders Ananya Beatriz Bilal Camille Chen Chidi Dana Daniel Dmitri Elena "
    "Emeka Farah Fatima Gabriel Hana Hiroshi Ines Ivan Jamal Jana Jia Jonas Kai Kateryna Kofi Lars "
    "Layla Liam Lucia Malik Marta Mateo Mei Mohammed Nadia Naveen Noah Olga Omar Priya Rafael Rania "
    "Ravi Rosa Samuel Sara Sean Sofia Tariq Thandiwe Tomas Valentina Wei Yara Yusuf Zara Zoe").split()
LAST_NAMES = (
    "Abadi Adeyemi Alvarez Andersen Bauer Bianchi Brown Chen Costa Dubois Eriksson Fernandes Fischer "
    "Garcia Gupta Haddad Hansen Ibrahim Ito Jansen Kaur Kim Kowalski Kumar Larsen Lee Lopez Mahlangu "
    "Martin Mensah Moreau Murphy Nakamura Nguyen Novak Okafor Olsen Patel Petrov Rahman Reyes Rossi "
    "Santos Schmidt Silva Singh Smith Suzuki Tanaka Torres Wang Weber Williams Yilmaz Zhang").split()
CITIES = ("London", "Manchester", "Berlin", "Munich", "Paris", "Madrid", "Lisbon", "Amsterdam",
          "Dublin", "Warsaw", "New York", "Austin", "Chicago", "Seattle", "Toronto", "Bengaluru",
          "Pune", "Singapore", "Sydney", "Cape Town", "Lagos", "Nairobi", "Sao Paulo", "Remote")
COMPANY_HEADS = ("Northwind", "Bluefin", "Crescent", "Ironbridge", "Larkspur", "Meridian", "Oakridge",
                 "Pinecrest", "Quantum", "Redwood", "Silverline", "Summit", "Tidewater", "Vantage",
                 "Westgate", "Brightpath", "Cobalt", "Evergreen", "Harbor", "Keystone")
COMPANY_TAILS = ("Analytics", "Health", "Logistics", "Systems", "Partners", "Financial", "Labs",
                 "Retail", "Group", "Energy", "Media", "Software", "Consulting", "Manufacturing")
DEGREES = ("B.Sc. in Computer Science", "B.A. in Economics", "M.Sc. in Data Science", "BBA",
           "B.Eng. in Mechanical Engineering", "MBA", "B.Sc. in Nursing", "Associate Degree",
           "B.A. in Communications", "M.A. in Education", "B.Com. in Accounting", "J.D.",
           "B.Sc. in Mathematics", "Diploma in Business Administration", "B.Des. in Graphic Design")
UNIVERSITIES = ("State University", "Institute of Technology", "City College", "University of Leeds",
                "Technical University", "National University", "Community College", "Polytechnic")
HEADINGS = {
    "summary": ("Summary", "Professional Summary", "Profile", "About Me", "Career Objective"),
    "experience": ("Experience", "Work Experience", "Professional Experience", "Employment History",
                   "Work History", "Career History"),
    "skills": ("Skills", "Technical Skills", "Core Competencies", "Key Skills", "Areas of Expertise",
               "Tools & Technologies"),
    "education": ("Education", "Education and Training", "Academic Background", "Qualifications"),
}
SENIORITY = ("junior", "mid", "senior", "lead")
SENIORITY_YEARS = {"junior": (0, 2), "mid": (3, 5), "senior": (6, 10), "lead": (10, 20)}
SENIORITY_PREFIX = {"junior": ("Junior", "Associate", ""), "mid": ("", ""),
                    "senior": ("Senior", "Sr."), "lead": ("Lead", "Principal", "Head of")}
EMAIL_DOMAINS = ("mail.example.com", "inbox.example.org", "example.net", "post.example.co.uk")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def email_for(rng: random.Random, name: str) -> str:
    first, last = name.lower().split(" ", 1)
    user = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}"))
    return f"{user}@{rng.choice(EMAIL_DOMAINS)}"


def phone_number(rng: random.Random) -> str:
    digits = [str(rng.randint(0, 9)) for _ in range(10)]
    a, b, c = "".join(digits[:3]), "".join(digits[3:6]), "".join(digits[6:])
    return rng.choice((f"+1 ({a}) {b}-{c}", f"+44 7{a} {b}{c[:3]}", f"{a}-{b}-{c}",
                       f"+91 9{a[:2]}{b} {c}", f"({a}) {b} {c}"))


def company(rng: random.Random) -> str:
    return f"{rng.choice(COMPANY_HEADS)} {rng.choice(COMPANY_TAILS)}"


def heading(rng: random.Random, section: str) -> str:
    text = rng.choice(HEADINGS[section])
    return rng.choice((text, text.upper(), text + ":"))


def misspell(rng: random.Random, word: str) -> str:
    """One typo a person makes: a dropped, doubled or swapped letter (never the first one)."""
    if len(word) < 6:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def article(noun_phrase: str) -> str:
    return "an" if noun_phrase[:1].lower() in "aeiou" else "a"
