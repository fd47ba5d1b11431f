"""Fixed rows the contacts point at: companies, places, languages and profile images.

The ids TaskIP's document uses in its examples exist with the same names (companies 3, 5, 7;
country 1; states 5 and 6; cities 10 and 11; images 25 and 42), so its requests work unchanged.
"""

from datetime import UTC, datetime

from django.db import transaction

from .models import City, Company, Country, Language, Media, State

CREATED = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)

# (id, name, domain, email)
COMPANIES = [
    (1, "Northwind Traders", "northwindtraders.com", "contact@northwindtraders.com"),
    (2, "Globex Corporation", "globex.com", "office@globex.com"),
    (3, "Tech Solutions", "techsolutions.com", "hello@techsolutions.com"),
    (4, "Initech", "initech.com", "info@initech.com"),
    (5, "Acme Corp", "acmecorp.com", "info@acmecorp.com"),
    (6, "Umbrella Health", "umbrellahealth.com", "care@umbrellahealth.com"),
    (7, "Marketing Pro", "marketingpro.com", "info@marketingpro.com"),
    (8, "Blue Harbor Logistics", "blueharbor.io", "ops@blueharbor.io"),
    (9, "Sakura Design Studio", "sakuradesign.jp", "studio@sakuradesign.jp"),
    (10, "Lagos Fintech Hub", "lagosfintech.ng", "hello@lagosfintech.ng"),
    (11, "Verde Energia", "verdeenergia.com.br", "contato@verdeenergia.com.br"),
    (12, "Nordlys Analytics", "nordlys.no", "post@nordlys.no"),
    (13, "Maple Leaf Consulting", "mapleleafconsulting.ca", "team@mapleleafconsulting.ca"),
    (14, "Rhine Precision", "rhineprecision.de", "kontakt@rhineprecision.de"),
    (15, "Ganges Software", "gangessoftware.in", "sales@gangessoftware.in"),
    (16, "Kiwi Outdoor Co", "kiwioutdoor.co.nz", "kiaora@kiwioutdoor.co.nz"),
]

# (id, name, phone code)
COUNTRIES = [
    (1, "United States", "+1"),
    (2, "Canada", "+1"),
    (3, "United Kingdom", "+44"),
    (4, "Germany", "+49"),
    (5, "India", "+91"),
    (6, "Japan", "+81"),
    (7, "Brazil", "+55"),
    (8, "Nigeria", "+234"),
    (9, "Spain", "+34"),
    (10, "France", "+33"),
    (11, "Mexico", "+52"),
    (12, "Norway", "+47"),
    (13, "China", "+86"),
    (14, "Egypt", "+20"),
    (15, "Australia", "+61"),
]

# (id, country id, name)
STATES = [
    (1, 1, "Texas"),
    (2, 1, "Washington"),
    (3, 1, "Illinois"),
    (4, 1, "Massachusetts"),
    (5, 1, "California"),
    (6, 1, "New York"),
    (7, 2, "Ontario"),
    (8, 2, "British Columbia"),
    (9, 3, "England"),
    (10, 3, "Scotland"),
    (11, 4, "Bavaria"),
    (12, 4, "Berlin"),
    (13, 5, "Maharashtra"),
    (14, 5, "Karnataka"),
    (15, 6, "Tokyo"),
    (16, 6, "Osaka"),
    (17, 7, "São Paulo"),
    (18, 7, "Rio de Janeiro"),
    (19, 8, "Lagos"),
    (20, 9, "Community of Madrid"),
    (21, 9, "Catalonia"),
    (22, 10, "Île-de-France"),
    (23, 11, "Mexico City"),
    (24, 12, "Oslo"),
    (25, 13, "Shanghai"),
    (26, 14, "Cairo"),
    (27, 15, "New South Wales"),
    (28, 15, "Victoria"),
]

# (id, state id, name, IANA time zone)
CITIES = [
    (1, 1, "Austin", "America/Chicago"),
    (2, 2, "Seattle", "America/Los_Angeles"),
    (3, 3, "Chicago", "America/Chicago"),
    (4, 4, "Boston", "America/New_York"),
    (5, 5, "Los Angeles", "America/Los_Angeles"),
    (6, 6, "Buffalo", "America/New_York"),
    (7, 1, "Dallas", "America/Chicago"),
    (8, 7, "Toronto", "America/Toronto"),
    (9, 8, "Vancouver", "America/Vancouver"),
    (10, 5, "San Francisco", "America/Los_Angeles"),
    (11, 6, "New York", "America/New_York"),
    (12, 9, "London", "Europe/London"),
    (13, 9, "Manchester", "Europe/London"),
    (14, 10, "Edinburgh", "Europe/London"),
    (15, 11, "Munich", "Europe/Berlin"),
    (16, 12, "Berlin", "Europe/Berlin"),
    (17, 13, "Mumbai", "Asia/Kolkata"),
    (18, 13, "Pune", "Asia/Kolkata"),
    (19, 14, "Bengaluru", "Asia/Kolkata"),
    (20, 15, "Tokyo", "Asia/Tokyo"),
    (21, 16, "Osaka", "Asia/Tokyo"),
    (22, 17, "São Paulo", "America/Sao_Paulo"),
    (23, 18, "Rio de Janeiro", "America/Sao_Paulo"),
    (24, 19, "Lagos", "Africa/Lagos"),
    (25, 20, "Madrid", "Europe/Madrid"),
    (26, 21, "Barcelona", "Europe/Madrid"),
    (27, 22, "Paris", "Europe/Paris"),
    (28, 23, "Mexico City", "America/Mexico_City"),
    (29, 24, "Oslo", "Europe/Oslo"),
    (30, 25, "Shanghai", "Asia/Shanghai"),
    (31, 26, "Cairo", "Africa/Cairo"),
    (32, 27, "Sydney", "Australia/Sydney"),
    (33, 28, "Melbourne", "Australia/Melbourne"),
]

# (id, code, name)
LANGUAGES = [
    (1, "en", "English"),
    (2, "es", "Spanish"),
    (3, "fr", "French"),
    (4, "de", "German"),
    (5, "hi", "Hindi"),
    (6, "ja", "Japanese"),
    (7, "pt", "Portuguese"),
    (8, "yo", "Yoruba"),
    (9, "zh", "Chinese"),
    (10, "ar", "Arabic"),
    (11, "no", "Norwegian"),
]

# Profile images: ids 20-49; 25 and 42 carry the file names the document shows.
NAMED_IMAGES = {25: ("jane-smith.jpg", 98765), 42: ("alice-johnson.jpg", 125843)}
IMAGE_IDS = range(20, 50)


def _media_rows():
    for media_id in IMAGE_IDS:
        file_name, size = NAMED_IMAGES.get(
            media_id,
            (
                f"avatar-{media_id}.{'png' if media_id % 3 == 0 else 'jpg'}",
                40_000 + 1_733 * media_id,
            ),
        )
        yield Media(
            id=media_id,
            url=f"https://taskip.net/storage/profile/{file_name}",
            name=file_name,
            file_name=file_name,
            mime_type="image/png" if file_name.endswith(".png") else "image/jpeg",
            size=size,
            collection_name="profile",
        )


def load_reference_data():
    """Create the reference rows once; a database that has them is left alone."""
    if Company.objects.exists():
        return
    with transaction.atomic():
        Company.objects.bulk_create(
            Company(
                id=i,
                name=n,
                domain=d,
                email=e,
                created_at=CREATED.replace(day=i),
                updated_at=CREATED,
            )
            for i, n, d, e in COMPANIES
        )
        Country.objects.bulk_create(Country(id=i, name=n) for i, n, _ in COUNTRIES)
        State.objects.bulk_create(State(id=i, country_id=c, name=n) for i, c, n in STATES)
        City.objects.bulk_create(
            City(id=i, state_id=s, name=n, timezone=tz) for i, s, n, tz in CITIES
        )
        Language.objects.bulk_create(Language(id=i, code=c, name=n) for i, c, n in LANGUAGES)
        Media.objects.bulk_create(_media_rows())


def phone_code(country_id):
    return {i: code for i, _, code in COUNTRIES}[country_id]
