"""The public wire types: the pydantic models generated from the OpenAPI document."""

from tinker_api.pydantic_models import *  # noqa: F403
