"""The application shell: the `sou` command line, the server entry point, the pilot's data."""
