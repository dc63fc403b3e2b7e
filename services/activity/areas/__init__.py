"""The areas registry: force -> district -> neighbourhood, with data.police.uk identities and
beat profiles. `service.loggable_district` is the rule of what an activity may be logged
against; `service.update_area` moves what is derived from an area's place with it."""
