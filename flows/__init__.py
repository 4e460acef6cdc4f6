"""osmu flows (Prefect), deployments and the `osmu` command line."""
