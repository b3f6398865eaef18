"""The kit's standard columns: the names and types the modules' code uses.

They are the columns of the bundled sample city's datasets (Riverton's catalog
cards, ``datasets/catalog.yaml``); a city profile maps its own column names onto
them, and the loader gives each the type written here. A test keeps these in
step with the catalog.
"""

from __future__ import annotations

__all__ = ["AREAS", "POPULATION", "PRECINCTS", "REQUEST_COLUMNS", "RESULTS", "STANDARD_NAMES"]

# service_requests: standard name -> type ("text", "number", "datetime", "boolean")
REQUEST_COLUMNS: dict[str, str] = {
    "unique_key": "text",
    "created_date": "datetime",
    "closed_date": "datetime",
    "agency": "text",
    "agency_name": "text",
    "complaint_type": "text",
    "descriptor": "text",
    "location_type": "text",
    "incident_zip": "text",
    "incident_address": "text",
    "street_name": "text",
    "cross_street_1": "text",
    "cross_street_2": "text",
    "intersection_street_1": "text",
    "intersection_street_2": "text",
    "address_type": "text",
    "city": "text",
    "landmark": "text",
    "facility_type": "text",
    "status": "text",
    "due_date": "datetime",
    "resolution_description": "text",
    "resolution_action_updated_date": "datetime",
    "community_board": "text",
    "bbl": "text",
    "borough": "text",
    "x_coordinate_state_plane": "number",
    "y_coordinate_state_plane": "number",
    "open_data_channel_type": "text",
    "park_facility_name": "text",
    "park_borough": "text",
    "vehicle_type": "text",
    "taxi_company_borough": "text",
    "taxi_pick_up_location": "text",
    "bridge_highway_name": "text",
    "bridge_highway_direction": "text",
    "road_ramp": "text",
    "bridge_highway_segment": "text",
    "latitude": "number",
    "longitude": "number",
    "location": "text",
    "area": "text",  # the export's own area id (see the profile's area_code), not in Riverton's file
}

# areas and population: what a profile maps (its role names) -> the standard column
AREAS: dict[str, str] = {"area_id": "area_numbe", "area_name": "community"}
POPULATION: dict[str, str] = {
    "area_id": "community_area",
    "area_name": "community_name",
    "population": "population",
    "year": "year",
}

# precinct results (wide: these four, then one column per candidate) and precinct shapes, as
# Chicago's Board of Elections and the sample city's ``precinct_results_2025`` and ``precincts`` write them
RESULTS: dict[str, str] = {
    "ward": "WARD",
    "precinct": "PRECINCT",
    "registered": "REGISTERED VOTERS",
    "ballots": "BALLOTS CAST",
}
PRECINCTS: dict[str, str] = {"ward": "ward", "precinct": "precinct"}

STANDARD_NAMES: dict[str, tuple[str, ...]] = {
    "service_requests": tuple(REQUEST_COLUMNS),
    "areas": tuple(AREAS),
    "population": tuple(POPULATION),
    "results": tuple(RESULTS),
    "precincts": tuple(PRECINCTS),
}
