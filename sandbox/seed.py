"""Realistic, repeatable demo contacts.

A fixed random seed makes every run produce the same people, and contact k is the same whatever
the total, so `--seed 50` is a prefix of `--seed 200`. Contacts 1 and 2 are the two people of
TaskIP's list example. Names come from a dozen cultures, with diacritics kept, so search and sort
get exercised on more than ASCII. The document's create example (alice.johnson@example.com) is
deliberately absent so that example can succeed.
"""

import random
import unicodedata
from datetime import UTC, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Billing, City, Contact, ContactLanguage, blank_for_null
from .reference_data import COMPANIES, IMAGE_IDS, phone_code

RANDOM_SEED = 20240115
RESERVED_EMAILS = {"alice.johnson@example.com"}
# Seeded portal users share one known password, handy when demoing a portal login.
DEMO_PORTAL_PASSWORD = "portal-demo"  # noqa: S105 - a published demo credential, by design


def _names(text):
    return text.split()


# culture: (first names, last names, country ids to live in, language ids they speak)
CULTURES = {
    "american": (
        _names("James Mary Robert Patricia Michael Linda David Emily Daniel Sarah Chris Olivia"),
        _names("Miller Davis Wilson Anderson Taylor Thomas Moore Clark Lewis Walker Hall Young"),
        [1, 1, 1, 2, 3, 15],
        [1],
    ),
    "hispanic": (
        _names("María José Carmen Luis Sofía Javier Lucía Diego Valentina Mateo"),
        _names("García Rodríguez Martínez Hernández López González Pérez Sánchez Ramírez Torres"),
        [9, 11, 1],
        [2, 1],
    ),
    "chinese": (
        _names("Wei Fang Jing Lei Min Yan Hao Xiu Jun Na"),
        _names("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou"),
        [13, 13, 1, 2],
        [9, 1],
    ),
    "indian": (
        _names("Aarav Priya Rohan Ananya Vikram Kavya Arjun Diya Rahul Meera"),
        _names("Sharma Patel Iyer Reddy Gupta Nair Singh Mehta Rao Chatterjee"),
        [5, 5, 3, 1],
        [5, 1],
    ),
    "japanese": (
        _names("Haruto Yui Sota Aoi Ren Hina Yuto Sakura Kaito Mei"),
        _names("Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato"),
        [6],
        [6, 1],
    ),
    "nigerian": (
        _names("Chinedu Ngozi Oluwaseun Adaeze Emeka Funmilayo Tunde Chiamaka Ifeanyi Yetunde"),
        _names("Okafor Adeyemi Okonkwo Balogun Eze Nwosu Adebayo Obi Olawale Chukwu"),
        [8, 8, 3],
        [1, 8],
    ),
    "german": (
        _names("Lukas Anna Jonas Lea Felix Marie Maximilian Sophie Paul Jana"),
        _names("Müller Schmidt Schneider Fischer Weber Becker Wagner Hoffmann Schäfer Koch"),
        [4],
        [4, 1],
    ),
    "french": (
        _names("Camille Louis Chloé Hugo Léa Gabriel Manon Théo Inès Jules"),
        _names("Martin Bernard Dubois Lefèvre Moreau Laurent Girard Roux Fournier Mercier"),
        [10, 10, 2],
        [3, 1],
    ),
    "arabic": (
        _names("Omar Fatima Youssef Layla Ahmed Nour Karim Mariam Hassan Salma"),
        _names("El-Sayed Mansour Farouk Nasser Haddad Khalil Saleh Aziz Ibrahim Mostafa"),
        [14, 14, 3],
        [10, 1],
    ),
    "brazilian": (
        _names("João Ana Pedro Beatriz Rafael Larissa Thiago Camila Lucas Fernanda"),
        _names("Silva Santos Oliveira Souza Costa Pereira Almeida Ferreira Rocha Carvalho"),
        [7],
        [7, 1],
    ),
    "norwegian": (
        _names("Ingrid Lars Sigrid Magnus Astrid Bjørn Solveig Håkon Liv Erik"),
        _names("Hansen Johansen Olsen Larsen Andersen Berg Haugen Dahl Lie Bakke"),
        [12],
        [11, 1],
    ),
}

POSITIONS = {
    "Engineering": ["Software Engineer", "DevOps Engineer", "CTO", "Data Analyst", "QA Lead"],
    "Product": ["Product Manager", "UX Designer", "Product Owner"],
    "Marketing": ["Marketing Director", "Content Strategist", "Growth Marketer"],
    "Sales": ["Sales Manager", "Account Executive", "Head of Partnerships"],
    "Finance": ["CFO", "Finance Manager", "Procurement Officer"],
    "Operations": ["Operations Lead", "Project Manager", "Customer Success Manager", "Founder"],
}
LEAD_SOURCES = ["Referral", "Website", "Conference", "Cold Outreach", "Partner", "Trade Show"]
REFERENCE_NAMES = ["Website Lead", "Conference Lead", "Referral", "Partner Intro", "Trade Show"]
DETAILS = [
    "Prefers email over phone.",
    "Decision maker for the annual renewal.",
    "Met at the regional partner summit.",
    "Interested in the premium support plan.",
    "Asked for a quarterly business review.",
    "Evaluating a migration from a competitor.",
]
STREETS = {
    1: ["Market Street", "Oak Avenue", "Mission Street", "Broadway", "Elm Street"],
    2: ["King Street West", "Granville Street", "Bay Street"],
    3: ["High Street", "Station Road", "Deansgate", "Princes Street"],
    4: ["Hauptstraße", "Leopoldstraße", "Friedrichstraße"],
    5: ["MG Road", "Linking Road", "FC Road"],
    6: ["Chuo-dori", "Omotesando", "Midosuji"],
    7: ["Avenida Paulista", "Rua Augusta", "Avenida Atlântica"],
    8: ["Awolowo Road", "Admiralty Way", "Ozumba Mbadiwe Avenue"],
    9: ["Calle Mayor", "Passeig de Gràcia", "Gran Vía"],
    10: ["Rue de Rivoli", "Boulevard Haussmann", "Rue du Bac"],
    11: ["Paseo de la Reforma", "Avenida Insurgentes"],
    12: ["Karl Johans gate", "Bogstadveien"],
    13: ["Nanjing Road", "Huaihai Road"],
    14: ["Tahrir Street", "Corniche El Nil"],
    15: ["George Street", "Collins Street", "Chapel Street"],
}
# How each country writes a postal code: '#' stands for a digit, '@' for a letter.
POSTCODES = {
    1: "#####",
    2: "@#@ #@#",
    3: "@@# #@@",
    4: "#####",
    5: "######",
    6: "###-####",
    7: "########",
    8: "######",
    9: "#####",
    10: "#####",
    11: "#####",
    12: "####",
    13: "######",
    14: "#####",
    15: "####",
}
_TRANSLITERATE = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l"})

DOCUMENT_PEOPLE = [
    # Contacts 1 and 2, as TaskIP's list example shows them.
    {
        "first_name": "John",
        "last_name": "Doe",
        "email": "john.doe@example.com",
        "company_id": 5,
        "position": "Software Engineer",
        "phone_code": "+1",
        "phone_number": "555-0123",
        "country_id": 1,
        "state_id": 5,
        "city_id": 10,
        "address": "123 Tech Street",
        "zip_code": "94105",
        "timezone": "America/Los_Angeles",
        "details": None,
        "reference": None,
        "reference_name": None,
        "access_portal": True,
        "image_id": None,
        "custom_fields": {"department": "Engineering", "lead_source": "Referral"},
        "created_at": datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
        "languages": [],
        "billing": {},
    },
    {
        "first_name": "Jane",
        "last_name": "Smith",
        "email": "jane.smith@example.com",
        "company_id": 3,
        "position": "Product Manager",
        "phone_code": "+1",
        "phone_number": "555-0124",
        "country_id": 1,
        "state_id": 6,
        "city_id": 11,
        "address": "456 Business Ave",
        "zip_code": "10001",
        "timezone": "America/New_York",
        "details": "Experienced product manager",
        "reference": "REF-2024-002",
        "reference_name": "Website Lead",
        "access_portal": False,
        "image_id": 25,
        "custom_fields": {
            "department": "Product",
            "lead_source": "Website",
            "linkedin": "https://linkedin.com/in/janesmith",
        },
        "created_at": datetime(2024, 1, 10, 9, 20, tzinfo=UTC),
        "languages": [1, 2],
        "billing": {
            "billing_address": "456 Business Ave",
            "billing_city": "New York",
            "billing_state": "New York",
            "billing_country": "United States",
            "billing_zip": "10001",
            "billing_phone": "555-0124",
            "tax_number": "TX-987654321",
        },
    },
]


def _ascii_slug(text):
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLITERATE))
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def _postcode(rng, country_id):
    return "".join(
        str(rng.randrange(10))
        if ch == "#"
        else rng.choice("ABCEGHJKLMNPRSTVXY")
        if ch == "@"
        else ch
        for ch in POSTCODES[country_id]
    )


def _phone_number(rng, country_id):
    if country_id in (1, 2):
        return f"555-{rng.randrange(100, 10000):04d}"
    groups = [rng.randrange(10, 100), rng.randrange(1000, 10000), rng.randrange(1000, 10000)]
    return " ".join(str(group) for group in groups)


def _generate_person(rng, cities_by_country, taken_emails):
    culture = rng.choice(list(CULTURES))
    first_names, last_names, countries, languages = CULTURES[culture]
    first, last = rng.choice(first_names), rng.choice(last_names)
    base = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
    domain = rng.choice(["example.com", "example.org", "example.net"])
    email, n = f"{base}@{domain}", 1
    while email in taken_emails or email in RESERVED_EMAILS:
        n += 1
        email = f"{base}{n}@{domain}"
    country_id = rng.choice(countries)
    city = rng.choice(cities_by_country[country_id])
    department = rng.choice(list(POSITIONS))
    created = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(730 * 86400))
    custom = {"department": department, "lead_source": rng.choice(LEAD_SOURCES)}
    if rng.random() < 0.4:
        custom["linkedin"] = f"https://linkedin.com/in/{_ascii_slug(first)}{_ascii_slug(last)}"
    if rng.random() < 0.3:
        custom["preferred_contact"] = rng.choice(["email", "phone"])
    referenced = rng.random() < 0.35
    address = f"{rng.randrange(1, 400)} {rng.choice(STREETS[country_id])}"
    zip_code = _postcode(rng, country_id)
    phone = _phone_number(rng, country_id)
    billed = rng.random() < 0.6
    spoken = languages[: rng.choice([0, 1, len(languages)])]
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "company_id": rng.choice([c[0] for c in COMPANIES]) if rng.random() < 0.85 else None,
        "position": rng.choice(POSITIONS[department]),
        "phone_code": phone_code(country_id),
        "phone_number": phone,
        "country_id": country_id,
        "state_id": city.state_id,
        "city_id": city.id,
        "address": address,
        "zip_code": zip_code,
        "timezone": city.timezone,
        "details": rng.choice(DETAILS) if rng.random() < 0.4 else None,
        "reference": f"REF-{created.year}-{rng.randrange(1, 1000):03d}" if referenced else None,
        "reference_name": rng.choice(REFERENCE_NAMES) if referenced else None,
        "access_portal": rng.random() < 0.35,
        "image_id": rng.choice(IMAGE_IDS) if rng.random() < 0.3 else None,
        "custom_fields": custom,
        "created_at": created,
        "languages": spoken,
        "billing": {
            "billing_address": address,
            "billing_city": city.name,
            "billing_state": city.state.name,
            "billing_country": city.state.country.name,
            "billing_zip": zip_code,
            "billing_phone": f"{phone_code(country_id)} {phone}",
            "tax_number": f"TX-{rng.randrange(10**8, 10**9)}",
        }
        if billed
        else {},
    }


def seed_contacts(count):
    """Add `count` contacts with ids 1..count, but only into an empty contacts table.

    Returns how many were added.
    """
    if count <= 0 or Contact.objects.exists():
        return 0
    rng = random.Random(RANDOM_SEED)
    cities_by_country = {}
    for city in City.objects.select_related("state__country"):
        cities_by_country.setdefault(city.state.country_id, []).append(city)
    portal_hash = make_password(DEMO_PORTAL_PASSWORD)

    contacts, billings, links, taken = [], [], [], set()
    for number in range(1, count + 1):
        if number <= len(DOCUMENT_PEOPLE):
            person = dict(DOCUMENT_PEOPLE[number - 1])
        else:
            person = _generate_person(rng, cities_by_country, taken)
        taken.add(person["email"])
        created = person.pop("created_at")
        updated = created + timedelta(days=rng.randrange(0, 90), minutes=rng.randrange(0, 600))
        billing = person.pop("billing")
        languages = person.pop("languages")
        contact = Contact(
            id=number,
            user_id=122 + number,
            created_at=created,
            updated_at=updated,
            password=portal_hash if person["access_portal"] else "",
            **blank_for_null(Contact, person),
        )
        contact.refresh_derived()
        contacts.append(contact)
        # Billing ids run nine ahead of contact ids, as in the document's example.
        billings.append(
            Billing(
                id=number + 9,
                contact_id=number,
                created_at=created,
                updated_at=updated,
                **blank_for_null(Billing, billing),
            )
        )
        links.extend(
            ContactLanguage(contact_id=number, language_id=language_id, is_default=position == 0)
            for position, language_id in enumerate(languages)
        )
    with transaction.atomic():
        Contact.objects.bulk_create(contacts, batch_size=500)
        Billing.objects.bulk_create(billings, batch_size=500)
        ContactLanguage.objects.bulk_create(links, batch_size=500)
    return count
