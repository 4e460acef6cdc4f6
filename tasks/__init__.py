"""osmu's core: plain functions and frozen values, no Prefect.

    read → parse → privacy → roots → insights → render → polish → lint → write

`tasks/pipeline.py` is the one wiring; the stages live in subpackages by concern (`vault`,
`markdown`, `roots`, `insight`, `render`, `llm`, `lint`, `write`), with their helpers (`nlp`,
`process`, `builders`) and one preparer per channel (`channels`). `model.py` holds the values
passed between stages, `settings.py` the declared settings (`project.py`: where osmu's files are,
and `ConfigError`), `changes.py` the change detection.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("osmu")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.1.0"
