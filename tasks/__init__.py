"""osmu stages, one module each: read → parse → roots → insights → render → write.

Pure functions do the work; each module ends with thin Prefect `@task` wrappers.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("osmu")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.1.0"
