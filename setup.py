"""Packaging beyond pyproject.toml: osmu's own files ride in the wheel as package data.

`config/` and `channel_templates/` stay at the top of the checkout (where `make demo`, the
tests and a person editing a template find them) and are installed as `tasks/_bundled/config/`
and `tasks/_bundled/channel_templates/`; `tasks/project.py` looks for them in the checkout
first, then there. pyproject.toml's `packages.find` cannot name a package whose folder lies
outside its parent's, hence this file.
"""

from setuptools import find_packages, setup

BUNDLED = {"tasks._bundled.config": "config", "tasks._bundled.channel_templates": "channel_templates"}

setup(
    packages=[*find_packages(include=["flows", "flows.*", "tasks", "tasks.*"]), *BUNDLED],
    package_dir=BUNDLED,
    package_data={
        "tasks._bundled.config": ["*.yaml"],
        "tasks._bundled.channel_templates": ["**/*.j2", "**/*.yaml", "**/*.md", "**/*.txt"],
    },
)
