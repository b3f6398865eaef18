"""Name pools for synthetic people and places.

Every person in the bundled data is invented: first and last names are drawn
independently from these pools, emails use the reserved ``example.org`` domain
and phone numbers the 555-01XX range reserved for fiction.
"""

FIRST_NAMES = (
    "Ana", "Luis", "Maria", "James", "Aisha", "Kevin", "Rosa", "Tyrone", "Mei", "Jorge",
    "Fatima", "Daniel", "Keisha", "Hector", "Linh", "Sarah", "Omar", "Guadalupe", "Brian",
    "Tanisha", "Carlos", "Emily", "Andre", "Yesenia", "Michael", "Nadia", "Jamal", "Sofia",
    "Robert", "Lucia", "DeShawn", "Grace", "Miguel", "Hannah", "Ibrahim", "Carmen", "Tom",
    "Alejandra", "Marcus", "Priya", "Elena", "Chris", "Ximena", "Darnell", "Julia", "Samuel",
    "Veronica", "Kwame", "Laura", "Pedro",
)

LAST_NAMES = (
    "Garcia", "Johnson", "Nguyen", "Williams", "Hernandez", "Brown", "Lopez", "Jones",
    "Martinez", "Davis", "Rodriguez", "Miller", "Kim", "Wilson", "Perez", "Anderson",
    "Washington", "Thomas", "Ramirez", "Jackson", "Patel", "White", "Flores", "Harris",
    "Rivera", "Clark", "Torres", "Lewis", "Okafor", "Walker", "Sanchez", "Hall", "Cruz",
    "Young", "Morales", "King", "Reyes", "Wright", "Ortiz", "Scott", "Chen", "Green",
    "Diaz", "Baker", "Gomez", "Adams", "Ali", "Nelson", "Vargas", "Carter",
)

STREET_NAMES = (
    "OAK", "MAPLE", "CEDAR", "ELM", "WALNUT", "RIVER", "MILL", "LINCOLN", "WASHINGTON",
    "JEFFERSON", "PARK", "LAKE", "HILL", "CHURCH", "MARKET", "FRANKLIN", "SPRUCE", "UNION",
    "CHESTNUT", "HARBOR", "PROSPECT", "GRANT", "MADISON", "HIGHLAND", "ORCHARD", "BIRCH",
    "SYCAMORE", "FAIRVIEW", "RAILROAD", "DEPOT", "CANAL", "BRIDGE", "COLLEGE", "PINE",
    "WILLOW", "JACKSON",
)

STREET_TYPES = ("STREET", "AVENUE", "ROAD", "BOULEVARD", "DRIVE", "COURT", "PLACE")
