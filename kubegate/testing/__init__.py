"""kubegate for tests: `kubegate.Server` to embed a cluster, and the pytest plugin's fixtures.

Nothing is imported here, so that pytest loading the plugin (`kubegate.testing.plugin`, an
entry point) costs nothing until a test asks for a server.
"""

#: The logger on which an embedded server writes one line per request it answered.
REQUESTS_LOGGER = "kubegate.requests"
