"""Cities adapt the course to their own data: city profiles, their loader, check and adapt."""

from kit.course.load import CityData, LoadNote, load_city
from kit.course.profile import CityProfile, load_profile
from kit.course.starter import write_city_starter

__all__ = ["CityData", "CityProfile", "LoadNote", "load_city", "load_profile", "write_city_starter"]
