"""Resources: the warehouse, the input folder and spaCy, for the settings in force."""

from dagster import Definitions, definitions

from pipeline.resources import resources_for
from pipeline.settings import current_settings


@definitions
def defs() -> Definitions:
    return Definitions(resources=resources_for(current_settings()))
