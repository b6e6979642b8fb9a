"""Output targets: the folders, plans, scripts and manifests a harness loads."""
